using Jail2Ban.Core.Configuration;
using static Jail2Ban.Core.Tests.Configuration.ConfigTestKit;

namespace Jail2Ban.Core.Tests.Configuration;

/// <summary>
/// §1.7 / §1.9 / §1.10: a whole small tree through the jail pipeline. The expected stream is what
/// fail2ban-client 1.0.2 -d printed for this same tree (on disk, logs under /tmp/j2blogs, the
/// glob f*.log listed by the directory as f2, f1, .fhidden, fdangling -> gone; the action.d path
/// shown relative to the -c directory, here /etc/f2b).
/// </summary>
public class JailPipelineTests
{
    private const string Fail2BanConf = """
[Definition]
loglevel = DEBUG
logtarget = /x.log
dbmaxmatches = 7
[Thread]
stacksize = 32
""";

    private const string JailConf = """
[DEFAULT]
enabled = false
maxretry = 5
maxmatches = %(maxretry)s
filter = %(__name__)s[mode=%(mode)s]
mode = normal
banaction = ban
action_ = %(banaction)s[port="%(port)s", protocol="%(protocol)s"]
action = %(action_)s
port = 0:65535
protocol = tcp
usedns = warn
logencoding = auto

[f]
enabled = yes
mode = aggressive
logpath = /tmp/j2blogs/f*.log
          /tmp/j2blogs/other.log tail
ignoreip = 127.0.0.1/8 ::1,10.0.0.1
bantime.increment = on
findtime = 1h

[g]
enabled = true
filter = f
failregex = %(known/failregex)s
            ^jail-own <HOST>$
maxretry = x
action = %(action_)s[name=%(__name__)s-tcp, protocol="tcp"]
         %(action_)s[name=other, protocol="udp"]
         py.py[a=1, actname=pyact]
logpath = /tmp/j2blogs/f1.log

[h]
enabled = 1
filter = nosuch
[i]
enabled = TRUE
filter = f[bad = 1]
[j]
enabled = true
filter = f
action = nosuchaction
[k]
enabled = true
filter = f
backend = systemd
logpath = /nonexistent
[disabled]
enabled = no
filter = nosuch
""";

    private const string FilterDFConf = """
[Definition]
failregex = ^f <HOST>$
  <mdre-<mode>>
mdre-normal =
mdre-aggressive = ^agg <HOST>$
datepattern = ^%%Y
journalmatch = _SYSTEMD_UNIT=f.service
""";

    private const string ActionDBanConf = """
[Definition]
actionstart = start <name> <port>
actionban = ban <ip> <protocol> <chain> <bantime>
actionunban = unban <ip>
norestored = 1
[Init]
chain = INPUT
port = any
""";

    private const string Expected = """
['set', 'thread', {'stacksize': 32}]
['set', 'syslogsocket', 'auto']
['set', 'loglevel', 'DEBUG']
['set', 'logtarget', '/x.log']
['set', 'allowipv6', 'auto']
['set', 'dbfile', '/var/lib/fail2ban/fail2ban.sqlite3']
['set', 'dbmaxmatches', 7]
['set', 'dbpurgeage', '1d']
['add', 'f', 'auto']
['set', 'f', 'usedns', 'warn']
['multi-set', 'f', 'addfailregex', ['^f <HOST>$', '^agg <HOST>$']]
['set', 'f', 'datepattern', '^%Y']
['set', 'f', 'addjournalmatch', '_SYSTEMD_UNIT=f.service']
['set', 'f', 'maxretry', 5]
['set', 'f', 'maxmatches', 5]
['set', 'f', 'findtime', '1h']
['set', 'f', 'bantime.increment', True]
['set', 'f', 'addignoreip', '127.0.0.1/8', '::1', '10.0.0.1']
['set', 'f', 'logencoding', 'auto']
['set', 'f', 'addlogpath', '/tmp/j2blogs/f2.log', 'head']
['set', 'f', 'addlogpath', '/tmp/j2blogs/f1.log', 'head']
['set', 'f', 'addlogpath', '/tmp/j2blogs/other.log', 'tail']
['set', 'f', 'addaction', 'ban']
['multi-set', 'f', 'action', 'ban', [['actionstart', 'start f 0:65535'], ['actionban', 'ban <ip> tcp INPUT <bantime>'], ['actionunban', 'unban <ip>'], ['norestored', True], ['port', '0:65535'], ['protocol', 'tcp'], ['name', 'f'], ['actname', 'ban'], ['chain', 'INPUT']]]
['add', 'g', 'auto']
['set', 'g', 'usedns', 'warn']
['set', 'g', 'datepattern', '^%Y']
['set', 'g', 'addjournalmatch', '_SYSTEMD_UNIT=f.service']
['multi-set', 'g', 'addfailregex', ['^f <HOST>$', '<mdre-<mode>>', '^jail-own <HOST>$']]
['set', 'g', 'maxretry', None]
['set', 'g', 'maxmatches', None]
['set', 'g', 'logencoding', 'auto']
['set', 'g', 'addlogpath', '/tmp/j2blogs/f1.log', 'head']
['set', 'g', 'addaction', 'ban-tcp']
['multi-set', 'g', 'action', 'ban-tcp', [['actionstart', 'start g-tcp 0:65535'], ['actionban', 'ban <ip> tcp INPUT <bantime>'], ['actionunban', 'unban <ip>'], ['norestored', True], ['port', '0:65535'], ['protocol', 'tcp'], ['name', 'g-tcp'], ['actname', 'ban-tcp'], ['chain', 'INPUT']]]
['set', 'g', 'addaction', 'ban-other']
['multi-set', 'g', 'action', 'ban-other', [['actionstart', 'start other 0:65535'], ['actionban', 'ban <ip> udp INPUT <bantime>'], ['actionunban', 'unban <ip>'], ['norestored', True], ['port', '0:65535'], ['protocol', 'udp'], ['name', 'other'], ['actname', 'ban-other'], ['chain', 'INPUT']]]
['set', 'g', 'addaction', 'pyact', '/etc/f2b/action.d/py.py', '{"a": "1"}']
['config-error', "Jail 'h' skipped, because of wrong configuration: Unable to read the filter 'nosuch'"]
['config-error', "Jail 'i' skipped, because of wrong configuration: Invalid filter definition 'f[bad = 1]': expected option, wrong syntax at 0: bad = 1"]
['config-error', "Jail 'j' skipped, because of wrong configuration: Unable to read action 'nosuchaction'"]
['add', 'k', 'systemd']
['set', 'k', 'usedns', 'warn']
['multi-set', 'k', 'addfailregex', ['^f <HOST>$', '<mdre-<mode>>']]
['set', 'k', 'datepattern', '^%Y']
['set', 'k', 'addjournalmatch', '_SYSTEMD_UNIT=f.service']
['set', 'k', 'maxretry', 5]
['set', 'k', 'maxmatches', 5]
['set', 'k', 'logencoding', 'auto']
['set', 'k', 'addaction', 'ban']
['multi-set', 'k', 'action', 'ban', [['actionstart', 'start k 0:65535'], ['actionban', 'ban <ip> tcp INPUT <bantime>'], ['actionunban', 'unban <ip>'], ['norestored', True], ['port', '0:65535'], ['protocol', 'tcp'], ['name', 'k'], ['actname', 'ban'], ['chain', 'INPUT']]]
['start', 'f']
['start', 'g']
['start', 'k']
""";

    internal static InMemoryFileSystem ScenarioTree()
    {
        var fs = Tree(("fail2ban.conf", Fail2BanConf), ("jail.conf", JailConf), ("filter.d/f.conf", FilterDFConf), ("action.d/ban.conf", ActionDBanConf));
        fs.Add("/tmp/j2blogs/f2.log", "").Add("/tmp/j2blogs/f1.log", "").Add("/tmp/j2blogs/.fhidden.log", "").Add("/tmp/j2blogs/other.log", "");
        fs.AddDanglingLink("/tmp/j2blogs/fdangling.log");
        return fs;
    }

    [Fact]
    public void StreamMatchesFail2Ban()
    {
        var r = Read(ScenarioTree());
        Assert.True(r.Success);
        var expected = Expected.TrimEnd('\n').Split('\n');
        var actual = r.Commands!.Select(c => PyRepr.Repr(c)).ToArray();
        for (var i = 0; i < Math.Min(expected.Length, actual.Length); i++)
        {
            Assert.True(expected[i] == actual[i], $"line {i + 1}\n  expected: {expected[i]}\n  actual:   {actual[i]}");
        }
        Assert.Equal(expected.Length, actual.Length);
    }

    [Fact]
    public void RecordsDescribeTheJails()
    {
        var r = Read(ScenarioTree());
        Assert.Equal("DEBUG", r.Server!.LogLevel);
        Assert.Equal(7, r.Server.DbMaxMatches);
        Assert.Equal(32, r.Server.ThreadStackSize);
        Assert.Equal(["f", "g", "h", "i", "j", "k"], r.Jails.Select(j => j.Name));
        var f = r.Jails[0];
        Assert.Equal(["^f <HOST>$", "^agg <HOST>$"], f.Filter!.FailRegex);
        Assert.Equal("^%Y", f.Filter.DatePattern);
        Assert.Equal([new LogPathEntry("/tmp/j2blogs/f2.log", "head"), new LogPathEntry("/tmp/j2blogs/f1.log", "head"), new LogPathEntry("/tmp/j2blogs/other.log", "tail")], f.LogPaths);
        Assert.Equal(5L, f.Options["maxretry"]);
        Assert.Equal(true, f.Options["bantime.increment"]);
        var ban = Assert.Single(f.Actions);
        Assert.Equal("ban", ban.Name);
        Assert.Contains(new KeyValuePair<string, object?>("actionban", "ban <ip> tcp INPUT <bantime>"), ban.Options);
        var g = r.Jails[1];
        // the jail's failregex replaces the filter's (here extending it via %(known/failregex)s)
        Assert.Equal(["^f <HOST>$", "<mdre-<mode>>", "^jail-own <HOST>$"], g.Filter!.FailRegex);
        Assert.Equal(["ban-tcp", "ban-other", "pyact"], g.Actions.Select(a => a.Name));
        Assert.True(g.Actions[2].IsPython);
        Assert.Equal("{\"a\": \"1\"}", g.Actions[2].PythonArgsJson);
        Assert.Null(g.Options["maxretry"]);
        Assert.Contains("Unable to read the filter 'nosuch'", r.Jails[2].ConfigError);
        Assert.Empty(r.Jails[5].LogPaths); // systemd backend ignores logpath
    }

    [Fact]
    public void DiagnosticsNameFileAndLine()
    {
        var r = Read(ScenarioTree());
        Assert.Contains(r.Diagnostics, d => d.Severity == DiagnosticSeverity.Warning && d.Message.Contains("'maxretry'") && d.Location == new SourceLocation(Base + "/jail.conf", 29));
        Assert.Contains(r.Diagnostics, d => d.Severity == DiagnosticSeverity.Error && d.Message.Contains("Unable to read the filter 'nosuch'") && d.Location == new SourceLocation(Base + "/jail.conf", 37));
        Assert.Contains(r.Diagnostics, d => d.Message.Contains("Invalid filter definition") && d.Location == new SourceLocation(Base + "/jail.conf", 40));
        Assert.Contains(r.Diagnostics, d => d.Message.Contains("Unable to read action 'nosuchaction'") && d.Location == new SourceLocation(Base + "/jail.conf", 44));
        Assert.Contains(r.Diagnostics, d => d.Message.Contains("dangling link"));
    }

    [Fact]
    public void MissingLogsFailTheReadUnlessAllowed()
    {
        var fs = Tree(("jail.conf", "[a]\nenabled = true\nfilter = f\nlogpath = /none/*.log\n"), ("filter.d/f.conf", "[Definition]\nfailregex = x\n"));
        var strict = Read(fs, allowNoFiles: false);
        Assert.False(strict.Success);
        Assert.Null(strict.Commands);
        Assert.Contains(strict.Diagnostics, d => d.Message.Contains("Have not found any log file for a jail") && d.Location == new SourceLocation(Base + "/jail.conf", 4));
        var dump = Read(fs, allowNoFiles: true);
        Assert.True(dump.Success);
        Assert.Contains("['start', 'a']", dump.Commands!.Select(c => PyRepr.Repr(c)));
    }
}

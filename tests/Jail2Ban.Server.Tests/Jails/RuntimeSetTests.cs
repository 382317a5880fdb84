using Jail2Ban.Protocol.Values;
using Jail2Ban.Server.Control;

using static Jail2Ban.Server.Tests.Control.DispatchText;

namespace Jail2Ban.Server.Tests.Jails;

/// <summary>
/// Run-time <c>set &lt;jail&gt; ...</c> on a running jail, through the dispatcher as the socket would send
/// them: the change applies at once (the next line uses it, <c>get</c> shows it) and the answers and
/// error texts are fail2ban 1.0.2's (recorded with a real fail2ban-server 1.0.2 and fail2ban-client).
/// </summary>
public sealed class RuntimeSetTests
{
    private static string Line(JailTestHost h, string text) =>
        h.Time.Now.AddSeconds(-1).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) + " " + text;

    [Fact]
    public async Task Addfailregex_makes_the_next_line_count_and_delfailregex_stops_it()
    {
        await using var h = await JailTestHost.StartAsync();
        var d = new ControlDispatcher(h.Manager, h.Time);
        var jail = h.Manager.GetJail("test");
        jail.ProcessLine(Line(h, "bad login from 192.0.2.5"));
        Assert.Equal(0, jail.Fail.FailTotal);

        var reply = await Run(d, "set", "test", "addfailregex", @"^\s*bad login from <HOST>$");
        Assert.StartsWith(@"['^\\s*auth failure from (?:", reply);
        Assert.Contains(@"'^\\s*bad login from (?:\\[?(?:(?:::f{4,6}:)?(?P<ip4>", reply);
        Assert.Equal(2, h.Manager.GetFailRegex("test").Count);
        h.Manager.GetJail("test").ProcessLine(Line(h, "bad login from 192.0.2.5"));
        Assert.Equal(1, h.Manager.GetJail("test").Fail.FailTotal);

        // an index that is not there is only logged, the list is answered unchanged (1.0.2)
        Assert.Equal(await Run(d, "get", "test", "failregex"), await Run(d, "set", "test", "delfailregex", "5"));
        Assert.Equal(2, h.Manager.GetFailRegex("test").Count);
        Assert.Contains("Cannot remove regular expression. Index 5 is not valid", h.ServerLogText);
        Assert.Equal("invalid literal for int() with base 10: 'x'", await Error(d, "set", "test", "delfailregex", "x"));
        Assert.StartsWith(@"['^\\s*auth failure from", await Run(d, "set", "test", "delfailregex", "1"));
        Assert.Single(h.Manager.GetFailRegex("test"));
        h.Manager.GetJail("test").ProcessLine(Line(h, "bad login from 192.0.2.5"));
        Assert.Equal(1, h.Manager.GetJail("test").Fail.FailTotal);
        h.Manager.GetJail("test").ProcessLine(Line(h, "auth failure from 192.0.2.5"));
        Assert.Equal(2, h.Manager.GetJail("test").Fail.FailTotal);
    }

    [Fact]
    public async Task A_bad_failregex_is_refused_with_fail2bans_text_and_changes_nothing()
    {
        await using var h = await JailTestHost.StartAsync();
        var d = new ControlDispatcher(h.Manager, h.Time);
        Assert.Equal("No failure-id group in '^no host here$'", await Error(d, "set", "test", "addfailregex", "^no host here$"));
        var reply = await d.DispatchAsync(["set", "test", "addfailregex", "(unclosed <HOST>"]);
        Assert.True(reply.IsError);
        // fail2ban.server.failregex.RegexException, the reason on a line of its own
        Assert.Equal("RegexException", reply.Error!.Name);
        Assert.StartsWith("Unable to compile regular expression '(unclosed (?:\\[?(?:", reply.Error.Message);
        Assert.Contains("':\n", reply.Error.Message);
        Assert.Single(h.Manager.GetFailRegex("test"));
    }

    [Fact]
    public async Task Addignoreregex_ignores_the_next_matching_line_and_delignoreregex_undoes_it()
    {
        await using var h = await JailTestHost.StartAsync();
        var d = new ControlDispatcher(h.Manager, h.Time);
        Assert.Equal("['from 192\\\\.0\\\\.2\\\\.9$']", await Run(d, "set", "test", "addignoreregex", @"from 192\.0\.2\.9$"));
        h.Manager.GetJail("test").ProcessLine(Line(h, "auth failure from 192.0.2.9"));
        Assert.Equal(0, h.Manager.GetJail("test").Fail.FailTotal);
        Assert.StartsWith("Unable to compile regular expression '(bad':\n", await Error(d, "set", "test", "addignoreregex", "(bad"));
        Assert.Equal("[]", await Run(d, "set", "test", "delignoreregex", "0"));
        Assert.Equal("[]", await Run(d, "set", "test", "delignoreregex", "0"));
        h.Manager.GetJail("test").ProcessLine(Line(h, "auth failure from 192.0.2.9"));
        Assert.Equal(1, h.Manager.GetJail("test").Fail.FailTotal);
    }

    [Theory]
    [InlineData("prefregex", "^<F-CONTENT>.+</F-CONTENT>$", "'^(?P<content>.+)$'")]
    [InlineData("maxlines", "3", "3")]
    [InlineData("usedns", "no", "'no'")]
    [InlineData("usedns", "bogus", "'no'")]
    [InlineData("usedns", "raw", "'raw'")]
    [InlineData("datepattern", "^%Y-%m-%d", "('^%Y-%m-%d', '^Year-Month-Day')")]
    [InlineData("datepattern", "{^LN-BEG}", "(None, 'Default Detectors')")]
    [InlineData("datepattern", "Epoch", "(None, 'Epoch')")]
    [InlineData("logtimezone", "+0200", "'+0200'")]
    [InlineData("logencoding", "latin-1", "'latin-1'")]
    [InlineData("logencoding", "auto", "'UTF-8'")]
    [InlineData("findtime", "1h", "3600")]
    [InlineData("maxretry", "4", "4")]
    [InlineData("maxmatches", "4", "4")]
    [InlineData("bantime", "2h", "7200")]
    [InlineData("bantime.maxtime", "1w", "604800")]
    [InlineData("bantime.bogus", "1", "'1'")]
    [InlineData("ignoreself", "false", "False")]
    [InlineData("ignorecommand", "/bin/false", "'/bin/false'")]
    public async Task Setters_answer_1_0_2s_values_and_get_shows_them(string prop, string value, string expected)
    {
        await using var h = await JailTestHost.StartAsync();
        var d = new ControlDispatcher(h.Manager, h.Time);
        Assert.Equal(expected, await Run(d, "set", "test", prop, value));
        Assert.Equal(expected, await Run(d, "get", "test", prop));
    }

    [Theory]
    [InlineData("maxlines", "0", "maxlines must be integer greater than zero")]
    [InlineData("maxlines", "x", "invalid literal for int() with base 10: 'x'")]
    [InlineData("maxretry", "x", "invalid literal for int() with base 10: 'x'")]
    [InlineData("logtimezone", "Mars/X", "Unknown or unsupported time zone: 'Mars/X'")]
    [InlineData("logencoding", "bogus", "unknown encoding: bogus")]
    [InlineData("bogus", "1", "Invalid command 'bogus' (no set action or not yet implemented)")]
    public async Task Setters_refuse_bad_values_with_1_0_2s_text(string prop, string value, string expected)
    {
        await using var h = await JailTestHost.StartAsync();
        var d = new ControlDispatcher(h.Manager, h.Time);
        Assert.Equal(expected, await Error(d, "set", "test", prop, value));
    }

    [Fact]
    public async Task A_bad_datepattern_names_the_pattern_and_keeps_the_old_one()
    {
        await using var h = await JailTestHost.StartAsync();
        var d = new ControlDispatcher(h.Manager, h.Time);
        var before = await Run(d, "get", "test", "datepattern");
        Assert.StartsWith("Failed to set datepattern '%Q' (may be an invalid format or unescaped percent char): ",
            await Error(d, "set", "test", "datepattern", "%Q"));
        Assert.Equal(before, await Run(d, "get", "test", "datepattern"));
    }

    [Fact]
    public async Task Datepattern_changes_which_dates_the_next_line_is_read_with()
    {
        await using var h = await JailTestHost.StartAsync();
        var d = new ControlDispatcher(h.Manager, h.Time);
        // a day/month/year date the default detectors read as 11/22 (US) is invalid; with the pattern it is right
        await Run(d, "set", "test", "datepattern", "^%d.%m.%Y %H:%M:%S");
        var stamp = h.Time.Now.AddSeconds(-1).UtcDateTime.ToString("dd.MM.yyyy HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
        h.Manager.GetJail("test").ProcessLine(stamp + " auth failure from 192.0.2.44");
        Assert.Equal(1, h.Manager.GetJail("test").Fail.FailTotal);
        Assert.Contains("[test] Found 192.0.2.44 - 2026-11-22 06:59:59", h.ServerLogText);
    }

    [Fact]
    public async Task Logpaths_are_added_and_removed_at_run_time()
    {
        await using var h = await JailTestHost.StartAsync();
        var d = new ControlDispatcher(h.Manager, h.Time);
        var missing = h.Dir.File("nosuch.log");
        var err = await d.DispatchAsync(["set", "test", "addlogpath", missing]);
        Assert.True(err.IsError);
        Assert.Equal("FileNotFoundError", err.Error!.Name);
        Assert.Equal($"[Errno 2] No such file or directory: '{missing}'", err.Error.Message);
        Assert.Equal("File option must be 'head' or 'tail'", await Error(d, "set", "test", "addlogpath", h.LogFile, "middle"));

        var second = h.Dir.File("second.log");
        File.WriteAllText(second, "");
        Assert.Equal($"['{h.LogFile}', '{second}']", await Run(d, "set", "test", "addlogpath", second, "tail"));
        // the same file again: left as it is
        Assert.Equal($"['{h.LogFile}', '{second}']", await Run(d, "set", "test", "addlogpath", second));
        File.AppendAllLines(second, [JailTestHost.Line(h.Time.Now.AddSeconds(-1), "192.0.2.71")]);
        await h.WaitUntil(() => h.Manager.GetJail("test").Fail.FailTotal == 1, "a failure from the added file");
        Assert.Equal($"['{h.LogFile}']", await Run(d, "set", "test", "dellogpath", second));
        Assert.Equal($"['{h.LogFile}']", await Run(d, "set", "test", "dellogpath", h.Dir.File("zz.log")));
    }

    [Fact]
    public async Task Journalmatch_on_a_file_jail_is_ignored_as_in_1_0_2()
    {
        await using var h = await JailTestHost.StartAsync();
        var d = new ControlDispatcher(h.Manager, h.Time);
        Assert.Equal("[]", await Run(d, "set", "test", "addjournalmatch", "_SYSTEMD_UNIT=x.service"));
        Assert.Equal("[]", await Run(d, "get", "test", "journalmatch"));
        Assert.Equal("[]", await Run(d, "set", "test", "deljournalmatch", "_SYSTEMD_UNIT=x.service"));
    }

    [Fact]
    public async Task Journalmatch_of_a_journal_jail_is_kept_in_groups()
    {
        await using var h = await JailTestHost.StartAsync();
        var d = new ControlDispatcher(h.Manager, h.Time);
        Assert.Equal("'j'", await Run(d, "add", "j", "systemd"));
        Assert.Equal("[['_SYSTEMD_UNIT=a.service'], ['_COMM=b']]",
            await Run(d, "set", "j", "addjournalmatch", "_SYSTEMD_UNIT=a.service", "+", "_COMM=b"));
        Assert.Equal("[['_COMM=b']]", await Run(d, "set", "j", "deljournalmatch", "_SYSTEMD_UNIT=a.service"));
        Assert.Equal("Match ['nosuch=1'] not found", await Error(d, "set", "j", "deljournalmatch", "nosuch=1"));
        Assert.Equal("[]", await Run(d, "get", "j", "logpath"));
    }
}

using Jail2Ban.Protocol.Values;
using Jail2Ban.Server.Control;

using static Jail2Ban.Server.Tests.Control.DispatchText;

namespace Jail2Ban.Server.Tests.Control;

/// <summary>
/// Reply shapes must be those of fail2ban's transmitter (checked against fail2ban 1.0.2's source and
/// the golden recordings): the Python client's beautifier depends on them.
/// </summary>
public sealed class ControlDispatcherTests
{
    private static (ControlDispatcher D, FakeServerControl F) Make()
    {
        var f = FakeServerControl.GoldenScenario("^x <HOST>$");
        f.AddTestJail("aaa").LogPaths.Add("/var/log/a.log");
        return (new ControlDispatcher(f), f);
    }

    public static TheoryData<string, string> Cases() => new()
    {
        { "ping", "'pong'" },
        { "version", "'1.0.2'" },
        { "status", "[('Number of jail', 2), ('Jail list', 'aaa, test')]" },
        { "status test", "[('Filter', [('Currently failed', 0), ('Total failed', 0), ('File list', ['/tmp/j2b-golden/test.log'])]), ('Actions', [('Currently banned', 2), ('Total banned', 2), ('Banned IP list', ['192.0.2.10', '192.0.2.20'])])]" },
        { "status test short", "[('Filter', [('Currently failed', 0), ('Total failed', 0), ('File list', ['/tmp/j2b-golden/test.log'])]), ('Actions', [('Currently banned', 2), ('Total banned', 2)])]" },
        { "status nosuch", "ERR UnknownJailException('nosuch')" },
        { "status a b c", "ERR Exception('Invalid command (no status)')" },
        { "banned", "[{'test': ['192.0.2.10', '192.0.2.20']}, {'aaa': []}]" },
        { "banned 192.0.2.10 203.0.113.1", "[['test'], []]" },
        { "get test banned", "['192.0.2.10', '192.0.2.20']" },
        { "get test banned 192.0.2.10", "1" },
        { "get test banned 192.0.2.10 203.0.113.1", "[1, 0]" },
        { "get test banip", "['192.0.2.10', '192.0.2.20']" },
        { "get test ignoreip", "['198.51.100.0/24', '192.0.2.200']" },
        { "get test ignorecommand", "False" },
        { "get test ignorecache", "None" },
        { "get test prefregex", "''" },
        { "get test datepattern", "(None, 'Default Detectors')" },
        { "get test bantime.increment", "None" },
        { "get test maxretry", "3" },
        { "get test actions", "['note']" },
        { "get test actionproperties note", "['actionban', 'actionunban']" },
        { "get test action nosuch actionban", "ERR KeyError('Invalid Action name: nosuch')" },
        { "get test nosuchprop", "ERR Exception('Invalid command (no get action or not yet implemented)')" },
        { "get nosuch bantime", "ERR UnknownJailException('nosuch')" },
        { "get dbfile", "':memory:'" },
        { "get dbpurgeage", "86400" },
        { "get thread", "{'stacksize': 0}" },
        { "set test findtime 1h", "3600" },
        { "set test maxretry 5", "5" },
        { "set test maxretry x", "ERR ValueError(\"invalid literal for int() with base 10: 'x'\")" },
        { "set test banip 192.0.2.30", "1" },
        { "set test banip 192.0.2.10", "0" },
        { "set test unbanip 192.0.2.10", "1" },
        { "set test unbanip --report-absent 192.0.2.99", "ERR ValueError(\"not banned: ['192.0.2.99']\")" },
        { "set test addignoreip 203.0.113.7", "['198.51.100.0/24', '192.0.2.200', '203.0.113.7']" },
        { "set test idle maybe", "ERR Exception(\"Invalid idle option, must be 'on' or 'off'\")" },
        { "set test idle on", "True" },
        { "set test ignoreself false", "False" },
        { "set test nosuchprop 1", "ERR Exception(\"Invalid command 'nosuchprop' (no set action or not yet implemented)\")" },
        { "set test prefregex", "ERR IndexError('list index out of range')" },
        { "set test addlogpath /a /b /c", "ERR ValueError('Only one file can be added at a time')" },
        { "set test addlogpath /a middle", "ERR ValueError(\"File option must be 'head' or 'tail'\")" },
        { "set test addlogpath /a tail", "['/tmp/j2b-golden/test.log', '/a']" },
        { "set test datepattern %Y", "('%Y', '%Y')" },
        { "set test bantime.increment true", "True" },
        { "set test delaction nosuch", "ERR KeyError('Invalid Action name: nosuch')" },
        { "set test action note actionban echo", "'echo'" },
        { "set dbpurgeage 2d", "172800" },
        { "set loglevel info", "'INFO'" },
        { "set logtarget /nonexistent/x", "ERR Exception('Failed to change log target')" },
        { "set allowipv6 auto", "'auto'" },
        { "unban 192.0.2.10 203.0.113.1", "1" },
        { "unban --all", "2" },
        { "unban", "ERR Exception('Invalid command')" },
        { "echo hello world", "['hello', 'world']" },
        { "server-status", "'Server ready'" },
        { "flushlogs", "'rolled over'" },
        { "add --all", "ERR Exception(\"Reserved name '--all'\")" },
        { "add test", "ERR DuplicateJailException('test')" },
        { "add new", "'new'" },
        { "start test", "None" },
        { "stop test", "None" },
        { "stats", "{'aaa': ['polling', (0, 0), (0, 0)], 'test': ['polling', (0, 0), (2, 2)]}" },
        { "nosuchcommand", "ERR Exception('Invalid command')" },
        { "help", "ERR Exception('Invalid command')" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task RepliesAreShapedLikeFail2ban(string command, string expected)
    {
        var (d, _) = Make();
        Assert.Equal(expected, await Run(d, command.Split(' ').Cast<object?>().ToArray()));
    }

    [Fact]
    public async Task StatusAllNestsEveryJail()
    {
        var (d, _) = Make();
        var text = await Run(d, "status", "--all");
        Assert.StartsWith("[('Number of jail', 2), ('Jail list', 'aaa, test'), {'aaa': [('Filter'", text);
        Assert.Contains("'test': [('Filter'", text);
    }

    [Fact]
    public async Task PythonClientPingCarriesAFloatTimeout()
    {
        // fail2ban-client's internal ping sends ['ping', 0.1] (a float, kept by CSocket.convert).
        var (d, _) = Make();
        Assert.Equal("'pong'", await Run(d, "ping", 0.1));
    }

    [Fact]
    public async Task StopWithoutJailAsksTheServerToQuit()
    {
        var (d, f) = Make();
        Assert.Equal("None", await Run(d, "stop"));
        Assert.True(f.QuitRequested);
    }

    [Fact]
    public async Task ServerStreamIsQuietAndAbortsOnError()
    {
        var (d, f) = Make();
        List<object?> stream =
        [
            new List<object?> { "set", "test", "maxretry", "7" },
            new List<object?> { "set", "nosuch", "maxretry", "1" },
            new List<object?> { "set", "test", "findtime", "1h" },
        ];
        var reply = await d.DispatchAsync(["server-stream", stream]);
        Assert.True(reply.IsError);
        Assert.Equal(7, f.GetMaxRetry("test"));
        Assert.Equal(600, f.GetFindTime("test")); // not reached
        Assert.Equal("None", await Run(d, "server-stream", new List<object?> { new List<object?> { "set", "test", "maxretry", "4" } }));
    }

    [Fact]
    public async Task PythonReloadRunsBeginStreamEnd()
    {
        var (d, f) = Make();
        var reply = await d.DispatchAsync(["reload", "--all", new List<object?> { "--unban" },
            new List<object?> { new List<object?> { "set", "test", "maxretry", "9" } }]);
        Assert.Equal("OK", reply.Value);
        Assert.Equal(["reload begin --all [--unban]", "reload end --all [--unban]"], f.Calls);
        Assert.Equal(9, f.GetMaxRetry("test"));
    }

    [Fact]
    public async Task A_failing_reload_stream_aborts_instead_of_ending()
    {
        var (d, f) = Make();
        var reply = await d.DispatchAsync(["reload", "--all", new List<object?>(),
            new List<object?> { new List<object?> { "set", "test", "maxretry", "9" }, new List<object?> { "set", "nosuch", "maxretry", "1" } }]);
        Assert.True(reply.IsError);
        Assert.Equal(["reload begin --all []", "reload abort"], f.Calls);
    }

    [Fact]
    public async Task ClientReloadAsksTheDaemonToReadItsConfiguration()
    {
        var (d, f) = Make();
        Assert.Equal("'OK'", await Run(d, "reload", "test", new List<object?> { "--restart" }));
        Assert.Equal(["reload-config test [--restart]"], f.Calls);
        Assert.Equal("ERR Exception(\"Failed during configuration: No section: 'nosuch'\")", await Run(d, "reload", "nosuch", new List<object?>()));
    }

    [Fact]
    public async Task MultiSetAddsRegexesAndActionProperties()
    {
        var (d, f) = Make();
        Assert.Equal("True", await Run(d, "multi-set", "test", "addfailregex", new List<object?> { "^a <HOST>$", "^b <HOST>$" }));
        Assert.Equal(3, f.GetFailRegex("test").Count);
        Assert.Equal("True", await Run(d, "multi-set", "test", "action", "note",
            new List<object?> { new List<object?> { "actionstart", "echo start" }, new List<object?> { "start" } }));
        Assert.Equal("echo start", f.GetActionProperty("test", "note", "actionstart"));
        Assert.Contains("call test/note.start()", f.Calls);
    }

    [Fact]
    public async Task BanListWithTimeUsesLocalTimeFormat()
    {
        var f = FakeServerControl.GoldenScenario("^x <HOST>$");
        var d = new ControlDispatcher(f, new UtcTimeProvider());
        Assert.Equal("['192.0.2.10 \\t2026-11-22 05:55:20 + 600 = 2026-11-22 06:05:20', '192.0.2.20 \\t2026-11-22 05:55:20 + 600 = 2026-11-22 06:05:20']",
            await Run(d, "get", "test", "banip", "--with-time"));
    }

    private sealed class UtcTimeProvider : TimeProvider
    {
        public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;
    }

    [Fact]
    public async Task SleepWaitsOnTheInjectedClock()
    {
        var (d, _) = Make();
        var started = DateTime.UtcNow;
        Assert.Equal("None", await Run(d, "sleep", "0.05"));
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromMilliseconds(40));
        Assert.StartsWith("ERR ValueError", await Run(d, "sleep", "soon"));
    }
}

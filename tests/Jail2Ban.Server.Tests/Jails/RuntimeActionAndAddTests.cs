using Jail2Ban.Protocol.Values;
using Jail2Ban.Server.Control;

using static Jail2Ban.Server.Tests.Control.DispatchText;

namespace Jail2Ban.Server.Tests.Jails;

/// <summary>
/// Run-time actions (<c>addaction</c>, <c>delaction</c>, <c>set/get &lt;jail&gt; action ...</c>) and jails
/// created by <c>add</c> outside a reload — answers and error texts recorded from fail2ban 1.0.2.
/// </summary>
public sealed class RuntimeActionAndAddTests
{
    [Fact]
    public async Task Addaction_then_properties_make_a_working_action()
    {
        await using var h = await JailTestHost.StartAsync();
        var d = new ControlDispatcher(h.Manager, h.Time);
        Assert.Equal("'a2'", await Run(d, "set", "test", "addaction", "a2"));
        Assert.Equal("['rec', 'a2']", await Run(d, "get", "test", "actions"));
        Assert.Equal("Action a2 already exists", await Error(d, "set", "test", "addaction", "a2"));
        // fail2ban's CommandAction starts with empty commands and timeout 60
        Assert.Equal("''", await Run(d, "get", "test", "action", "a2", "actionban"));
        Assert.Equal("60", await Run(d, "get", "test", "action", "a2", "timeout"));

        Assert.Equal("'a2ban <ip> <mytag>'", await Run(d, "set", "test", "action", "a2", "actionban", "a2ban <ip> <mytag>"));
        Assert.Equal("'xyz'", await Run(d, "set", "test", "action", "a2", "mytag", "xyz"));
        Assert.Equal("'xyz'", await Run(d, "get", "test", "action", "a2", "mytag"));
        Assert.Equal("120", await Run(d, "set", "test", "action", "a2", "timeout", "2m"));
        Assert.Equal("120", await Run(d, "get", "test", "action", "a2", "timeout"));

        Assert.Equal("1", await Run(d, "set", "test", "banip", "192.0.2.81"));
        await h.WaitUntil(() => h.ActionLines.Any(l => l.Contains("a2ban 192.0.2.81 xyz", StringComparison.Ordinal)), "the new action's ban");
        // the property changes at once for the next command
        await Run(d, "set", "test", "action", "a2", "actionban", "a2second <ip>");
        Assert.Equal("1", await Run(d, "set", "test", "banip", "192.0.2.82"));
        await h.WaitUntil(() => h.ActionLines.Any(l => l.Contains("a2second 192.0.2.82", StringComparison.Ordinal)), "the changed actionban");
    }

    [Fact]
    public async Task Action_properties_methods_and_errors_are_1_0_2s()
    {
        await using var h = await JailTestHost.StartAsync();
        var d = new ControlDispatcher(h.Manager, h.Time);
        await Run(d, "set", "test", "addaction", "a2");
        await Run(d, "set", "test", "action", "a2", "mytag", "xyz");
        Assert.Equal("['actionban', 'actioncheck', 'actionflush', 'actionreban', 'actionreload', 'actionrepair', 'actionstart', 'actionstop', 'actionunban', 'banEpoch', 'mytag', 'timeout']",
            await Run(d, "get", "test", "actionproperties", "a2"));
        Assert.Equal("['ban', 'clearAllParams', 'consistencyCheck', 'escapeTag', 'executeCmd', 'flush', 'invalidateBanEpoch', 'prolong', 'reban', 'reload', 'replaceDynamicTags', 'replaceTag', 'start', 'stop', 'unban']",
            await Run(d, "get", "test", "actionmethods", "a2"));
        Assert.Equal("'CommandAction' object has no attribute 'nosuchprop'", await Error(d, "get", "test", "action", "a2", "nosuchprop"));
        Assert.Equal("'Invalid Action name: nosuch'", await Error(d, "get", "test", "action", "nosuch", "actionban"));
        Assert.Equal("'Invalid Action name: nosuch'", await Error(d, "set", "test", "action", "nosuch", "actionban", "x"));
        Assert.Equal("CommandAction.ban() missing 1 required positional argument: 'aInfo'", await Error(d, "set", "test", "action", "a2", "ban"));
        Assert.Equal("CommandAction.start() got an unexpected keyword argument 'x'", await Error(d, "set", "test", "action", "a2", "start", "{\"x\":1}"));

        await Run(d, "set", "test", "action", "a2", "actionstart", "a2start");
        Assert.Equal("True", await Run(d, "set", "test", "action", "a2", "start"));
        await h.WaitUntil(() => h.ActionLines.Any(l => l.EndsWith("actionstart: a2start", StringComparison.Ordinal)), "actionstart run by the method call");
        Assert.Equal("True", await Run(d, "set", "test", "action", "a2", "stop"));

        Assert.Equal("None", await Run(d, "set", "test", "delaction", "a2"));
        Assert.Equal("['rec']", await Run(d, "get", "test", "actions"));
        Assert.Equal("'Invalid Action name: a2'", await Error(d, "set", "test", "delaction", "a2"));
    }

    [Fact]
    public async Task ClearAllParams_and_invalidateBanEpoch_act_on_the_configured_action()
    {
        await using var h = await JailTestHost.StartAsync();
        var d = new ControlDispatcher(h.Manager, h.Time);
        Assert.Equal("'ban <ip> <bantime>'", await Run(d, "get", "test", "action", "rec", "actionban"));
        Assert.Equal("0", await Run(d, "get", "test", "action", "rec", "banEpoch"));
        Assert.Equal("None", await Run(d, "set", "test", "action", "rec", "invalidateBanEpoch"));
        Assert.Equal("1", await Run(d, "get", "test", "action", "rec", "banEpoch"));
        Assert.Equal("None", await Run(d, "set", "test", "action", "rec", "clearAllParams"));
        Assert.Equal("''", await Run(d, "get", "test", "action", "rec", "actionban"));
        Assert.Equal("60", await Run(d, "get", "test", "action", "rec", "timeout"));
        // in a stream (quiet) a method is not called, as in fail2ban
        Assert.Equal("None", await Run(d, "server-stream", new List<object?> { new List<object?> { "set", "test", "action", "rec", "invalidateBanEpoch" } }));
        Assert.Equal("1", await Run(d, "get", "test", "action", "rec", "banEpoch"));
    }

    [Fact]
    public async Task A_python_action_is_refused_by_name()
    {
        await using var h = await JailTestHost.StartAsync();
        var d = new ControlDispatcher(h.Manager, h.Time);
        var py = h.Dir.File("p.py");
        File.WriteAllText(py, "class Action: pass\n");
        var message = await Error(d, "set", "test", "addaction", "py", py, "{}");
        Assert.Contains("Python action 'py'", message);
        Assert.Contains("not supported", message);
        var missing = await d.DispatchAsync(["set", "test", "addaction", "py", h.Dir.File("nosuch.py"), "{}"]);
        Assert.Equal($"[Errno 2] No such file or directory: '{h.Dir.File("nosuch.py")}'", missing.Error!.Message);
        Assert.Equal("['rec']", await Run(d, "get", "test", "actions"));
    }

    [Fact]
    public async Task Add_outside_a_reload_creates_an_empty_jail_with_fail2bans_defaults()
    {
        await using var h = await JailTestHost.StartAsync();
        var d = new ControlDispatcher(h.Manager, h.Time);
        Assert.Equal("'e1'", await Run(d, "add", "e1"));
        Assert.Equal("[('Number of jail', 2), ('Jail list', 'e1, test')]", await Run(d, "status"));
        // values fail2ban 1.0.2 answered for a jail just added
        foreach (var (prop, expected) in new[]
        {
            ("maxretry", "3"), ("findtime", "600"), ("bantime", "600"), ("maxmatches", "5"), ("usedns", "'warn'"),
            ("logencoding", "'UTF-8'"), ("ignoreself", "True"), ("datepattern", "(None, 'Default Detectors')"), ("maxlines", "1"),
            ("logtimezone", "None"), ("ignorecommand", "False"), ("ignorecache", "None"), ("prefregex", "''"), ("actions", "[]"),
            ("failregex", "[]"), ("logpath", "[]"), ("journalmatch", "[]"),
        })
        {
            Assert.Equal((prop, expected), (prop, await Run(d, "get", "e1", prop)));
        }
        // the clients print "The jail 'test' already exists" for it (1.0.2's Debian build fails with a NameError here)
        Assert.Equal("ERR DuplicateJailException('test')", await Run(d, "add", "test"));
        Assert.Equal("Unknown backend bogusbackend. Must be among ['pyinotify', 'gamin', 'polling', 'systemd'] or 'auto'",
            await Error(d, "add", "e2", "bogusbackend"));
        Assert.Equal("None", await Run(d, "start", "e1"));
        Assert.Equal("[('Filter', [('Currently failed', 0), ('Total failed', 0), ('File list', [])]), ('Actions', [('Currently banned', 0), ('Total banned', 0), ('Banned IP list', [])])]",
            await Run(d, "status", "e1"));
    }

    [Fact]
    public async Task The_stock_clients_start_stream_builds_and_starts_a_working_jail()
    {
        await using var h = await JailTestHost.StartAsync();
        var d = new ControlDispatcher(h.Manager, h.Time);
        var log = h.Dir.File("s.log");
        File.WriteAllText(log, "");
        // the shape of `fail2ban-client -d` for one jail (add, filter, jail options, logpath, action, start)
        List<object?> stream =
        [
            new List<object?> { "add", "s", "polling" },
            new List<object?> { "set", "s", "usedns", "warn" },
            new List<object?> { "set", "s", "maxlines", "1" },
            new List<object?> { "multi-set", "s", "addfailregex", new List<object?> { @"^\s*auth failure from <HOST>$" } },
            new List<object?> { "set", "s", "maxretry", "2" },
            new List<object?> { "set", "s", "findtime", "600" },
            new List<object?> { "set", "s", "bantime", "3600" },
            new List<object?> { "set", "s", "logtimezone", "UTC" },
            new List<object?> { "set", "s", "addlogpath", log, "head" },
            new List<object?> { "set", "s", "addaction", "sact" },
            new List<object?> { "multi-set", "s", "action", "sact", new List<object?>
            {
                new List<object?> { "actionstart", "sact-start" },
                new List<object?> { "actionban", "sact-ban <ip> <name>" },
                new List<object?> { "actionunban", "sact-unban <ip>" },
                new List<object?> { "name", "s" },
            } },
            new List<object?> { "start", "s" },
        ];
        Assert.Equal("None", await Run(d, "server-stream", stream));
        Assert.Equal("'Server ready'", await Run(d, "server-status"));
        await h.WaitUntil(() => h.ActionLines.Any(l => l.EndsWith("actionstart: sact-start", StringComparison.Ordinal)), "actionstart");
        File.AppendAllLines(log, [JailTestHost.Line(h.Time.Now.AddSeconds(-2), "192.0.2.91"), JailTestHost.Line(h.Time.Now.AddSeconds(-1), "192.0.2.91")]);
        await h.WaitUntil(() => h.ActionLines.Any(l => l.EndsWith("actionban: sact-ban 192.0.2.91 s", StringComparison.Ordinal)), "the ban through the streamed action");
        Assert.Equal("['192.0.2.91']", await Run(d, "get", "s", "banned"));
    }

    [Fact]
    public async Task Currently_failed_survives_a_reload_but_not_a_restart()
    {
        await using var h = await JailTestHost.StartAsync();
        var d = new ControlDispatcher(h.Manager, h.Time);
        h.Fail("192.0.2.33", 2);
        await h.WaitUntil(() => h.Manager.GetJail("test").Fail.FailTotal == 2, "two failures");
        Assert.Equal("'OK'", await Run(d, "reload", "--all", new List<object?>()));
        var s = h.Manager.GetJailStatus("test", "basic");
        Assert.Equal((1, 2), (s.CurrentlyFailed, s.TotalFailed));
        Assert.Equal("'OK'", await Run(d, "reload", "test", new List<object?> { "--unban" }));
        s = h.Manager.GetJailStatus("test", "basic");
        Assert.Equal((1, 2), (s.CurrentlyFailed, s.TotalFailed));
        // the kept failures still count: one more reaches maxretry 3
        h.Fail("192.0.2.33", 1);
        await h.WaitUntil(() => h.Manager.IsBanned("test", "192.0.2.33"), "the ban after the third failure");

        h.Fail("192.0.2.34", 1);
        await h.WaitUntil(() => h.Manager.GetJail("test").Fail.Count == 1, "a failure of .34");
        Assert.Equal("'OK'", await Run(d, "reload", "test", new List<object?> { "--restart" }));
        s = h.Manager.GetJailStatus("test", "basic");
        Assert.Equal((0, 0), (s.CurrentlyFailed, s.TotalFailed));
    }

    private static List<object?> JailStream(string jail, string log, string maxretry, params string[] failregex) =>
    [
        new List<object?> { "add", jail, "polling" },
        new List<object?> { "multi-set", jail, "addfailregex", failregex.Cast<object?>().ToList() },
        new List<object?> { "set", jail, "maxretry", maxretry },
        new List<object?> { "set", jail, "logtimezone", "UTC" },
        new List<object?> { "set", jail, "addlogpath", log, "head" },
        new List<object?> { "set", jail, "addaction", "sact" },
        new List<object?> { "multi-set", jail, "action", "sact", new List<object?> { new List<object?> { "actionban", "sact-ban <ip>" } } },
        new List<object?> { "start", jail },
    ];

    [Fact]
    public async Task A_jail_started_by_stream_is_reloaded_from_the_reload_stream()
    {
        await using var h = await JailTestHost.StartAsync();
        var d = new ControlDispatcher(h.Manager, h.Time);
        var log = h.Dir.File("s.log");
        File.WriteAllText(log, "");
        Assert.Equal("None", await Run(d, "server-stream", JailStream("s", log, "5", @"^\s*auth failure from <HOST>$")));
        File.AppendAllLines(log, [JailTestHost.Line(h.Time.Now.AddSeconds(-2), "192.0.2.95")]);
        await h.WaitUntil(() => h.Manager.GetJail("s").Fail.FailTotal == 1, "a failure");

        // the stock client's reload: the new configuration comes as the stream (maxretry 2, a second regex)
        Assert.Equal("'OK'", await Run(d, "reload", "--all", new List<object?>(),
            JailStream("s", log, "2", @"^\s*auth failure from <HOST>$", @"^\s*bad password from <HOST>$")));
        Assert.Equal("2", await Run(d, "get", "s", "maxretry"));
        Assert.Equal(2, h.Manager.GetFailRegex("s").Count);
        // the test jail was not in the stream: removed, as fail2ban removes jails missing from a reload
        Assert.Equal("[('Number of jail', 1), ('Jail list', 's')]", await Run(d, "status"));
        // the failure counted before the reload is kept: one more by the new regex bans
        File.AppendAllLines(log, [h.Time.Now.AddSeconds(-1).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) + " bad password from 192.0.2.95"]);
        await h.WaitUntil(() => h.ActionLines.Any(l => l.EndsWith("actionban: sact-ban 192.0.2.95", StringComparison.Ordinal)), "the ban after the reload");

        // a stream with a broken regex changes nothing
        var bad = await d.DispatchAsync(["reload", "--all", new List<object?>(), JailStream("s", log, "7", "^no host$")]);
        Assert.True(bad.IsError);
        Assert.Equal("No failure-id group in '^no host$'", bad.Error!.Message);
        Assert.Equal("2", await Run(d, "get", "s", "maxretry"));
        Assert.Equal("ERR UnknownJailException('nosuch')", await Run(d, "reload", "nosuch", new List<object?>(), new List<object?>()));
    }
}

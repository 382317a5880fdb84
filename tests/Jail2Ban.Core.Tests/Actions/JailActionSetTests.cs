using Jail2Ban.Core.Actions;

namespace Jail2Ban.Core.Tests.Actions;

public sealed class JailActionSetTests
{
    private static readonly ActionHostNames Hosts = ActionHostNames.Fixed("h", "h");

    private static ActionDefinition Def(string name, params (string, string)[] opts) =>
        new(name, opts.ToDictionary(o => o.Item1, o => o.Item2));

    // Shaped like the stock `dummy` (has actionflush) and a command action without flush.
    private static readonly ActionDefinition Dummy = Def("dummy",
        ("actionstart", "echo dummy-start"), ("actionstop", "echo dummy-stop"), ("actionflush", "echo dummy-flush"),
        ("actionban", "echo dummy-ban <ip>"), ("actionunban", "echo dummy-unban <ip>"));

    private static readonly ActionDefinition Other = Def("other",
        ("actionstart", "echo other-start"), ("actionstop", "echo other-stop"),
        ("actionban", "echo other-ban <ip>"), ("actionunban", "echo other-unban <ip>"));

    private static readonly ActionDefinition Mail = Def("mail",
        ("actionban", "echo mail-ban <ip>"), ("norestored", "True"));

    private static (JailActionSet Set, RecordingRunner Runner, List<string> Log) Make(params ActionDefinition[] defs)
    {
        var runner = new RecordingRunner();
        var log = new List<string>();
        ActionLogSink sink = (level, msg) => log.Add($"{level}: {msg}");
        var actions = defs.Select(d => new CommandAction("j", d, new StaticJailContext(600), runner, new FixedTime(100), Hosts, sink)).ToList();
        return (new JailActionSet("j", actions, sink), runner, log);
    }

    private static List<string> Scripts(RecordingRunner r) => r.Requests.Select(q => q.Command.Script).ToList();

    [Fact]
    public async Task BanRunsEveryActionInConfigurationOrderAndRestoredSkipsNoRestored()
    {
        var (set, runner, _) = Make(Dummy, Mail, Other);
        await set.StartAsync();
        Assert.Equal(["echo dummy-start", "echo other-start"], Scripts(runner));
        runner.Requests.Clear();
        await set.BanAsync(new ActionTicket("192.0.2.1", 1));
        await set.BanAsync(new ActionTicket("192.0.2.2", 1, Restored: true));
        Assert.Equal(
            ["echo dummy-ban 192.0.2.1", "echo mail-ban 192.0.2.1", "echo other-ban 192.0.2.1",
             "echo dummy-ban 192.0.2.2", "echo other-ban 192.0.2.2"], Scripts(runner));
    }

    [Fact]
    public async Task OneFailingActionDoesNotStopTheOthers()
    {
        var (set, runner, log) = Make(Dummy, Other);
        runner.Succeeds = r => !r.Command.Script.StartsWith("echo dummy-ban", StringComparison.Ordinal);
        await set.StartAsync();
        Assert.Equal(1, await set.BanAsync(new ActionTicket("192.0.2.1", 1)));
        // No actioncheck: the failing ban is run twice (fail2ban), then the next action still bans.
        Assert.Equal(["echo dummy-ban 192.0.2.1", "echo dummy-ban 192.0.2.1", "echo other-ban 192.0.2.1"],
            Scripts(runner).Skip(2).ToList());
        Assert.Contains("Error: Failed to execute ban jail 'j' action 'dummy' info 'ActionInfo({'fid': '192.0.2.1'})': Error banning 192.0.2.1", log);
    }

    [Fact]
    public async Task StopFlushesWhereItCanUnbansElsewhereThenStopsInReverseOrder()
    {
        // Observed with fail2ban 1.0.2 (spec 4.8): "Flush ticket(s) with dummy", unbans for the
        // other action, then its stop, then dummy's stop.
        var (set, runner, log) = Make(Dummy, Other);
        await set.StartAsync();
        var t1 = new ActionTicket("192.0.2.1", 1);
        var t2 = new ActionTicket("192.0.2.2", 1);
        await set.BanAsync(t1);
        await set.BanAsync(t2);
        runner.Requests.Clear();
        await set.FlushAsync([t1, t2], stop: true);
        await set.StopAsync();
        Assert.Equal(
            ["echo dummy-flush", "echo other-unban 192.0.2.1", "echo other-unban 192.0.2.2", "echo other-stop", "echo dummy-stop"],
            Scripts(runner));
        Assert.Equal(["Notice: [j] Flush ticket(s) with dummy", "Notice: [j] Unban 192.0.2.1", "Notice: [j] Unban 192.0.2.2"],
            log.Where(l => l.StartsWith("Notice", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task UnbanOfARestoredTicketSkipsActionsThatNeverBannedIt()
    {
        // norestored actions did not ban the restored ticket, so they have no items to unban.
        var (set, runner, _) = Make(Mail);
        var t = new ActionTicket("192.0.2.9", 1, Restored: true);
        await set.BanAsync(t);
        await set.UnbanAsync(t);
        Assert.Empty(runner.Requests);
    }

    [Fact]
    public async Task BulkBanAndFallbackToSingleBansWhenTheBulkCommandFails()
    {
        var bulk = Def("nft", ("actionban", "ban <ip>"), ("actionban_bulk", "bulk <ips>"), ("actionbulk_size", "2"),
            ("actionstart", "start <family>"), ("set?family=inet6", "x"));
        var (set, runner, _) = Make(bulk);
        var tickets = new[] { "192.0.2.1", "2001:db8::1", "192.0.2.2", "192.0.2.3" }.Select(i => new ActionTicket(i, 1)).ToList();
        runner.Succeeds = r => r.Command.Script != "bulk 192.0.2.3";
        Assert.Equal(0, await set.BanManyAsync(tickets));
        Assert.Equal(
            ["start inet4", "bulk 192.0.2.1, 192.0.2.2", "bulk 192.0.2.3", "ban 192.0.2.3", "start inet6", "bulk 2001:db8::1"],
            Scripts(runner));
    }

    [Fact]
    public async Task FlushFailureOnStopDoesNotRepair()
    {
        var withCheck = Def("fw", ("actionban", "ban <ip>"), ("actionflush", "flush"), ("actioncheck", "check"),
            ("actionstart", "start"), ("actionstop", "stop"));
        var (set, runner, log) = Make(withCheck);
        await set.StartAsync();
        await set.BanAsync(new ActionTicket("192.0.2.1", 1));
        runner.Requests.Clear();
        runner.Succeeds = r => r.Command.Script is not ("flush" or "check");
        await set.FlushAsync([new ActionTicket("192.0.2.1", 1)], stop: true);
        // fail2ban checks every started "family": '' (started at jail start) and inet4 (the ban).
        Assert.Equal(["flush", "check", "check"], Scripts(runner));
        Assert.Contains("Error: Invariant check failed. Flush is impossible.", log);
        Assert.Contains("Info: No flush occurred, do consistency check", log);
    }
}

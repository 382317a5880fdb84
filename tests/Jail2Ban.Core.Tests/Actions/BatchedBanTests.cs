using Jail2Ban.Core.Actions;

namespace Jail2Ban.Core.Tests.Actions;

/// <summary>
/// Single bans of many tickets go to the runner as batches (<see cref="IActionRunner.RunManyAsync"/>);
/// the commands run, their order and the failures must be exactly those of banning one by one.
/// </summary>
public sealed class BatchedBanTests
{
    private static readonly ActionHostNames Hosts = ActionHostNames.Fixed("h", "h");

    /// <summary>Records every command and every batch; a batch stops after its first failure (the interface's rule).</summary>
    private sealed class BatchRunner : IActionRunner
    {
        public List<ActionRunRequest> Requests { get; } = [];

        public List<int> Batches { get; } = [];

        public Func<ActionRunRequest, int, bool> Succeeds { get; set; } = (_, _) => true;

        public Task<ActionRunResult> RunAsync(ActionRunRequest request, CancellationToken cancellationToken = default)
        {
            Requests.Add(request);
            var n = Requests.Count(r => r.Command.Script == request.Command.Script);
            return Task.FromResult(Succeeds(request, n) ? ActionRunResult.Ok() : new ActionRunResult(1, false, "", "", TimeSpan.Zero));
        }

        public async Task<IReadOnlyList<ActionRunResult>> RunManyAsync(IReadOnlyList<ActionRunRequest> requests, CancellationToken cancellationToken = default)
        {
            Batches.Add(requests.Count);
            var results = new List<ActionRunResult>();
            foreach (var r in requests)
            {
                results.Add(await RunAsync(r, cancellationToken));
                if (!results[^1].Success) break;
            }
            return results;
        }
    }

    private static ActionDefinition Def(bool withCheck) => new("act", new Dictionary<string, string>
    {
        ["actionstart"] = "echo start",
        ["actionban"] = "echo ban <ip>",
        ["actionunban"] = "echo unban <ip>",
        ["actioncheck"] = withCheck ? "echo check" : "",
        ["actionrepair"] = withCheck ? "echo repair" : "",
    });

    private static readonly ActionTicket[] Tickets =
        [.. Enumerable.Range(1, 6).Select(i => new ActionTicket($"192.0.2.{i}", 1))];

    public static TheoryData<string, bool> Scenarios() => new()
    {
        { "none", false },
        { "none", true },
        { "192.0.2.3 always", false },  // no check: the failing ban is simply run twice
        { "192.0.2.3 once", true },     // check fails once, repair, retry succeeds
        { "192.0.2.3 always", true },
        { "192.0.2.1 always", false },  // first of the batch
        { "192.0.2.6 always", false },  // last of the batch
    };

    private static Func<ActionRunRequest, int, bool> Failing(string scenario)
    {
        if (scenario == "none") return (_, _) => true;
        var ip = scenario.Split(' ')[0];
        var always = scenario.EndsWith("always", StringComparison.Ordinal);
        var checkFailed = false;
        return (r, n) =>
        {
            if (r.Command.Script == "echo check" && !checkFailed) return !(checkFailed = true);
            return r.Command.Script != "echo ban " + ip || (!always && n > 1);
        };
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task BatchedBansRunTheSameCommandsAndFailTheSameTicketsAsOneByOne(string scenario, bool withCheck)
    {
        // One by one, through BanAsync.
        var single = new BatchRunner { Succeeds = Failing(scenario) };
        var singleLog = new List<string>();
        var singleSet = new JailActionSet("j", [new CommandAction("j", Def(withCheck), new StaticJailContext(600), single, new FixedTime(100), Hosts, (l, m) => singleLog.Add($"{l}: {m}"))], (l, m) => singleLog.Add($"{l}: {m}"));
        await singleSet.StartAsync();
        var singleFailed = 0;
        foreach (var t in Tickets) singleFailed += await singleSet.BanAsync(t);

        // All at once, through BanManyAsync (the actions thread's path).
        var batch = new BatchRunner { Succeeds = Failing(scenario) };
        var batchLog = new List<string>();
        var batchSet = new JailActionSet("j", [new CommandAction("j", Def(withCheck), new StaticJailContext(600), batch, new FixedTime(100), Hosts, (l, m) => batchLog.Add($"{l}: {m}"))], (l, m) => batchLog.Add($"{l}: {m}"));
        await batchSet.StartAsync();
        var batchFailed = await batchSet.BanManyAsync(Tickets);

        Assert.Equal(single.Requests.Select(r => $"{r.Operation}: {r.Command.Script}"), batch.Requests.Select(r => $"{r.Operation}: {r.Command.Script}"));
        Assert.Equal(singleFailed, batchFailed);
        Assert.Equal(singleLog, batchLog);
        Assert.Empty(single.Batches);
        // The first batch holds every ticket; a failure sends the rest again as a new batch.
        var failingIndex = scenario == "none" ? Tickets.Length : int.Parse(scenario.Split(' ')[0].Split('.')[3]);
        int[] expectedBatches = failingIndex < Tickets.Length ? [Tickets.Length, Tickets.Length - failingIndex] : [Tickets.Length];
        Assert.Equal(expectedBatches, batch.Batches);
        Assert.Equal(scenario.EndsWith("always", StringComparison.Ordinal) ? 1 : 0, batchFailed);
    }

    [Fact]
    public async Task OnlyTheFailingTicketIsReportedAndTheOthersAreBannedInOrder()
    {
        var runner = new BatchRunner { Succeeds = (r, _) => r.Command.Script != "echo ban 192.0.2.2" };
        var action = new CommandAction("j", Def(false), new StaticJailContext(600), runner, new FixedTime(100), Hosts);
        var failed = await action.BanManyAsync(Tickets[..4]);
        Assert.Equal(["192.0.2.2"], failed.Select(f => f.Ticket.Id));
        Assert.Equal("Error banning 192.0.2.2", failed[0].Error.Message);
        Assert.Equal(
            ["echo ban 192.0.2.1", "echo ban 192.0.2.2", "echo ban 192.0.2.2", "echo ban 192.0.2.3", "echo ban 192.0.2.4"],
            runner.Requests.Where(r => r.Operation == "actionban").Select(r => r.Command.Script));
        Assert.Equal([4, 2], runner.Batches);
    }
}

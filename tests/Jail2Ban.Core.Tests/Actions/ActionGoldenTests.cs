using Jail2Ban.Core.Actions;

namespace Jail2Ban.Core.Tests.Actions;

/// <summary>
/// The command texts must equal what fail2ban 1.0.2 runs for the same options and tickets
/// (goldens produced by tools/make_goldens.py from fail2ban's own CommandAction).
/// </summary>
public sealed class ActionGoldenTests
{
    private static readonly ActionHostNames Hosts = ActionHostNames.Fixed("host.example.org", "host");

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var n in GoldenCase.Names()) data.Add(n);
        return data;
    }

    [Fact]
    public void GoldenSetCoversTheRequiredActionsOfBothTrees()
    {
        var names = GoldenCase.Names().ToHashSet();
        foreach (var tree in new[] { "debian", "upstream" })
        foreach (var act in new[] { "iptables-multiport", "iptables-allports", "nftables-multiport", "nftables-allports", "ufw", "hostsdeny" })
            Assert.Contains($"{tree}.{act}", names);
        Assert.Contains("probe", names);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EachCommandTextEqualsFail2ban(string name)
    {
        var g = GoldenCase.Load(name);
        var builder = new ActionCommandBuilder(g.Definition, Hosts);
        var jail = new StaticJailContext(g.JailBanTime);
        Assert.NotEmpty(g.Calls);
        for (var i = 0; i < g.Calls.Count; i++)
        {
            var call = g.Calls[i];
            ActionCommand cmd;
            switch (call.Op)
            {
                case ActionTags.Start or ActionTags.Stop or ActionTags.Flush or ActionTags.Reload:
                    cmd = builder.ForOperation(builder.Operation(call.Op, call.Family),
                        ActionInfo.ForOperation(jail, g.Now, call.Family));
                    break;
                case ActionTags.Check or ActionTags.Repair:
                    cmd = new ActionCommand(builder.Operation(call.Op, call.Family));
                    break;
                default:
                    cmd = builder.ForTicket(call.Op, new ActionInfo(g.Tickets[call.Ticket], jail));
                    break;
            }
            GoldenAssert.Same(call, cmd.Script, cmd.Args, g.Definition.TimeoutSeconds, $"{name} call #{i}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task LifecycleRunsTheSameCommandsInTheSameOrder(string name)
    {
        var g = GoldenCase.Load(name);
        var runner = new RecordingRunner();
        var perOp = new Dictionary<string, int>();
        runner.Succeeds = r =>
        {
            var n = perOp[r.Operation] = perOp.GetValueOrDefault(r.Operation) + 1;
            return !(g.Fail.TryGetValue(r.Operation, out var failing) && failing.Contains(n));
        };
        var action = new CommandAction(g.Jail, g.Definition, new StaticJailContext(g.JailBanTime), runner,
            new FixedTime(g.Now), Hosts);
        foreach (var step in g.Steps)
        {
            var before = runner.Requests.Count;
            var ticket = step.Ticket is null ? null : g.Tickets[step.Ticket];
            string? error = null;
            try
            {
                switch (step.Step)
                {
                    case "start": await action.StartAsync(); break;
                    case "ban": await action.BanAsync(ticket!); break;
                    case "prolong": await action.ProlongAsync(ticket!); break;
                    case "unban": await action.UnbanAsync(ticket!); break;
                    case "reban": await action.RebanAsync(ticket!); break;
                    case "reload": await action.ReloadAsync(); break;
                    case "flush": await action.FlushAsync(); break;
                    case "stop": await action.StopAsync(); break;
                    case "consistencyCheck": await action.ConsistencyCheckAsync(); break;
                    default: throw new InvalidOperationException(step.Step);
                }
            }
            catch (ActionFailedException e)
            {
                error = e.Message;
            }
            Assert.True(step.Error == error, $"{name} step {step.Step}({step.Ticket}): fail2ban error '{step.Error}', ours '{error}'");
            var produced = runner.Requests.Skip(before).ToList();
            // fail2ban's executeCmd was recorded even for empty commands; ours never receives them.
            var expected = step.Calls.Select(i => g.Calls[i]).Where(c => c.Script.Length > 0).ToList();
            Assert.True(expected.Count == produced.Count,
                $"{name} step {step.Step}({step.Ticket}): expected {expected.Count} commands, got {produced.Count}:\n"
                + string.Join("\n", produced.Select(p => p.Operation + ": " + p.Command)));
            for (var i = 0; i < expected.Count; i++)
            {
                Assert.Equal(expected[i].Op, produced[i].Operation);
                GoldenAssert.Same(expected[i], produced[i].Command.Script, produced[i].Command.Args,
                    produced[i].Timeout.TotalSeconds, $"{name} step {step.Step}({step.Ticket}) #{i}");
            }
        }
    }

    [Fact]
    public void CompatDumpParserReadsEveryActionOfTheOracleDumps()
    {
        // Every action of every jail in both oracle dumps must parse and build without error.
        var count = 0;
        foreach (var dump in Directory.GetFiles(Path.Combine(ActionsFixtures.Compat, "oracle"), "dump.*.txt"))
        {
            var lines = File.ReadAllLines(dump);
            foreach (var line in lines.Where(l => l.StartsWith("['set', ", StringComparison.Ordinal) && l.Contains("'addaction'")))
            {
                var cmd = (List<object?>)PyLiteral.Parse(line)!;
                var jail = (string)cmd[1]!;
                var act = (string)cmd[3]!;
                var opts = PyLiteral.ActionOptions(lines, jail, act);
                Assert.NotEmpty(opts);
                var def = new ActionDefinition(act, opts.ToDictionary(kv => kv.Key, kv => kv.Value));
                var builder = new ActionCommandBuilder(def, Hosts);
                var info = new ActionInfo(new ActionTicket("192.0.2.1", 1.5, 1), new StaticJailContext(600));
                var ban = builder.ForTicket(ActionTags.Ban, info);
                Assert.Contains("192.0.2.1", ban.Script);
                Assert.DoesNotContain("<ip>", ban.Script);
                count++;
            }
        }
        Assert.True(count > 150, $"only {count} actions found");
    }
}

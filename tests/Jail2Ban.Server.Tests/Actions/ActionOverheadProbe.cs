using System.Diagnostics;
using System.Globalization;
using Jail2Ban.Core.Actions;
using Jail2Ban.Server.Actions;
using Xunit.Abstractions;

namespace Jail2Ban.Server.Tests.Actions;

/// <summary>Per-command cost of the two execution modes with a trivial command (printed, not asserted).</summary>
public sealed class ActionOverheadProbe(ITestOutputHelper output)
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TrivialCommandCost(bool workers)
    {
        await using var r = new ShellActionRunner(new ActionRunnerOptions { UseShellWorkers = workers });
        var req = new ActionRunRequest(new ActionCommand(": nothing"), TimeSpan.FromSeconds(10), "j", "a", "actionban");
        Assert.True((await r.RunAsync(req)).Success);
        const int n = 100;
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < n; i++) Assert.True((await r.RunAsync(req)).Success);
        sw.Stop();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{(workers ? "shell worker" : "process per command")}: {sw.Elapsed.TotalMilliseconds / n:F2} ms per trivial command"));
    }

    [Fact]
    public async Task BulkBuildCostWithoutShell()
    {
        var def = new ActionDefinition("nft", new Dictionary<string, string>
        {
            ["actionban_bulk"] = "nft add element inet t <s> \\{ <ips> \\}", ["s"] = "v4", ["s?family=inet6"] = "v6",
        });
        var rec = new RecordingActionRunner();
        var a = new CommandAction("j", def, new StaticJailContext(600), rec, hosts: ActionHostNames.Fixed("h", "h"));
        var tickets = Enumerable.Range(0, 20000).Select(i => new ActionTicket($"10.0.{i >> 8 & 255}.{i & 255}", 1)).ToList();
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        Assert.Empty(await a.BanManyAsync(tickets));
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"building 20000 bulk bans: {sw.Elapsed.TotalMilliseconds:F0} ms wall, {cpu.TotalMilliseconds:F0} ms CPU, {rec.Requests.Count} commands"));
        Assert.Equal(20, rec.Requests.Count); // 20000 / actionbulk_size 1000; no start command configured
    }
}

using System.Diagnostics;
using System.Globalization;
using Jail2Ban.Core.Actions;
using Jail2Ban.Server.Actions;
using Xunit.Abstractions;

namespace Jail2Ban.Server.Tests.Actions;

/// <summary>
/// Measurements printed for the README (no timing assertions: they would flake on a busy machine;
/// only correctness is asserted). Run with:
///   dotnet test tests/Jail2Ban.Server.Tests --filter "FullyQualifiedName~ActionThroughputTests" --logger "console;verbosity=detailed"
/// </summary>
public sealed class ActionThroughputTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("j2b-tp-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private sealed class NoJail : IActionJailContext
    {
        public long JailBanTime => 600;
    }

    /// <summary>
    /// A stand-in for `nft`: appends its arguments to a log, one line per call. Its directory is put
    /// first in PATH of the commands only (through the action's own text), not of the test process.
    /// </summary>
    private string RecorderDir()
    {
        var bin = Path.Combine(_dir, "bin");
        Directory.CreateDirectory(bin);
        var nft = Path.Combine(bin, "nft");
        File.WriteAllText(nft, "#!/bin/sh\nprintf '%s\\n' \"$*\" >> \"" + Path.Combine(_dir, "nft.log") + "\"\n");
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(nft, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return bin;
    }

    /// <summary>The upstream stock nftables action as fail2ban's client resolves it for [sshd], plus bulk commands.</summary>
    private ActionDefinition NftablesWithBulk(string bin)
    {
        var dump = File.ReadAllLines(Path.Combine(ActionsServerFixtures.Shared, "compat", "oracle", "dump.upstream-all-jails.by-fail2ban-1.0.2.txt"));
        var line = dump.First(l => l.StartsWith("['multi-set', 'sshd', 'action', 'nftables',", StringComparison.Ordinal));
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        // Tiny reader for this one line: [['key', 'value'], ...] with Python string escapes.
        foreach (var (k, v) in PyPairs(line)) options[k] = v;
        Assert.Contains("actionban", options.Keys);
        foreach (var k in options.Keys.Where(k => k.StartsWith("action", StringComparison.Ordinal) && !k.Contains('?')).ToList())
            options[k] = $"PATH={bin}:$PATH\n" + options[k];
        options[ActionDefinition.BulkBanKey] = $"PATH={bin}:$PATH\nnft add element inet f2b-table <addr_set> \\{{ <ips> \\}}";
        options[ActionDefinition.BulkUnbanKey] = $"PATH={bin}:$PATH\nnft delete element inet f2b-table <addr_set> \\{{ <ips> \\}}";
        return new ActionDefinition("nftables", options);
    }

    private static IEnumerable<(string, string)> PyPairs(string line)
    {
        var i = line.IndexOf("[[", StringComparison.Ordinal) + 1;
        while (true)
        {
            i = line.IndexOf('[', i);
            if (i < 0) yield break;
            var (k, after) = PyString(line, line.IndexOfAny(['\'', '"'], i));
            var (v, end) = PyString(line, line.IndexOfAny(['\'', '"'], after));
            yield return (k, v);
            i = end;
        }
    }

    private static (string, int) PyString(string s, int i)
    {
        var q = s[i++];
        var sb = new System.Text.StringBuilder();
        while (s[i] != q)
        {
            if (s[i] == '\\')
            {
                var e = s[i + 1];
                sb.Append(e switch { 'n' => "\n", 't' => "\t", '\\' => "\\", '\'' => "'", '"' => "\"", _ => "\\" + e });
                i += 2;
            }
            else sb.Append(s[i++]);
        }
        return (sb.ToString(), i + 1);
    }

    private static List<ActionTicket> Tickets(int count) => Enumerable.Range(0, count).Select(i =>
        i % 2 == 0
            ? new ActionTicket($"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}", 1700000000 + i, 3, 600, 1, Restored: true)
            : new ActionTicket($"2001:db8::{i:x}", 1700000000 + i, 3, 600, 1, Restored: true)).ToList();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task BulkRestoreOf20000BansThroughNftablesStyleAction(bool workers)
    {
        var bin = RecorderDir();
        var def = NftablesWithBulk(bin);
        await using var runner = new ShellActionRunner(new ActionRunnerOptions { UseShellWorkers = workers });
        var action = new CommandAction("sshd", def, new NoJail(), runner, hosts: ActionHostNames.Fixed("h", "h"));
        var tickets = Tickets(20_000);
        await action.StartAsync();
        var swStart = Stopwatch.StartNew();
        // The first ban of each family starts the action for that family (on demand, as fail2ban).
        Assert.Empty(await action.BanManyAsync([new ActionTicket("192.0.2.1", 1), new ActionTicket("2001:db8:ffff::1", 1)]));
        swStart.Stop();
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        var failed = await action.BanManyAsync(tickets);
        sw.Stop();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;
        Assert.Empty(failed);
        var log = File.ReadAllLines(Path.Combine(_dir, "nft.log"));
        var adds = log.Where(l => l.StartsWith("add element inet f2b-table", StringComparison.Ordinal)).ToList();
        var banned = adds.SelectMany(l => l[(l.IndexOf('{') + 1)..l.LastIndexOf('}')].Split(',', StringSplitOptions.TrimEntries)).ToHashSet();
        Assert.Equal(20_002, banned.Count);
        Assert.All(tickets, t => Assert.Contains(ActionAddress.Parse(t.Id).Text, banned));
        Assert.Contains(adds, l => l.Contains("addr-set-sshd", StringComparison.Ordinal));
        Assert.Contains(adds, l => l.Contains("addr6-set-sshd", StringComparison.Ordinal));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"bulk restore, {(workers ? "shell worker" : "process per command")}: 20000 bans in {adds.Count - 2} nft calls, {sw.Elapsed.TotalMilliseconds:F0} ms action time, j2b CPU {cpu.TotalMilliseconds:F0} ms (+ {swStart.Elapsed.TotalMilliseconds:F0} ms for the on-demand start of both families); load {File.ReadAllText("/proc/loadavg").Split(' ')[0]} on {Environment.ProcessorCount} cores"));
        var unbanSw = Stopwatch.StartNew();
        var unfailed = await action.UnbanManyAsync(tickets);
        unbanSw.Stop();
        Assert.Empty(unfailed);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"bulk unban of 20000: {unbanSw.Elapsed.TotalMilliseconds:F0} ms"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SingleBanCost(bool workers)
    {
        var bin = RecorderDir();
        var def = NftablesWithBulk(bin);
        var options = def.Options.Where(kv => !kv.Key.EndsWith("_bulk", StringComparison.Ordinal)).ToDictionary();
        await using var runner = new ShellActionRunner(new ActionRunnerOptions { UseShellWorkers = workers });
        var action = new CommandAction("sshd", def with { Options = options }, new NoJail(), runner, hosts: ActionHostNames.Fixed("h", "h"));
        var tickets = Tickets(200).Where(t => !t.Id.Contains(':')).ToList();
        await action.BanAsync(tickets[0]); // on-demand start outside the measurement
        var sw = Stopwatch.StartNew();
        foreach (var t in tickets.Skip(1)) await action.BanAsync(t);
        sw.Stop();
        var n = tickets.Count - 1;
        var log = File.ReadAllLines(Path.Combine(_dir, "nft.log"));
        Assert.Equal(tickets.Count, log.Count(l => l.StartsWith("add element", StringComparison.Ordinal)));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"single bans, {(workers ? "shell worker" : "process per command")}: {n} bans in {sw.Elapsed.TotalMilliseconds:F0} ms = {sw.Elapsed.TotalMilliseconds / n:F2} ms/ban (=> 20000 bans ~ {sw.Elapsed.TotalSeconds / n * 20000:F0} s)"));
    }
}

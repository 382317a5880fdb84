using Jail2Ban.Server.Logging;
using Jail2Ban.Server.Tests.Hosting;

namespace Jail2Ban.Server.Tests.Jails;

/// <summary>
/// The filter thread writes a batch's Found lines together (Jail.FilterLog): every line still comes,
/// and an IP's Found lines still come before its Ban line, which the actions thread writes.
/// </summary>
public sealed class FilterLogBufferTests
{
    [Fact]
    public async Task ABurstLogsEveryFoundAndEachIpsFoundLinesBeforeItsBan()
    {
        await using var h = await JailTestHost.StartAsync();
        // Every failure takes 30 ms in the (fake) ignorecommand: the batch goes on for ~0.3 s after
        // the last ticket is handed over, long enough for the actions thread to write its Ban lines.
        var jail = h.Manager.GetJail("test");
        jail.Ignore.CommandRunner = new SlowNoIgnore();
        jail.Ignore.IgnoreCommand = "slow";
        var t = JailTestHost.Start.AddMinutes(-5);
        // One batch of 1000 lines: 5 IPs reach maxretry (3) early on, then 950 lines of noise and
        // 10 more failures, so the batch goes on long after the first tickets are handed over.
        var lines = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            for (var k = 0; k < 3; k++) lines.Add(JailTestHost.Line(t.AddSeconds(lines.Count), $"192.0.2.{i + 1}"));
        }
        for (var i = 0; i < 975; i++)
        {
            lines.Add(i % 95 == 94
                ? JailTestHost.Line(t.AddSeconds(i % 240), $"198.51.100.{i % 7 + 1}")
                : $"{t.AddSeconds(i % 240).UtcDateTime:yyyy-MM-dd HH:mm:ss} noise line {i}");
        }
        // One batch, as the filter loop hands it over (a poll could see part of an append).
        jail.ProcessFileLines([.. lines.Select(l => new Jail2Ban.Server.Logs.FileLogLine(l, 0))]);
        await h.WaitUntil(() => h.ServerLogText.Split('\n').Count(l => l.Contains("] Ban ", StringComparison.Ordinal)) == 5, "5 bans");
        await h.WaitUntil(() => !jail.Busy, "the batch to end");

        var log = h.ServerLogText.Split('\n');
        Assert.Equal(15 + 10, log.Count(l => l.Contains("] Found ", StringComparison.Ordinal)));
        for (var i = 1; i <= 5; i++)
        {
            var ip = $"192.0.2.{i}";
            var ban = Array.FindIndex(log, l => l.EndsWith($"] Ban {ip}", StringComparison.Ordinal));
            var found = log.Select((l, n) => (l, n)).Where(x => x.l.Contains($"] Found {ip} ", StringComparison.Ordinal)).Select(x => x.n).ToList();
            Assert.Equal(3, found.Count);
            Assert.All(found, n => Assert.True(n < ban, $"Found line {n} after the Ban line {ban} of {ip}"));
        }
    }

    private sealed class SlowNoIgnore : Jail2Ban.Core.Banning.IIgnoreCommandRunner
    {
        public bool? Run(string command, Jail2Ban.Core.Net.IPAddr id, Jail2Ban.Core.Banning.Ticket? ticket)
        {
            Thread.Sleep(30);
            return false;
        }
    }

    [Fact]
    public void LogManyWritesInOrderToAFileAndDropsWhatIsBelowTheLevel()
    {
        using var dir = new TempDir();
        var path = dir.File("f2b.log");
        var time = new FixedTime(JailTestHost.Start);
        using var log = new ServerLog(time, new ServerLogEnvironment(TextWriter.Null, TextWriter.Null, 7, "/nonexistent", TimeZoneInfo.Utc), "1.0.2");
        Assert.True(log.SetTarget(path));
        var records = new List<LogRecord>();
        for (var i = 0; i < 3; i++)
        {
            records.Add(log.Record("fail2ban.filter", LogLevels.Info, $"[j] Found 192.0.2.{i} - x"));
            time.Now = time.Now.AddSeconds(1);
        }
        records.Insert(1, log.Record("fail2ban.filter", LogLevels.Debug, "not at INFO"));
        log.LogMany(records);
        log.LogMany([]);

        var lines = File.ReadAllLines(path).Where(l => l.Contains("fail2ban.filter", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, lines.Count);
        for (var i = 0; i < 3; i++)
        {
            Assert.EndsWith($"[j] Found 192.0.2.{i} - x", lines[i]);
            Assert.StartsWith($"2026-11-22 07:00:0{i},000 fail2ban.filter", lines[i]);
        }
    }
}

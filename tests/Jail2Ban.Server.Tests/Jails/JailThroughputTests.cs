using System.Diagnostics;
using Jail2Ban.Server.Tests.Hosting;
using Xunit.Abstractions;

namespace Jail2Ban.Server.Tests.Jails;

/// <summary>
/// Throughput of the jail pipeline on a generated burst (set J2B_PERF_LOG to a file made by
/// ../shared/bench/gen-logs.py auth 200000 --attackers 2000): the filter alone, then the whole
/// jail (filter + ignore + fail manager + Found log). Without the variable it checks a small burst.
/// </summary>
public sealed class JailThroughputTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Jail_pipeline_throughput_on_the_sshd_filter()
    {
        var dir = new TempDir();
        var filterDir = Path.Combine(dir.Path, "conf", "filter.d");
        Directory.CreateDirectory(filterDir);
        foreach (var f in new[] { "sshd.conf", "common.conf" })
            File.Copy(RuntimeFixtures.Compat("fail2ban-debian-1.0.2", "config", "filter.d", f), Path.Combine(filterDir, f));
        await using var h = await JailTestHost.StartAsync("filter = sshd\nlogtimezone = UTC", dir: dir);
        var path = Environment.GetEnvironmentVariable("J2B_PERF_LOG");
        var t0 = JailTestHost.Start.UtcDateTime.ToString("MMM dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
        var lines = path is not null
            ? File.ReadAllLines(path)
            : [.. Enumerable.Range(0, 3000).Select(i => $"{t0} web1 sshd[{i}]: Failed password for root from 10.2.{i % 7}.{i % 200 + 1} port 22 ssh2")];
        var jail = h.Manager.GetJail("test");
        var now = h.Time.Now.ToUnixTimeMilliseconds() / 1000.0;
        var sw = Stopwatch.StartNew();
        var found = 0;
        foreach (var l in lines) found += jail.Filter.ProcessLine(l, now).Count;
        var filterOnly = sw.Elapsed;
        sw.Restart();
        foreach (var chunk in lines.Select(l => new Jail2Ban.Server.Logs.FileLogLine(l, 0)).Chunk(1000)) jail.ProcessFileLines(chunk);
        var whole = sw.Elapsed;
        output.WriteLine($"{lines.Length} lines: filter {filterOnly.TotalSeconds:F2}s ({found} failures), jail (dates on a second thread, batches of 1000) {whole.TotalSeconds:F2}s, total failed {jail.Fail.FailTotal}");
        Assert.True(found > 0);
        Assert.InRange(jail.Fail.FailTotal, found - 2, found + 2);
    }
}

using System.Diagnostics;
using System.Text;
using Jail2Ban.Server.Logs;
using Jail2Ban.Server.Tests.Hosting;
using Xunit.Abstractions;

namespace Jail2Ban.Server.Tests.Logs;

/// <summary>
/// Figures for the report (printed, not asserted: the machine is shared). Run with
/// <c>dotnet test tests/Jail2Ban.Server.Tests --filter LogSourceMeasurements --logger "console;verbosity=detailed"</c>.
/// The assertions only check that everything was read.
/// </summary>
public sealed class LogSourceMeasurements(ITestOutputHelper output)
{
    [Fact]
    public async Task BacklogThroughput()
    {
        using var dir = new TempDir();
        var path = dir.File("big.log");
        const int lines = 500_000;
        await using (var w = new StreamWriter(path, false, new UTF8Encoding(false)))
        {
            for (var i = 0; i < lines; i++)
            {
                await w.WriteAsync($"Nov 22 06:55:24 host sshd[{i % 65536}]: Failed password for invalid user admin from 192.0.2.{i % 250} port {i % 60000} ssh2\n");
            }
        }
        var size = new FileInfo(path).Length;
        var logs = new CapturingLoggerFactory();
        await using var src = new FileLogSource(new PollingMonitor(new ManualPollTrigger(), logs.CreateLogger("p")), logs.CreateLogger("f"), TimeProvider.System);
        var sw = Stopwatch.StartNew();
        src.AddFile(new LogFileOptions(path));
        var count = 0;
        using var cts = new CancellationTokenSource();
        await using var e = src.ReadAsync(cts.Token).GetAsyncEnumerator();
        long lastOffset = -1;
        var batches = 0;
        while (count < lines)
        {
            var b = (FileLogBatch)await e.NextAsync();
            batches++;
            count += b.Lines.Count;
            Assert.True(b.Lines[0].Offset > lastOffset);
            lastOffset = b.Lines[^1].Offset;
        }
        sw.Stop();
        output.WriteLine($"batches {batches}, last offset {lastOffset}, size {new FileInfo(path).Length}");
        Assert.Equal(lines, count);
        output.WriteLine($"backlog: {lines} lines / {size / 1e6:F1} MB in {sw.Elapsed.TotalMilliseconds:F0} ms = {lines / sw.Elapsed.TotalSeconds / 1e6:F2} M lines/s, {size / sw.Elapsed.TotalSeconds / 1e6:F0} MB/s");
    }

    [Fact]
    public async Task InotifyLatency()
    {
        using var dir = new TempDir();
        var path = dir.File("a.log");
        File.WriteAllText(path, "");
        var logs = new CapturingLoggerFactory();
        await using var src = new FileLogSource(new InotifyMonitor(logs.CreateLogger("i"), TimeProvider.System), logs.CreateLogger("f"), TimeProvider.System);
        src.AddFile(new LogFileOptions(path, Tail: true));
        using var cts = new CancellationTokenSource();
        await using var e = src.ReadAsync(cts.Token).GetAsyncEnumerator();
        var samples = new List<double>();
        await using var fs = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        for (var i = 0; i < 30; i++)
        {
            var next = e.NextAsync();
            var sw = Stopwatch.StartNew();
            fs.Write(Encoding.UTF8.GetBytes($"line {i}\n"));
            fs.Flush();
            var b = await next;
            sw.Stop();
            Assert.Equal([$"line {i}"], b.Texts());
            samples.Add(sw.Elapsed.TotalMilliseconds);
        }
        samples.Sort();
        output.WriteLine($"inotify append->batch latency over 30 appends: median {samples[15]:F2} ms, max {samples[^1]:F2} ms");
    }
}

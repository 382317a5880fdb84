using Jail2Ban.Regex;

namespace Jail2Ban.Cli.Tests.Regex;

public sealed class ProgressMeterTests
{
    /// <summary>
    /// A clock (ticks of 1 µs) that moves when told, and by <paramref name="autoStep"/> at every reading (a whole run where each
    /// progress update is due: one second per reading).
    /// </summary>
    private sealed class SteppedClock(TimeSpan autoStep = default) : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => 1_000_000;

        public override long GetTimestamp() => _ticks += Micros(autoStep);

        public void Advance(TimeSpan t) => _ticks += Micros(t);

        private static long Micros(TimeSpan t) => (long)(t.TotalMilliseconds * 1000);
    }

    /// <summary>A meter for a file of <paramref name="size"/> bytes, writing to a captured stderr, on a stepped clock.</summary>
    private static (SteppedClock Clock, StringWriter Err, ProgressMeter Meter) NewMeter(long size)
    {
        var clock = new SteppedClock();
        var err = new StringWriter();
        return (clock, err, new ProgressMeter(err, size, clock));
    }

    [Fact]
    public void SilentDuringTheFirstSecond()
    {
        var (clock, err, meter) = NewMeter(1000);
        clock.Advance(TimeSpan.FromMilliseconds(900));
        meter.Update(500, 10);
        meter.Done();
        Assert.Equal("", err.ToString());
        Assert.False(meter.Shown);
    }

    [Fact]
    public void UpdatesAtMostEveryQuarterSecondAndErasesItsLineAtTheEnd()
    {
        var (clock, err, meter) = NewMeter(4L << 20);
        clock.Advance(TimeSpan.FromSeconds(1));
        meter.Update(1L << 20, 12345);
        string first = "\rj2b-regex:  25% of 4.0 MB, 12,345 lines, 1.0 s";
        Assert.Equal(first, err.ToString());
        Assert.True(meter.Shown);

        // not due yet: nothing written
        clock.Advance(TimeSpan.FromMilliseconds(100));
        meter.Update(2L << 20, 20000);
        Assert.Equal(first, err.ToString());

        clock.Advance(TimeSpan.FromMilliseconds(200));
        meter.Update(4L << 20, 40000);
        string second = "\rj2b-regex: 100% of 4.0 MB, 40,000 lines, 1.3 s";
        Assert.Equal(first + second, err.ToString());

        meter.Done();
        Assert.Equal(first + second + "\r" + new string(' ', second.Length - 1) + "\r", err.ToString());
        Assert.False(meter.Shown);
    }

    [Fact]
    public void AShorterLinePadsOverTheLongerOneBefore()
    {
        var (clock, err, meter) = NewMeter(0);
        clock.Advance(TimeSpan.FromSeconds(1));
        meter.Update(5L << 20, 1_000_000);
        int before = err.ToString().Length;
        clock.Advance(TimeSpan.FromSeconds(1));
        meter.Update(100, 1);
        string second = err.ToString()[before..];
        // same width as the first line (minus its "\r"), the tail blank
        Assert.Equal(before, second.Length);
        Assert.EndsWith("1 lines, 2.0 s" + new string(' ', before - "\rj2b-regex: 100 B, 1 lines, 2.0 s".Length), second);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void J2bRegexShowsProgressOnlyWhenStderrIsATerminal(bool terminal)
    {
        string log = Path.Combine(Path.GetTempPath(), $"j2b-progress-{Guid.NewGuid():N}.log");
        try
        {
            var lines = Enumerable.Range(0, 10_000).Select(i =>
                $"Nov 22 10:{i / 600 % 60:00}:{i / 10 % 60:00} host sshd[{i}]: Failed password for u{i % 7} from 192.0.2.{i % 250 + 1} port {1000 + i} ssh2");
            File.WriteAllLines(log, lines);
            string[] args = ["--now", "1795860000", log, "Failed password for \\S+ from <HOST>"];
            var (outA, errA) = Run(args, terminal);
            var (outB, errB) = Run(args, false);
            Assert.Contains("Lines: 10000 lines, 0 ignored, 10000 matched, 0 missed", outA);
            // the report on stdout is the same either way (but for the time it took)
            Assert.Equal(WithoutTime(outB), WithoutTime(outA));
            Assert.Equal("", errB);
            if (terminal)
            {
                Assert.StartsWith("\rj2b-regex: ", errA);
                Assert.Contains("% of ", errA);
                Assert.Contains(",096 lines", errA); // updated every 4096 lines
                // erased at the end: the last write blanks the line and returns to its start
                Assert.Matches(@"\r +\r$", errA);
            }
            else
            {
                Assert.Equal("", errA);
            }
        }
        finally
        {
            File.Delete(log);
        }

        static (string Out, string Err) Run(string[] args, bool terminal)
        {
            var o = new StringWriter();
            var e = new StringWriter();
            int rc = RegexCommand.Invoke(args, o, e, new SteppedClock(TimeSpan.FromSeconds(1)), new Jail2Ban.Core.Filtering.NoHostResolver(), stderrIsTerminal: terminal);
            Assert.Equal(0, rc);
            return (o.ToString(), e.ToString());
        }

        static string WithoutTime(string s) => System.Text.RegularExpressions.Regex.Replace(s, @"\[processed in [0-9.]+ sec\]", "");
    }

    [Theory]
    [InlineData(0L, 0L, 0L, 0.0, "j2b-regex: 0 B, 0 lines, 0.0 s")]
    [InlineData(512L, 0L, 7L, 1.24, "j2b-regex: 512 B, 7 lines, 1.2 s")]
    [InlineData(3L << 29, 3L << 30, 1_000_000L, 12.0, "j2b-regex:  50% of 3.0 GB, 1,000,000 lines, 12.0 s")]
    [InlineData(5000L, 1000L, 10L, 2.0, "j2b-regex: 100% of 1000 B, 10 lines, 2.0 s")] // a file that grew while read
    public void Format(long read, long total, long lines, double seconds, string expected) =>
        Assert.Equal(expected, ProgressMeter.Format(read, total, lines, TimeSpan.FromSeconds(seconds)));
}

using System.Diagnostics;
using Jail2Ban.Core.Filtering;
using Jail2Ban.Regex;

namespace Jail2Ban.Cli.Tests.Regex;

/// <summary>
/// A generated auth log (the bench generator, 20000 lines) with dateless lines, unparsable dates and a date
/// conversion error (the line is dropped) mixed in; deleted after the tests.
/// </summary>
public sealed class GeneratedAuthLog : IDisposable
{
    public GeneratedAuthLog()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"j2b-scanpipeline-{Environment.ProcessId}-{Guid.NewGuid():N}.log");
        var psi = new ProcessStartInfo("python3") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string a in new[] { System.IO.Path.Combine(RegexFixtures.Shared, "bench", "gen-logs.py"), "auth", "20000" })
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        string generated = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
        var lines = generated.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
        Assert.True(lines.Count >= 20000);
        string[] odd =
        [
            "sshd[7001]: Failed password for root from 198.51.100.7 port 22 ssh2",
            "XYZ Apr 16 21:05:29 srv sshd[7002]: Failed password for root from 198.51.100.8 port 22 ssh2",
            "Feb 29 12:00:00 srv sshd[7003]: Failed password for root from 198.51.100.9 port 22 ssh2",
            "Jan 23 24:00:00 srv sshd[7004]: Invalid user x from 198.51.100.10 port 22",
            "srv sshd[7005]: Connection closed by 198.51.100.11 port 22 [preauth]",
            "no date and nothing to match",
        ];
        for (int i = 0; i < odd.Length; i++)
        {
            // spread out: some right after a dated line (its date is substituted), some in the middle of batches
            lines.Insert(1 + i * 3001 % lines.Count, odd[i]);
            lines.Insert(lines.Count / 2 + i * 7, odd[i]);
        }
        File.WriteAllText(Path, string.Join('\n', lines) + "\n");
    }

    public string Path { get; }

    public void Dispose() => File.Delete(Path);
}

/// <summary>
/// j2b-regex's line pipeline: with the regex work spread over several threads (scan workers + the main thread) the
/// report and --out records are identical to the single-regex-thread shape, for maxlines = 1 filters (scanned ahead)
/// and a multi-line one (read ahead only), check-all on and off.
/// </summary>
public sealed class ScanPipelineTests(GeneratedAuthLog generated) : IClassFixture<GeneratedAuthLog>
{
    private const double Now = 1124013600;

    public static TheoryData<string, string, string> SampleCases() => new()
    {
        { "sshd", "sshd", "report" },
        { "sshd", "sshd", "verbose" },
        { "sshd", "sshd", "json" },
        { "sshd", "sshd[mode=aggressive]", "no-check-all" },
        { "apache-auth", "apache-auth", "report" },
        { "apache-auth", "apache-auth", "json" },
        { "postfix", "postfix[mode=aggressive]", "verbose" },
        { "guacamole", "guacamole", "report" },
        { "guacamole", "guacamole", "json" },
    };

    [Theory]
    [MemberData(nameof(SampleCases))]
    public void SampleLogsGiveTheSameOutput(string log, string filter, string mode) =>
        AssertSameOutput(Path.Combine(RegexFixtures.SampleLogs, log), filter, mode);

    public static TheoryData<string, string> GeneratedCases() => new()
    {
        { "sshd", "report" },
        { "sshd", "verbose" },
        { "sshd", "json" },
        { "sshd", "matched" },
        { "sshd[mode=aggressive]", "no-check-all" },
        { "sshd[mode=ddos]", "report" },
    };

    [Theory]
    [MemberData(nameof(GeneratedCases))]
    public void GeneratedAuthLogGivesTheSameOutput(string filter, string mode) => AssertSameOutput(generated.Path, filter, mode);

    [Fact]
    public void TheGeneratedLogHasWhatTheComparisonNeeds()
    {
        // matches, misses, ignores, and the dropped line (conversion error) really occur
        string report = Run(generated.Path, "sshd", "report", threads: 2);
        var m = System.Text.RegularExpressions.Regex.Match(report, @"Lines: (\d+) lines, (\d+) ignored, (\d+) matched, (\d+) missed");
        Assert.True(m.Success, report);
        int total = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.All(new[] { 2, 3, 4 }, g => Assert.True(int.Parse(m.Groups[g].Value, System.Globalization.CultureInfo.InvariantCulture) > 100, report));
        int written = File.ReadAllLines(generated.Path).Length;
        Assert.Equal(written - 2, total);
    }

    /// <summary>
    /// Logs shorter than a batch or around batch and ring sizes, each run several times (the ends of the input are where
    /// the threads race: a one-line log once left the main thread spinning on the lock the scan worker needed).
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(385)]
    [InlineData(1000)]
    public void ShortLogsEndCleanly(int count)
    {
        string path = Path.Combine(Path.GetTempPath(), $"j2b-scanpipeline-{Environment.ProcessId}-{Guid.NewGuid():N}.log");
        try
        {
            File.WriteAllLines(path, File.ReadLines(generated.Path).Take(count));
            for (int round = 0; round < 5; round++)
            {
                AssertSameOutput(path, "sshd", round % 2 == 0 ? "report" : "json", expectContent: count > 2);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static void AssertSameOutput(string log, string filter, string mode, bool expectContent = true)
    {
        string single = Run(log, filter, mode, threads: 1);
        if (expectContent || mode != "json")
        {
            Assert.Contains(mode == "json" ? "\"fid\"" : "Lines: ", single);
        }
        foreach (int threads in new[] { 2, 4 })
        {
            string parallel = Run(log, filter, mode, threads);
            if (parallel != single)
            {
                var a = single.Split('\n');
                var b = parallel.Split('\n');
                int i = 0;
                while (i < Math.Min(a.Length, b.Length) && a[i] == b[i])
                {
                    i++;
                }
                Assert.Fail($"{filter} {mode} threads={threads}: output differs at line {i + 1}:\n1: {a.ElementAtOrDefault(i)}\n{threads}: {b.ElementAtOrDefault(i)}");
            }
        }
    }

    private static string Run(string log, string filter, string mode, int threads)
    {
        var o = new RegexToolOptions
        {
            Log = log,
            Regex = filter,
            Config = RegexFixtures.DebianConfig,
            Now = Now,
            Verbose = mode == "verbose" ? 1 : 0,
            Out = mode == "json" ? "json" : null,
            CheckAllRegex = mode != "no-check-all",
            PrintAllMatched = mode == "matched",
            PrintAllMissed = mode == "matched",
            UseDns = "raw",
        };
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int rc = new RegexTool(stdout, stderr, new FixedClock(), new NoHostResolver()) { ScanThreads = threads }.Run(o, CancellationToken.None);
        Assert.True(rc == 0, $"exit {rc}: {stdout}{stderr}");
        // the timing line is the only one allowed to differ
        return string.Join('\n', stdout.ToString().Split('\n').Where(l => !l.StartsWith("[processed in ", StringComparison.Ordinal))) + stderr;
    }

    /// <summary>
    /// A consumer slower than the reader keeps the ring full: the reader then scans batches rather than wait, and each
    /// line still gives the failures a filter finds in it on its own (same mlfid state: both see the same lines).
    /// </summary>
    [Fact]
    public void TheReaderScansOnAFullRingAndEveryLineKeepsItsFailures()
    {
        var lines = File.ReadLines(generated.Path).Take(6000).ToList();
        static Filter Make() => new(
            new FilterSettings
            {
                PrefRegex = @"^\s*<F-MLFID>\S+ sshd\[\d+\]:</F-MLFID> <F-CONTENT>.+</F-CONTENT>$",
                FailRegex =
                [
                    @"^Failed \S+ for (?:invalid user )?<F-USER>\S+</F-USER> from <HOST>",
                    @"^Invalid user <F-USER>\S+</F-USER> from <HOST>",
                    @"^<F-NOFAIL>Accepted \S+</F-NOFAIL> for <F-USER>\S+</F-USER> from <HOST>",
                ],
            },
            new DetectorDateFinder(new Jail2Ban.Core.Filtering.Dates.DateDetector([])), FilterBehavior.RegexTool, new FilterRegexCompiler(), new NoHostResolver());
        static string Show(IReadOnlyList<Failure> failures) =>
            string.Join(" | ", failures.Select(f => $"{f.RegexIndex} {f.Id} {f.Time} {f.Data.GetString("user")} {f.IsNoFail}"));
        var alone = Make();
        var piped = Make();
        int found = 0, n = 0;
        using (var pipeline = new LinePipeline(lines, piped.DateFinder, () => Now, piped, workers: 0, CancellationToken.None))
        {
            pipeline.Start();
            foreach (var (line, scan) in pipeline.Lines())
            {
                if (n++ % 50 == 0)
                {
                    Thread.Sleep(1);
                }
                if (line.Drop)
                {
                    continue;
                }
                string got = Show(piped.ProcessLine(line.Line, line.Hit, line.Now, scan));
                Assert.Equal(Show(alone.ProcessLine(line.Line, Now)), got);
                found += got.Length > 0 ? 1 : 0;
            }
            Assert.Matches(@", [1-9]\d* by the reader,", pipeline.Stats);
        }
        Assert.True(found > 500, $"{found} lines with failures");
    }

    [Theory]
    [InlineData(null, 1, 0)]
    [InlineData(null, 2, 0)]
    [InlineData(null, 4, 2)]
    [InlineData("1", 8, 0)]
    [InlineData("3", 2, 2)]
    [InlineData("0", 4, 2)] // not a thread count: the machine decides
    [InlineData("x", 4, 2)]
    public void ScanWorkersBesideTheReaderAndTheConsumer(string? env, int processors, int workers) =>
        Assert.Equal(workers, LinePipeline.Workers(env, processors));

    /// <summary>Failures without a time print the clock's time (-v): the same in every run.</summary>
    private sealed class FixedClock : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeSeconds((long)Now);
    }
}

using System.Text;
using Jail2Ban.Core.Filtering;
using Jail2Ban.Core.Filtering.Dates;

namespace Jail2Ban.Core.Tests.Filtering;

/// <summary>
/// <see cref="Filter.Scan(string, DateHit?, LineScan)"/> run on other threads ahead of
/// <see cref="Filter.ProcessLine(string, DateHit?, double, LineScan?)"/> (what j2b-regex's pipeline does) against
/// plain <see cref="Filter.ProcessLine(string, double)"/>, line by line over every stock filter's sample log with each
/// of its filterOptions sets, with check-all on (sample tests) and off (fail2ban-regex's first match), and against
/// the general (multi-line) code (which shares no search code with either): failures,
/// buffer, prefregex state and processed text must be identical, and every line must have used its scan.
/// </summary>
public sealed class ScanApplyDifferentialTests
{
    public static TheoryData<string> TestNames() => SampleLogTests.TestNames();

    [Theory]
    [MemberData(nameof(TestNames))]
    public void PreScannedEqualsProcessLine(string name)
    {
        string[] lines = File.ReadAllText(Path.Combine(FilterFixtures.SampleLogs, name), Encoding.UTF8).Split('\n')
            .Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0 && !l.StartsWith('#')).ToArray();
        var source = new ProjectFilterSource(FastPathDifferentialTests.Compiler, SampleLogTests.TestZone);
        int compared = 0;
        foreach (var options in FastPathDifferentialTests.OptionSets(File.ReadAllLines(Path.Combine(FilterFixtures.SampleLogs, name))))
        {
            if (source.Create(name, options).Options.MaxLines > 1)
            {
                continue;
            }
            foreach (var behavior in new[] { FilterBehavior.SampleTest, FilterBehavior.RegexTool })
            {
                // the general (multi-line) code as the reference: the inline fast path shares the scan code
                var reference = FastPathDifferentialTests.Make(source, name, options, behavior, generic: true);
                var scanned = FastPathDifferentialTests.Make(source, name, options, behavior, generic: false);
                Assert.True(scanned.CanScan);
                // dates in order (the detector depends on the lines before), regex work spread over pool threads
                var hits = new DateHit?[lines.Length];
                var dropped = new bool[lines.Length];
                for (int i = 0; i < lines.Length; i++)
                {
                    try
                    {
                        hits[i] = scanned.DateFinder.Find(lines[i], SampleLogTests.TestNow);
                    }
                    catch (DateConversionException)
                    {
                        dropped[i] = true;
                    }
                }
                var scans = new LineScan[lines.Length];
                Parallel.For(0, lines.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => scans[i] = scanned.Scan(lines[i], hits[i]));
                int applied = 0;
                for (int i = 0; i < lines.Length; i++)
                {
                    string want = FastPathDifferentialTests.Render(reference.ProcessLine(lines[i], SampleLogTests.TestNow), reference);
                    if (dropped[i])
                    {
                        continue; // ProcessLine(line, now) drops it too (checked by want being computed without failing)
                    }
                    string got = FastPathDifferentialTests.Render(scanned.ProcessLine(lines[i], hits[i], SampleLogTests.TestNow, scans[i]), scanned);
                    applied++;
                    Assert.True(want == got, $"{name} {FastPathDifferentialTests.Describe(options)} checkall={behavior.CheckAllRegex} line {i + 1}: {lines[i]}\nwant: {want}\ngot:  {got}");
                    compared++;
                }
                Assert.Equal(applied, scanned.ScansUsed);
            }
        }
        Assert.True(compared > 0 || source.Create(name, []).Options.MaxLines > 1, $"{name}: nothing compared");
    }

    private const string Failed = "Feb 25 14:34:11 srv sshd[1]: Failed password for root from 192.0.2.1 port 22 ssh2";
    private const string Other = "Feb 25 14:34:11 srv sshd[1]: Failed password for root from 192.0.2.2 port 22 ssh2";

    private static (Filter Reference, Filter Scanned) Sshd(FilterBehavior behavior)
    {
        var source = new ProjectFilterSource(FastPathDifferentialTests.Compiler, SampleLogTests.TestZone);
        return (FastPathDifferentialTests.Make(source, "sshd", [], behavior, generic: false),
            FastPathDifferentialTests.Make(source, "sshd", [], behavior, generic: false));
    }

    public static TheoryData<string> Misfits() => ["other line", "no date cut", "used twice", "other filter"];

    /// <summary>A scan that was not made from the applied line's text is not used: the line is searched again.</summary>
    [Theory]
    [MemberData(nameof(Misfits))]
    public void AScanThatDoesNotFitIsIgnored(string misfit)
    {
        foreach (var behavior in new[] { FilterBehavior.SampleTest, FilterBehavior.RegexTool })
        {
            var (reference, scanned) = Sshd(behavior);
            var hit = scanned.DateFinder.Find(Failed, SampleLogTests.TestNow);
            Assert.True(hit is { } h && h.End > h.Start);
            var scan = misfit switch
            {
                "other line" => scanned.Scan(Other, hit),
                "no date cut" => scanned.Scan(Failed, null),
                "other filter" => Sshd(behavior).Scanned.Scan(Failed, hit),
                _ => scanned.Scan(Failed, hit),
            };
            if (misfit == "used twice")
            {
                scanned.ProcessLine(Failed, hit, SampleLogTests.TestNow, scan);
                reference.ProcessLine(Failed, SampleLogTests.TestNow);
            }
            int used = scanned.ScansUsed;
            string want = FastPathDifferentialTests.Render(reference.ProcessLine(Failed, SampleLogTests.TestNow), reference);
            string got = FastPathDifferentialTests.Render(scanned.ProcessLine(Failed, hit, SampleLogTests.TestNow, scan), scanned);
            Assert.Equal(want, got);
            Assert.Contains("192.0.2.1", got);
            Assert.Equal(used, scanned.ScansUsed);
        }
    }

    [Fact]
    public void AFittingScanIsUsedAndDecidesTheResult()
    {
        // the apply step takes the scan's matches as they are: a scan of another line's text would show through, so
        // the differential test above can see a scan that is wrong
        var (_, scanned) = Sshd(FilterBehavior.SampleTest);
        var hit = scanned.DateFinder.Find(Failed, SampleLogTests.TestNow);
        var scan = scanned.Scan(Failed, hit);
        var found = scanned.ProcessLine(Failed, hit, SampleLogTests.TestNow, scan);
        Assert.Equal(1, scanned.ScansUsed);
        Assert.Equal("192.0.2.1", Assert.Single(found).Id!.Text);
    }

    [Fact]
    public void MultiLineFiltersDoNotScan()
    {
        var source = new ProjectFilterSource(FastPathDifferentialTests.Compiler, SampleLogTests.TestZone);
        var f = FastPathDifferentialTests.Make(source, "sshd", [], FilterBehavior.SampleTest, generic: true);
        Assert.False(f.CanScan);
        var hit = f.DateFinder.Find(Failed, SampleLogTests.TestNow);
        var found = f.ProcessLine(Failed, hit, SampleLogTests.TestNow, f.Scan(Failed, hit));
        Assert.Equal(0, f.ScansUsed);
        Assert.Single(found);
    }

    public static TheoryData<string> Behaviors() => ["sample", "regex", "daemon", "daemon-findtime"];

    /// <summary>
    /// A made-up filter that takes every branch of the apply step: early ignoreregexes (more than two failregexes
    /// more than ignoreregexes), a prefregex with content, lines matching several failregexes, "No group found"
    /// (the first-match mode then searches the emptied buffer), ignored content, dateless and empty-date lines.
    /// </summary>
    [Theory]
    [MemberData(nameof(Behaviors))]
    public void EveryApplyBranch(string mode)
    {
        var behavior = mode switch
        {
            "sample" => FilterBehavior.SampleTest,
            "regex" => FilterBehavior.RegexTool,
            "daemon" => FilterBehavior.Daemon with { CheckFindTime = false },
            _ => FilterBehavior.Daemon,
        };
        var o = new FilterSettings
        {
            // a prefregex group of its own, which a failregex group of the same name overrides only when it captured;
            // an alt_ group (its own post-processing: not merged in the scan) beside plain ones on the same line
            PrefRegex = @"^\s*<F-TAG>pref</F-TAG>: <F-CONTENT>.+</F-CONTENT>$",
            FailRegex = [@"^fail from <HOST>", @"from <HOST>", @"^fail(?: from <HOST>)?", @"user <F-USER>\S+</F-USER> from <HOST>", @"never-matches <HOST>",
                @"user <F-ALT_USER>\S+</F-ALT_USER> from <HOST>", @"^(?:<F-TAG>fail</F-TAG>|user) (?:\S+ )?from <HOST>"],
            IgnoreRegex = [@"ignoreme", @"skip\d"],
        };
        string[] lines =
        [
            "2001-09-09 01:46:38 pref: fail from 192.0.2.1",
            "2001-09-09 01:46:39 pref: user bob from 192.0.2.2",
            "2001-09-09 01:46:39 pref: fail without a host",
            "pref: fail from 192.0.2.3",
            "() pref: fail from 192.0.2.4",
            "2001-09-09 01:46:40 pref: fail from 192.0.2.5 ignoreme",
            "2001-09-09 01:46:40 ignoreme pref: nothing",
            "2001-09-09 01:46:41 no prefix fail from 192.0.2.6",
            "2001-09-09 01:46:41 pref: fail user al from 192.0.2.7 skip1",
            "2001-09-09 01:46:42 pref: fail",
            "2001-09-09 01:46:42 pref: user carol from 192.0.2.8",
            "pref: user dave from 192.0.2.9",
        ];
        var reference = new Filter(o, new IsoDateFinder(), behavior, FastPathDifferentialTests.Compiler) { GenericPath = true };
        var inline = new Filter(o, new IsoDateFinder(), behavior, FastPathDifferentialTests.Compiler);
        var scanned = new Filter(o, new IsoDateFinder(), behavior, FastPathDifferentialTests.Compiler);
        const double Now = 1_000_000_000;
        var hits = lines.Select(l => scanned.DateFinder.Find(l, Now)).ToArray();
        var scans = new LineScan[lines.Length];
        Parallel.For(0, lines.Length, i => scans[i] = scanned.Scan(lines[i], hits[i]));
        int failures = 0;
        for (int i = 0; i < lines.Length; i++)
        {
            var found = reference.ProcessLine(lines[i], Now);
            failures += found.Count;
            string want = FastPathDifferentialTests.Render(found, reference);
            string got = FastPathDifferentialTests.Render(scanned.ProcessLine(lines[i], hits[i], Now, scans[i]), scanned);
            Assert.True(want == got, $"{mode} line {i + 1}: {lines[i]}\nwant: {want}\ngot:  {got}");
            string inl = FastPathDifferentialTests.Render(inline.ProcessLine(lines[i], Now), inline);
            Assert.True(want == inl, $"{mode} line {i + 1}: {lines[i]}\nwant:   {want}\ninline: {inl}");
        }
        Assert.True(failures >= 5, $"{failures} failures");
        Assert.Equal(lines.Length, scanned.ScansUsed);
    }
}

using System.Text.RegularExpressions;
using Jail2Ban.Core.Filtering.Dates;

namespace Jail2Ban.Core.Tests.Filtering.Dates;

/// <summary>
/// The scan gate may only skip matchTime's scan when no template can match: each template's loosened pattern must
/// match every line the template matches (checked on all sample logs), and a detector with the gate must give the
/// same dates, hits and template order as one without, line by line.
/// </summary>
public sealed class DateScanGateTests
{
    private static readonly Random Rng = new(12345);

    private static string Ip() => $"{Rng.Next(1, 256)}.{Rng.Next(0, 256)}.{Rng.Next(0, 256)}.{Rng.Next(0, 256)}";

    /// <summary>Sample log lines, then an apache-like log with addresses of changing length, mixed with other dates.</summary>
    private static List<string> Lines()
    {
        var lines = new List<string>();
        foreach (var file in Directory.GetFiles(DateFixtures.SampleLogsDir).Order(StringComparer.Ordinal))
        {
            lines.AddRange(File.ReadLines(file).Where(l => !l.StartsWith('#')).Take(300));
        }
        string[] odd =
        [
            "{0} - - [01/Jan/2026:00:00:01 +0000] \"GET /x?d=2026-01-01T00:00:02 HTTP/1.1\" 200 1 \"-\" \"-\"",
            "{0} - - [1/Jan/2026:00:00:01 +0000] \"GET / HTTP/1.1\" 200 1",
            "{0} - - [01-Jan-2026 00:00:01] \"GET / HTTP/1.1\" 200 1",
            "Jan  1 00:00:01 web1 sshd[1]: from {0} at Jan  2 00:00:03",
            "{0} 1767225601 epoch",
            "no date at all {0}",
            "{0} - - [31/Dec/2025:23:59:59 -0130] \"GET / HTTP/1.1\" 404 1 \"Jan 01 00:00:05\"",
        ];
        for (int i = 0; i < 3000; i++)
        {
            string ip = Ip();
            lines.Add(i % 50 == 49
                ? string.Format(System.Globalization.CultureInfo.InvariantCulture, odd[(i / 50) % odd.Length], ip)
                : $"{ip} - - [01/Jan/2026:00:{i / 60 % 60:D2}:{i % 60:D2} +0000] \"GET /p/{i} HTTP/1.1\" 200 {i * 7} \"-\" \"Mozilla/5.0\"");
        }
        return lines;
    }

    // 2005, 2026 and the current year (once: a duplicate case is dropped by xunit with a warning)
    public static TheoryData<int> Years() => new(new[] { 2005, 2026, DateTime.Now.Year }.Distinct());

    [Theory]
    [MemberData(nameof(Years))]
    public void EveryLoosenedTemplateMatchesWhatItsTemplateMatches(int year)
    {
        var lines = Lines();
        int matched = 0;
        foreach (var t in new DateTemplateFactory(year).DefaultAll)
        {
            var loose = DateScanGate.Superset(t.DotNetPattern);
            Assert.True(loose is not null, $"no gate pattern for {t.Name}");
            var gate = new Regex(loose, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking | RegexOptions.ExplicitCapture);
            foreach (var line in lines)
            {
                if (t.Regex.IsMatch(line))
                {
                    matched++;
                    Assert.True(gate.IsMatch(line), $"{t.Name}: gate misses: {line}");
                }
            }
        }
        Assert.True(matched > 3000, $"{matched} template matches only");
    }

    [Fact]
    public void GateRejectsAnApacheLineWithoutItsTemplate()
    {
        var templates = new DateTemplateFactory(2026).DefaultAll;
        var apache = templates.Where(t => !t.IsAnchored && t.DotNetPattern.Contains(@"dec)\k<_sep>", StringComparison.Ordinal)).ToList();
        Assert.Single(apache);
        var all = DateScanGate.Build(templates.Select(t => t.DotNetPattern));
        var others = DateScanGate.Build(templates.Where(t => t != apache[0]).Select(t => t.DotNetPattern));
        Assert.NotNull(all);
        Assert.NotNull(others);
        const string line = "118.50.240.157 - - [01/Jan/2026:00:00:01 +0000] \"GET / HTTP/1.1\" 200 8818 \"-\" \"Mozilla/5.0\"";
        Assert.Matches(all, line);
        Assert.DoesNotMatch(others, line);
    }

    [Fact]
    public void OneGatePerTemplateSetWhateverTheOrder()
    {
        var f = new DateTemplateFactory(2026);
        var gate = f.ScanGate(f.DefaultAll);
        Assert.NotNull(gate);
        Assert.Same(gate, f.ScanGate(f.DefaultAll.Reverse()));
        Assert.NotSame(gate, f.ScanGate(f.DefaultAll.Skip(1)));
    }

    [Fact]
    public void GateRefusesPatternsItCannotLoosen()
    {
        Assert.Null(DateScanGate.Superset(@"(?<x>a)(?!b)"));
        Assert.Null(DateScanGate.Build([@"(\d)\1", @"\d+"]));
        Assert.Equal(@"a[\s\S]*b", DateScanGate.Superset(@"(?=^|\b|\W)a\k<s>b"));
        Assert.Equal("(?<s>[-/])x[-/]", DateScanGate.Superset(@"(?<s>[-/])x\k<s>(?=\b|\W|$)"));
    }

    public static TheoryData<string[]> Patterns() => new()
    {
        Array.Empty<string>(),
        new[] { "{^LN-BEG}" },
        new[] { "%d/%b/%Y:%H:%M:%S", "{^LN-BEG}" },
        new[] { @"^[^\[]*\[({DATE})" },
        new[] { "%b %d %H:%M:%S", "EPOCH" },
    };

    /// <summary>Differential: the same detector with and without the gate, line by line and in the final template state.</summary>
    [Theory]
    [MemberData(nameof(Patterns))]
    public void DetectorWithGateGivesTheSameResults(string[] patterns)
    {
        var clock = FixedClock.OracleDay;
        var gated = new DateDetector(patterns, localZone: DateFixtures.Zurich, clock: clock) { GateAfterScans = 0 };
        var plain = new DateDetector(patterns, localZone: DateFixtures.Zurich, clock: clock) { UseScanGate = false };
        int found = 0;
        foreach (var line in Lines())
        {
            DateHit? a, b;
            try
            {
                b = plain.Find(line, DateFixtures.SampleNow);
            }
            catch (DateConversionException)
            {
                Assert.Throws<DateConversionException>(() => gated.Find(line, DateFixtures.SampleNow));
                continue;
            }
            a = gated.Find(line, DateFixtures.SampleNow);
            Assert.True(a == b, $"{a} != {b} on: {line}");
            found += b is null ? 0 : 1;
        }
        Assert.True(found > 500, $"{found} dates");
        Assert.Equal(plain.Templates.Select(t => (t.Name, t.Hits)), gated.Templates.Select(t => (t.Name, t.Hits)));
    }
}

using System.Text.RegularExpressions;
using Jail2Ban.Core.Filtering.Dates;

namespace Jail2Ban.Core.Tests.Filtering.Dates;

/// <summary>
/// The default date templates' regexes come from DefaultDateRegexes.g.cs (compiled at build time). A change of the
/// template factory without <c>make regexgen</c> fails <see cref="CommittedFileIsCurrent"/>; the file running out of
/// years fails <see cref="EveryDefaultTemplateOfThisYearIsGenerated"/>; and the generated regexes must match exactly
/// like the run-time ones on every sample log line.
/// </summary>
public sealed class DefaultDateRegexesTests
{
    private static string GeneratedFile =>
        Path.Combine(RepoPaths.Root, "src", "Jail2Ban.Core", "Filtering", "Dates", "DefaultDateRegexes.g.cs");

    [Fact]
    public void CommittedFileIsCurrent()
    {
        string expected = DefaultDateRegexSource.Render(DefaultDateRegexes.BaseYear);
        string committed = File.ReadAllText(GeneratedFile).ReplaceLineEndings("\n");
        Assert.True(expected == committed,
            "DefaultDateRegexes.g.cs does not match DateTemplateFactory's default templates: run `make regexgen` and commit the file.");
        Assert.Equal(DefaultDateRegexes.Count, DefaultDateRegexSource.Collect(DefaultDateRegexes.BaseYear).Count);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void EveryDefaultTemplateOfThisYearIsGenerated(int yearsAhead)
    {
        int year = DateTime.Now.Year + yearsAhead;
        if (year >= DefaultDateRegexes.BaseYear + DefaultDateRegexSource.YearsCovered && yearsAhead > 0)
        {
            return; // only this year must be covered; the next two are checked while the file covers them
        }
        var templates = new DateTemplateFactory(year).DefaultAll;
        Assert.Equal(31, templates.Count);
        var missing = templates.Where(t => DefaultDateRegexes.Lookup(t.DotNetPattern) is null).Select(t => t.Name).ToList();
        Assert.True(missing.Count == 0, $"not generated for {year} (run `make regexgen`): {string.Join(" | ", missing)}");
    }

    [Fact]
    public void DetectorTemplatesUseTheGeneratedRegexes()
    {
        var detector = new DateDetector([]);
        foreach (var t in detector.TemplateObjects)
        {
            var r = t.Regex;
            Assert.True(t.IsGenerated, t.Name);
            Assert.NotEqual(typeof(Regex), r.GetType());
        }
        // a custom pattern is not in the file: compiled at run time
        var custom = new DateDetector(["^%Y-%m-%d %H:%M:%S"]);
        Assert.All(custom.TemplateObjects, t => { _ = t.Regex; Assert.False(t.IsGenerated); });
    }

    private static IEnumerable<string> Lines()
    {
        yield return "118.50.240.157 - - [01/Jan/2026:00:00:01 +0000] \"GET / HTTP/1.1\" 200 8818 \"-\" \"Mozilla/5.0\"";
        yield return "Jan  1 00:00:01 web1 sshd[4756]: Connection closed by 77.100.18.17 port 21191";
        yield return "2026-01-01 00:00:01,123 +0100 x";
        yield return "@4000000041f43f4f0b2d1e4c foo";
        yield return "[1124013600.123] audit(1124013600.123:5): x";
        foreach (var file in Directory.GetFiles(DateFixtures.SampleLogsDir).Order(StringComparer.Ordinal))
        {
            foreach (var line in File.ReadLines(file).Where(l => !l.StartsWith('#')).Take(400))
            {
                yield return line;
            }
        }
    }

    /// <summary>Differential: each generated regex against a run-time <see cref="Regex"/> of the same pattern and options.</summary>
    [Fact]
    public void GeneratedRegexesMatchLikeRunTimeOnes()
    {
        var pairs = DefaultDateRegexSource.Collect(DefaultDateRegexes.BaseYear)
            .Select(p => (Generated: DefaultDateRegexes.Lookup(p)!, RunTime: new Regex(p, RegexOptions.CultureInvariant))).ToList();
        int lines = 0, matches = 0;
        foreach (var line in Lines())
        {
            lines++;
            foreach (var (g, r) in pairs)
            {
                var mg = g.Match(line);
                var mr = r.Match(line);
                Assert.Equal(mr.Success, mg.Success);
                if (!mr.Success)
                {
                    continue;
                }
                matches++;
                Assert.Equal(mr.Groups.Count, mg.Groups.Count);
                for (int i = 0; i < mr.Groups.Count; i++)
                {
                    Assert.True(mr.Groups[i].Success == mg.Groups[i].Success && mr.Groups[i].Index == mg.Groups[i].Index
                        && mr.Groups[i].Length == mg.Groups[i].Length, $"group {i} of {r} on: {line}");
                }
            }
        }
        Assert.True(lines > 500 && matches > 500, $"{lines} lines, {matches} matches");
    }
}

using Jail2Ban.Core.Configuration;
using Jail2Ban.Core.Filtering;
using Jail2Ban.Core.Filtering.Dates;

namespace Jail2Ban.Core.Tests.Filtering;

/// <summary>
/// The same conformance test (fail2ban's sample-test rules, §4.4) over the project's own filter.d with the
/// project's own annotated samples in tests/samples/logs; and each filter that carries a stock fail2ban name
/// also over the compat sample log of that name, so that it is a drop-in replacement for the stock one.
/// </summary>
public class ProjectFilterSampleTests
{
    private static readonly FilterRegexCompiler Compiler = new(TimeSpan.FromSeconds(5), compiled: false);

    /// <summary>Include-only files: no failregex of their own, hence no sample.</summary>
    private static readonly string[] IncludeOnly = ["common", "apache-common", "botsearch-common", "nginx-error-common"];

    /// <summary>
    /// Compat samples a project filter does not pass, with the reason; the test fails if such a filter starts
    /// passing (the entry must then go). Empty: even the dovecot line that fail2ban 1.0.2 itself cannot pass
    /// (tests/samples/check-with-fail2ban.sh leaves it out) passes with our engine.
    /// </summary>
    private static readonly Dictionary<string, string> CompatKnownFailures = new();

    private static string ProjectRoot => FilterFixtures.RepoRoot;

    private static string ProjectSamples => Path.Combine(ProjectRoot, "tests", "samples", "logs");

    private static IEnumerable<string> ProjectFilters() =>
        Directory.GetFiles(Path.Combine(ProjectRoot, "filter.d"), "*.conf")
            .Select(Path.GetFileNameWithoutExtension)
            .OfType<string>()
            .Where(n => !IncludeOnly.Contains(n))
            .Order(StringComparer.Ordinal);

    public static TheoryData<string> OwnSamples() => new(ProjectFilters());

    public static TheoryData<string> StockNamed() =>
        new(ProjectFilters().Where(n => File.Exists(Path.Combine(FilterFixtures.SampleLogs, n))));

    [Fact]
    public void EveryProjectFilterHasItsOwnSample()
    {
        var missing = ProjectFilters().Where(n => !File.Exists(Path.Combine(ProjectSamples, n))).ToList();
        Assert.True(missing.Count == 0, "filters without a sample in tests/samples/logs: " + string.Join(", ", missing));
        Assert.True(ProjectFilters().Count() >= 13);
    }

    [Theory]
    [MemberData(nameof(OwnSamples))]
    public void OwnSampleLog(string name)
    {
        var runner = new SampleTestRunner(name, ProjectSamples, new TreeSource(ProjectRoot), SampleLogTests.TestNow, SampleLogTests.TestZone);
        var errors = runner.Run();
        Assert.True(errors.Count == 0, $"{name}: {errors.Count} failed checks:\n" + string.Join("\n", errors.Take(20)));
        Assert.True(runner.CheckedLines > 0);
    }

    [Theory]
    [MemberData(nameof(StockNamed))]
    public void CompatSampleLogOfTheSameName(string name)
    {
        var runner = new SampleTestRunner(name, FilterFixtures.SampleLogs, new TreeSource(ProjectRoot), SampleLogTests.TestNow, SampleLogTests.TestZone);
        var errors = runner.Run();
        if (CompatKnownFailures.TryGetValue(name, out string? reason))
        {
            Assert.True(errors.Count > 0, $"{name} is listed as failing ({reason}) but passes now: remove it from the list");
            // only the known line may fail, and "every regex has a sample" does not apply to a foreign sample
            Assert.All(errors, e => Assert.DoesNotContain("Line matched when shouldn't have", e));
            return;
        }
        // Our filters may have regexes the stock sample does not exercise: only line verdicts count here.
        var lineErrors = errors.Where(e => !e.Contains("Regex has no samples", StringComparison.Ordinal)).ToList();
        Assert.True(lineErrors.Count == 0, $"{name}: {lineErrors.Count} failed checks:\n" + string.Join("\n", lineErrors.Take(20)));
        Assert.True(runner.CheckedLines > 0);
    }

    /// <summary>Sample-test instances over a configuration root whose filter.d holds the filters.</summary>
    private sealed class TreeSource(string confDir) : ISampleFilterSource
    {
        public Filter Create(string testName, IReadOnlyList<KeyValuePair<string, string>> options)
        {
            var read = FilterReader.Read(confDir, testName, options.ToDictionary(kv => kv.Key, kv => kv.Value), "jail", backend: null);
            var settings = FilterSettings.FromConfig(read) with { UseDns = UseDns.Warn };
            var dates = new DetectorDateFinder(new DateDetector(settings.DatePattern, null, SampleLogTests.TestZone));
            return new Filter(settings, dates, FilterBehavior.SampleTest, Compiler);
        }
    }
}

using Jail2Ban.Core.Filtering;

namespace Jail2Ban.Core.Tests.Filtering;

/// <summary>
/// The conformance test: fail2ban's sample-log test (§4) for each of the 99 filters, over our filter engine.
/// </summary>
public sealed class SampleLogTests
{
    public const double TestNow = 1124013600;

    /// <summary>Filters that cannot pass yet, with the reason (kept honest: each is still run and must still fail).</summary>
    private static readonly Dictionary<string, string> KnownFailures = new(StringComparer.Ordinal)
    {
    };

    private static readonly FilterRegexCompiler Compiler = new(TimeSpan.FromSeconds(5), compiled: false);

    private static readonly Lazy<OracleFilterSource> Oracle = new(() =>
        OracleFilterSource.Load(Names(), Compiler, TestNow));

    public static TheoryData<string> TestNames()
    {
        var names = new TheoryData<string>();
        foreach (string n in Names())
        {
            names.Add(n);
        }
        return names;
    }

    internal static List<string> Names()
    {
        var names = new List<string>();
        var common = new[] { "common", "apache-common", "botsearch-common", "exim-common", "nginx-error-common", "selinux-common" };
        foreach (string dir in new[] { Path.Combine(FilterFixtures.StockConfig, "filter.d"), Path.Combine(FilterFixtures.TestConfig, "filter.d") })
        {
            foreach (string f in Directory.GetFiles(dir, "*.conf").Order(StringComparer.Ordinal))
            {
                string name = Path.GetFileNameWithoutExtension(f);
                if (common.Contains(name) || (dir.Contains("test-config") && !name.StartsWith("zzz-", StringComparison.Ordinal)))
                {
                    continue;
                }
                if (File.Exists(Path.Combine(FilterFixtures.SampleLogs, name)))
                {
                    names.Add(name);
                }
            }
        }
        return names;
    }

    /// <summary>Central European time as the sample test sets it: TZ=CET-01CEST-02,M3.5.0,M10.5.0.</summary>
    internal static TimeZoneInfo TestZone { get; } = TimeZoneInfo.CreateCustomTimeZone("CET-01CEST-02", TimeSpan.FromHours(1), "CET-01CEST-02", "CET", "CEST",
    [
        TimeZoneInfo.AdjustmentRule.CreateAdjustmentRule(DateTime.MinValue.Date, DateTime.MaxValue.Date, TimeSpan.FromHours(1),
            TimeZoneInfo.TransitionTime.CreateFloatingDateRule(new DateTime(1, 1, 1, 2, 0, 0), 3, 5, DayOfWeek.Sunday),
            TimeZoneInfo.TransitionTime.CreateFloatingDateRule(new DateTime(1, 1, 1, 2, 0, 0), 10, 5, DayOfWeek.Sunday)),
    ]);

    [Fact]
    public void AllNinetyNineFiltersHaveASampleLog()
    {
        Assert.Equal(99, Names().Count);
    }

    [Fact]
    public void CorpusHasTheAnnotationCountOfTheSpec()
    {
        int n = Directory.GetFiles(FilterFixtures.SampleLogs)
            .SelectMany(File.ReadAllLines)
            .Count(l => System.Text.RegularExpressions.Regex.IsMatch(l, "^#+ ?failJSON:"));
        Assert.Equal(1193, n);
    }

    [Fact]
    public void HarnessReportsAWrongFilter()
    {
        // a source whose filters never match: every "match": true line must be reported, and every regex unused
        var runner = new SampleTestRunner("sshd", FilterFixtures.SampleLogs, new NeverMatches(), TestNow, TestZone);
        var errors = runner.Run();
        Assert.Contains(errors, e => e.Contains("Line not matched when should have"));
        Assert.Contains(errors, e => e.Contains("Regex has no samples"));
        Assert.True(runner.AnnotatedLines > 100);
    }

    private sealed class NeverMatches : ISampleFilterSource
    {
        public Filter Create(string testName, IReadOnlyList<KeyValuePair<string, string>> options) =>
            new(new FilterSettings { FailRegex = [@"^\x00never <HOST>$"] }, new IsoDateFinder(), FilterBehavior.SampleTest);
    }

    /// <summary>The conformance test proper: config reader, date detector and filter engine of the project.</summary>
    [Theory]
    [MemberData(nameof(TestNames))]
    public void SampleLog(string name) => Run(name, new ProjectFilterSource(Compiler, TestZone), KnownFailures);

    /// <summary>
    /// The same with options and dates from the installed fail2ban (python): isolates the filter engine, so a
    /// failure only here points at Filtering, a failure only above at the config reader or the date detector.
    /// </summary>
    [Theory]
    [MemberData(nameof(TestNames))]
    public void SampleLogWithOracleOptionsAndDates(string name)
    {
        Assert.True(OracleFilterSource.Available, "fail2ban (python) is not installed");
        Run(name, Oracle.Value, new Dictionary<string, string>());
    }

    private static void Run(string name, ISampleFilterSource source, Dictionary<string, string> known)
    {
        var runner = new SampleTestRunner(name, FilterFixtures.SampleLogs, source, TestNow, TestZone);
        var errors = runner.Run();
        if (known.TryGetValue(name, out string? reason))
        {
            Assert.True(errors.Count > 0, $"{name} is listed as failing ({reason}) but passes now: remove it from the list");
            return;
        }
        Assert.True(errors.Count == 0, $"{name}: {errors.Count} failed checks:\n" + string.Join("\n", errors.Take(20)));
        Assert.True(runner.CheckedLines > 0);
    }
}

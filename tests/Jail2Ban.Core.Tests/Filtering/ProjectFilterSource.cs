using Jail2Ban.Core.Configuration;
using Jail2Ban.Core.Filtering;
using Jail2Ban.Core.Filtering.Dates;

namespace Jail2Ban.Core.Tests.Filtering;

/// <summary>Sample-test instances built entirely by the project: config FilterReader + DateDetector + Filter.</summary>
internal sealed class ProjectFilterSource(FilterRegexCompiler compiler, TimeZoneInfo zone) : ISampleFilterSource
{
    public Filter Create(string testName, IReadOnlyList<KeyValuePair<string, string>> options)
    {
        string confdir = testName.StartsWith("zzz-", StringComparison.Ordinal) ? FilterFixtures.TestConfig : FilterFixtures.StockConfig;
        var read = FilterReader.Read(confdir, testName, options.ToDictionary(kv => kv.Key, kv => kv.Value), "jail", backend: null);
        // the sample test keeps usedns = warn whatever the filter says, and returns raw hosts
        var settings = FilterSettings.FromConfig(read) with { UseDns = UseDns.Warn };
        var dates = new DetectorDateFinder(new DateDetector(settings.DatePattern, null, zone));
        return new Filter(settings, dates, FilterBehavior.SampleTest, compiler);
    }
}

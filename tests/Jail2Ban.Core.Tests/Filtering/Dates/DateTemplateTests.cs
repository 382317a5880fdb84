using Jail2Ban.Core.Filtering.Dates;

namespace Jail2Ban.Core.Tests.Filtering.Dates;

/// <summary>How datepattern values become templates: names, regexes, boundary flags, weights, errors.</summary>
public partial class DateTemplateTests
{
    private static readonly Dictionary<string, IReadOnlyList<DateTemplate>> Detectors = [];

    private static IReadOnlyList<DateTemplate> TemplatesOf(string pattern)
    {
        lock (Detectors)
        {
            if (!Detectors.TryGetValue(pattern, out var list))
            {
                list = new DateDetector(pattern == "-" ? [] : pattern.Split(" || "), null, DateFixtures.Zurich, FixedClock.OracleDay).TemplateObjects;
                Detectors[pattern] = list;
            }
            return list;
        }
    }

    [Theory]
    [MemberData(nameof(Templates))]
    public void Templates_are_built_as_fail2ban_builds_them(string pattern, int index, string name, string pythonRegex, int flags, double weight)
    {
        var t = TemplatesOf(pattern)[index];
        Assert.Equal((name, pythonRegex, flags, weight), (t.Name, t.PythonRegex, (int)t.Flags, t.Weight));
    }

    [Theory]
    [InlineData("-", 31)]
    [InlineData("{DEFAULT}", 31)]
    [InlineData("{^LN-BEG}", 17)]
    [InlineData("^{DATE}", 17)]
    [InlineData("{NONE}", 1)]
    [InlineData("{^LN-BEG}EPOCH", 1)]
    public void Template_counts(string pattern, int count)
    {
        Assert.Equal(count, TemplatesOf(pattern).Count);
    }

    [Fact]
    public void Template_lists_keep_fail2ban_order_and_drop_duplicate_defaults()
    {
        var d = new DateDetector(["%Y-%m-%d %H:%M:%S", "{^LN-BEG}", "{DEFAULT}"], null, DateFixtures.Zurich, FixedClock.OracleDay);
        var names = d.Templates.Select(t => t.Name).ToList();
        Assert.Equal("Year-Month-Day 24hour:Minute:Second", names[0]);
        Assert.Equal(1 + 31, names.Count); // {DEFAULT} adds only the 14 originals {^LN-BEG} did not add
        Assert.Equal(names.Count, names.Distinct().Count());
    }

    [Theory]
    [InlineData("%Y-%m-%d %Q", "invalid format")] // unknown code
    [InlineData("%Y-%m-%d 100%", "invalid format")] // lone percent at the end
    [InlineData("%Y %H %H", "redefinition of group name")] // Python rejects duplicate group names
    [InlineData("%Y-%m-%d (unclosed", "Compile")]
    public void Bad_patterns_are_rejected(string pattern, string messagePart)
    {
        var e = Assert.Throws<DatePatternException>(() => new DateDetector([pattern], null, DateFixtures.Zurich, FixedClock.OracleDay));
        Assert.Contains(messagePart, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicate_custom_template_is_an_error()
    {
        var e = Assert.Throws<DatePatternException>(() =>
            new DateDetector(["%Y-%m-%d", "%Y-%m-%d"], null, DateFixtures.Zurich, FixedClock.OracleDay));
        Assert.Contains("There is already a template with name Year-Month-Day", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(2026, "20[012]")]
    [InlineData(2027, "20[0123]")]
    [InlineData(2036, "20[0123]")]
    [InlineData(2037, "20[01234]")]
    public void ExY_covers_2000_to_three_years_ahead(int year, string century)
    {
        Assert.Equal(century, StrptimeCodes.CenturyRegex(year));
    }

    [Fact]
    public void DatePattern_option_is_split_like_fail2ban()
    {
        Assert.Equal(["^%Y x", "{^LN-BEG}"], DateDetector.SplitDatePattern("  ^%Y x \n\n\t{^LN-BEG}\n  \n"));
    }

    [Fact]
    public void Describe_gives_the_single_custom_template_or_null_for_defaults()
    {
        Assert.Null(new DateDetector([], null, DateFixtures.Zurich, FixedClock.OracleDay).Describe());
        var d = new DateDetector(["^%m/%d/%Y %H:%M:%S"], null, DateFixtures.Zurich, FixedClock.OracleDay);
        Assert.Equal(("^%m/%d/%Y %H:%M:%S", "^Month/Day/Year 24hour:Minute:Second"), d.Describe());
    }
}

public class DateTemplateGroupNumberTests
{
    public static TheoryData<string> Patterns => new()
    {
        "-", "^[^\\[]*\\[({DATE})", "%Y(?P<x>-)%m (%d)", "time={EPOCH}", "(a)(?P<Y>\\d{4})-%m-%d", "%c", "{NONE}",
    };

    /// <summary>Group numbers are computed without building the Regex; they must be .NET's.</summary>
    [Theory]
    [MemberData(nameof(Patterns))]
    public void Computed_group_numbers_are_dotnet_group_numbers(string pattern)
    {
        var detector = new DateDetector(pattern == "-" ? [] : [pattern], null, DateFixtures.Zurich, FixedClock.OracleDay);
        foreach (var t in detector.TemplateObjects)
        {
            var regex = DateTemplateFactory.Validate(t).Regex;
            var dateGroupName = regex.GroupNameFromNumber(t.DateGroup);
            Assert.False(string.IsNullOrEmpty(dateGroupName), t.Name);
            Assert.False(char.IsAsciiDigit(dateGroupName[0]), t.Name); // the named Python group 1
            Assert.True(regex.GetGroupNumbers().Contains(t.ValueGroup), t.Name);
        }
    }
}

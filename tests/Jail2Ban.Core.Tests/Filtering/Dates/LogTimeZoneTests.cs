using Jail2Ban.Core.Filtering.Dates;

namespace Jail2Ban.Core.Tests.Filtering.Dates;

public class LogTimeZoneTests
{
    // Expected minutes from fail2ban's validateTimeZone (installed 1.0.2):
    // /usr/bin/python3 -c "from fail2ban.server.strptime import validateTimeZone; print(validateTimeZone('EST-05'))"
    [Theory]
    [InlineData("UTC", 0)]
    [InlineData("UTC+0200", 120)]
    [InlineData("GMT-01:00", -60)]
    [InlineData("CET", 60)]
    [InlineData("+0100", 60)]
    [InlineData("EST-05", -600)]
    [InlineData("Z", 0)]
    [InlineData("NPT", 345)]
    [InlineData("NPT+01:30", 435)]
    [InlineData("ACDT", 630)]
    [InlineData("A", 60)]
    [InlineData("Y+02", -600)]
    [InlineData("", 0)]
    public void Fixed_offsets_as_fail2ban(string value, int minutes)
    {
        var zone = LogTimeZone.Parse(value);
        Assert.False(zone.SupportsDaylightSavingTime);
        Assert.Equal(TimeSpan.FromMinutes(minutes), zone.BaseUtcOffset);
    }

    // fail2ban: KeyError for XYZ, ValueError "Unknown or unsupported time zone" for the others.
    [Theory]
    [InlineData("XYZ")]
    [InlineData("utc")]
    [InlineData("UTC+2")]
    [InlineData("UTC+2400")]
    [InlineData("AB")]
    [InlineData("Mars/Olympus_Mons")]
    [InlineData("../../etc/passwd")]
    [InlineData("Y-12")] // fail2ban: -1440 minutes; beyond what .NET zones can hold (known gap)
    public void Bad_values_are_rejected_with_a_clear_message(string value)
    {
        var e = Assert.Throws<ArgumentException>(() => LogTimeZone.Parse(value));
        Assert.StartsWith($"Unknown or unsupported time zone: '{value}'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Table_has_all_222_abbreviations()
    {
        Assert.Equal(222, LogTimeZone.AbbreviationCount);
        Assert.True(LogTimeZone.TryGetAbbreviationOffset("ChST", out int chst));
        Assert.Equal(600, chst);
        Assert.False(LogTimeZone.TryGetAbbreviationOffset("cet", out _));
    }

    [Fact]
    public void Iana_name_is_an_extension_with_dst()
    {
        // fail2ban 1.0.2 rejects "Europe/Zurich"; we accept it and read zone-less dates as its local time.
        var zone = LogTimeZone.Parse("Europe/Zurich");
        Assert.True(zone.SupportsDaylightSavingTime);
        var utcLocal = TimeZoneInfo.Utc;
        var d = new DateDetector([], zone, utcLocal, FixedClock.OracleDay);
        // summer: CEST (+2), winter: CET (+1), whatever the process zone is
        Assert.Equal(1123970400.0, d.Find("2005-08-14 00:00:00 x", DateFixtures.SampleNow)?.Time);
        Assert.Equal(1106434800.0, d.Find("2005-01-23 00:00:00 x", DateFixtures.SampleNow)?.Time);
        // an explicit zone in the line still wins
        Assert.Equal(1106438400.0, d.Find("2005-01-23 00:00:00 +0000 x", DateFixtures.SampleNow)?.Time);
    }

    [Fact]
    public void Fixed_log_zone_ignores_dst_of_the_process_zone()
    {
        var d = new DateDetector([], LogTimeZone.Parse("CET"), DateFixtures.Zurich, FixedClock.OracleDay);
        // 2005-08-14 00:00 read as +01:00 although Zurich is on CEST then
        Assert.Equal(1123974000.0, d.Find("2005-08-14 00:00:00 x", DateFixtures.SampleNow)?.Time);
    }
}

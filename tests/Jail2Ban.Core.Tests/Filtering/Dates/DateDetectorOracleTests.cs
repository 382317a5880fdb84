using Jail2Ban.Core.Filtering.Dates;

namespace Jail2Ban.Core.Tests.Filtering.Dates;

/// <summary>
/// Differential tests against fail2ban's own date code: the expected values in
/// DateDetectorOracleTests.Generated.cs were produced by running the installed fail2ban (see there).
/// </summary>
public partial class DateDetectorOracleTests
{
    internal static DateDetector Create(string patterns, string? logTimeZone, TimeZoneInfo localZone) =>
        new(patterns == "-" ? [] : patterns.Split(" || "),
            logTimeZone is null ? null : LogTimeZone.Parse(logTimeZone),
            localZone, FixedClock.OracleDay);

    private static void Check(DateDetector detector, double now, string line, int? start, int? end, double? time, string? error)
    {
        if (error is not null)
        {
            var e = Assert.ThrowsAny<DateConversionException>(() => detector.Find(line, now));
            Assert.Equal(error, e.PythonError);
            return;
        }
        var hit = detector.Find(line, now);
        if (start is null)
        {
            Assert.Null(hit);
            return;
        }
        Assert.NotNull(hit);
        Assert.Equal((start.Value, end!.Value, time), (hit.Value.Start, hit.Value.End, hit.Value.Time));
    }

    [Theory]
    [MemberData(nameof(SingleLineCases))]
    public void Fresh_detector_finds_what_fail2ban_finds(string patterns, double now, string? logTimeZone, string line,
        int? start, int? end, double? time, string? error)
    {
        Check(Create(patterns, logTimeZone, DateFixtures.Zurich), now, line, start, end, time, error);
    }

    public static TheoryData<string> DstZones => new() { "Europe/Zurich", "America/New_York", "Australia/Sydney" };

    /// <summary>
    /// Ambiguous and non-existent local times around DST changes, one detector fed line by line:
    /// glibc's mktime answers an ambiguous time according to the offset of its previous result.
    /// </summary>
    [Theory]
    [MemberData(nameof(DstZones))]
    public void Dst_traps_follow_glibc_mktime(string zoneId)
    {
        var rows = zoneId switch
        {
            "Europe/Zurich" => DstZurich,
            "America/New_York" => DstNewYork,
            _ => DstSydney,
        };
        RunSequence(rows, TimeZoneInfo.FindSystemTimeZoneById(zoneId));
    }

    /// <summary>
    /// Lines sharing their date text: the detector may reuse the previous line's result only when
    /// fail2ban would find exactly the same (same place, same surrounding characters, same clock).
    /// </summary>
    [Fact]
    public void Repeated_dates_give_what_fail2ban_gives()
    {
        RunSequence(Repeats, DateFixtures.Zurich);
    }

    /// <summary>
    /// A repeated date must be converted again as soon as "now" changes one of fail2ban's
    /// now-dependent decisions (assumed day and year, yesterday, last year).
    /// </summary>
    [Fact]
    public void Repeated_dates_follow_a_moving_now()
    {
        RunSequence(NowFlips, DateFixtures.Zurich);
    }

    private static void RunSequence(object?[][] rows, TimeZoneInfo zone)
    {
        DateDetector? detector = null;
        foreach (var r in rows)
        {
            var patterns = (string)r[0]!;
            if (patterns != "+")
            {
                detector = Create(patterns, (string?)r[2], zone);
            }
            Check(detector!, (double)r[1]!, (string)r[3]!, (int?)r[4], (int?)r[5], (double?)r[6], (string?)r[7]);
        }
    }

    [Fact]
    public void Unknown_zone_abbreviation_names_it()
    {
        var d = Create("-", null, DateFixtures.Zurich);
        var e = Assert.Throws<UnknownTimeZoneAbbreviationException>(() => d.Find("XYZ Apr 16 21:05:29 monit", DateFixtures.SampleNow));
        Assert.Equal(("XYZ", "KeyError"), (e.Abbreviation, e.PythonError));
    }
}

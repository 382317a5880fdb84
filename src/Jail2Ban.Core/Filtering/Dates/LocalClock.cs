namespace Jail2Ban.Core.Filtering.Dates;

/// <summary>
/// Naive local time ↔ epoch for one time zone, the way fail2ban gets it from Python/glibc:
/// <c>datetime.fromtimestamp</c> for "now", and <c>time.mktime</c> with <c>tm_isdst = -1</c> for dates
/// without a zone (spec §3.4 step 5).
/// </summary>
/// <remarks>
/// glibc's mktime keeps a hint, the UTC offset of its previous result, and starts its search from
/// it. For an <b>ambiguous</b> local time (DST → standard overlap) that hint decides the answer
/// (observed in Europe/Zurich: a fresh process reads 2005-10-30 02:30 as CET; right after a CEST
/// date it reads CEST). The hint is process-global in glibc; here it is per instance (one per
/// detector), which is exact for a single filter such as fail2ban-regex runs. A <b>non-existent</b>
/// local time (spring-forward gap) is read with the offset in force before the transition,
/// whatever the hint (observed). Not thread-safe: one per detector.
/// </remarks>
internal sealed class LocalClock
{
    private static readonly long EpochTicks = DateTime.UnixEpoch.Ticks;

    private readonly TimeZoneInfo zone;
    private readonly bool fixedOffset;
    // glibc's localtime_offset: starts at 0, then the offset of the last mktime result.
    private TimeSpan hint = TimeSpan.Zero;
    // One-day cache of "this naive day has a single offset" (dates of a log come in order).
    private long cachedDay = long.MinValue;
    private TimeSpan cachedDayOffset;
    // "now" is often the same for consecutive lines.
    private double cachedNow = double.NaN;
    private DateTime cachedNaiveNow;

    internal LocalClock(TimeZoneInfo zone)
    {
        this.zone = zone;
        fixedOffset = LogTimeZone.IsFixedOffset(zone);
    }

    internal TimeZoneInfo Zone => zone;

    /// <summary>Python <c>datetime.fromtimestamp(now)</c>: naive local time, microsecond precision.</summary>
    internal DateTime NaiveNow(double now)
    {
        if (now == cachedNow)
        {
            return cachedNaiveNow;
        }
        long micros = (long)Math.Round(now * 1e6, MidpointRounding.ToEven);
        var utc = new DateTime(EpochTicks + micros * 10, DateTimeKind.Utc);
        var naive = DateTime.SpecifyKind(utc + zone.GetUtcOffset(utc), DateTimeKind.Unspecified);
        cachedNow = now;
        cachedNaiveNow = naive;
        return naive;
    }

    /// <summary><c>time.mktime(naive.timetuple())</c>: epoch seconds of a naive local time.</summary>
    internal double ToEpoch(DateTime naive)
    {
        var offset = OffsetFor(naive);
        hint = offset;
        return (naive.Ticks - offset.Ticks - EpochTicks) / (double)TimeSpan.TicksPerSecond;
    }

    private TimeSpan OffsetFor(DateTime naive)
    {
        if (fixedOffset)
        {
            return zone.BaseUtcOffset;
        }
        long day = naive.Ticks / TimeSpan.TicksPerDay;
        if (day == cachedDay)
        {
            return cachedDayOffset;
        }
        if (zone.IsAmbiguousTime(naive))
        {
            return Ambiguous(naive);
        }
        if (zone.IsInvalidTime(naive))
        {
            // The gap: the offset before the transition (a few hours earlier is still before it).
            return zone.GetUtcOffset(naive.AddHours(-12));
        }
        var offset = zone.GetUtcOffset(naive);
        // Cache the day when its start and end have this offset and neither is in a transition.
        var start = new DateTime(day * TimeSpan.TicksPerDay, DateTimeKind.Unspecified);
        var end = start.AddDays(1).AddTicks(-1);
        if (zone.GetUtcOffset(start) == offset && zone.GetUtcOffset(end) == offset
            && !zone.IsAmbiguousTime(start) && !zone.IsAmbiguousTime(end)
            && !zone.IsInvalidTime(start) && !zone.IsInvalidTime(end))
        {
            cachedDay = day;
            cachedDayOffset = offset;
        }
        return offset;
    }

    private TimeSpan Ambiguous(DateTime naive)
    {
        // glibc: start from the hint, then move by the difference between the wanted and the
        // obtained local time until they agree.
        long t = naive.Ticks - hint.Ticks;
        for (int probe = 0; probe < 6; probe++)
        {
            if (t < DateTime.MinValue.Ticks || t > DateTime.MaxValue.Ticks)
            {
                break;
            }
            var off = zone.GetUtcOffset(new DateTime(t, DateTimeKind.Utc));
            long local = t + off.Ticks;
            if (local == naive.Ticks)
            {
                return off;
            }
            t += naive.Ticks - local;
        }
        var offsets = zone.GetAmbiguousTimeOffsets(naive);
        return offsets.Max();
    }
}

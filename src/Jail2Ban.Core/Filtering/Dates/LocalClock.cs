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
    // Naive days known to have a single offset (no transition inside), with that offset.
    private readonly Dictionary<long, TimeSpan> cleanDays = [];
    private const int MaxCleanDays = 4096;
    // UTC quarter-hours known to have a single offset, for "now" (it changes on every line).
    private long nowQuarter = long.MinValue;
    private TimeSpan nowQuarterOffset;

    internal LocalClock(TimeZoneInfo zone)
    {
        this.zone = zone;
        fixedOffset = LogTimeZone.IsFixedOffset(zone);
    }

    internal TimeZoneInfo Zone => zone;

    /// <summary>Python <c>datetime.fromtimestamp(now)</c>: naive local time, microsecond precision.</summary>
    internal DateTime NaiveNow(double now)
    {
        long micros = (long)Math.Round(now * 1e6, MidpointRounding.ToEven);
        long utcTicks = EpochTicks + micros * 10;
        if (utcTicks < 0 || utcTicks > DateTime.MaxValue.Ticks)
        {
            utcTicks = Math.Clamp(utcTicks, 0, DateTime.MaxValue.Ticks);
        }
        const long Quarter = TimeSpan.TicksPerMinute * 15;
        long q = utcTicks / Quarter;
        TimeSpan offset;
        if (q == nowQuarter)
        {
            offset = nowQuarterOffset;
        }
        else
        {
            offset = zone.GetUtcOffset(new DateTime(utcTicks, DateTimeKind.Utc));
            long qStart = q * Quarter;
            long qEnd = Math.Min(qStart + Quarter - 1, DateTime.MaxValue.Ticks);
            if (zone.GetUtcOffset(new DateTime(qStart, DateTimeKind.Utc)) == offset
                && zone.GetUtcOffset(new DateTime(qEnd, DateTimeKind.Utc)) == offset)
            {
                nowQuarter = q;
                nowQuarterOffset = offset;
            }
        }
        long local = Math.Clamp(utcTicks + offset.Ticks, 0, DateTime.MaxValue.Ticks);
        return new DateTime(local, DateTimeKind.Unspecified);
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
        if (cleanDays.TryGetValue(day, out var known))
        {
            return known;
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
            if (cleanDays.Count >= MaxCleanDays)
            {
                cleanDays.Clear();
            }
            cleanDays[day] = offset;
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

using System.Globalization;
using System.Text.RegularExpressions;

namespace Jail2Ban.Core.Filtering.Dates;

/// <summary>
/// Matched date fields → epoch seconds, as fail2ban's strptime variant does (spec §3.4).
/// Returns null where fail2ban raises ValueError (invalid date: the line has "no date");
/// throws <see cref="DateConversionException"/> where it raises KeyError/TypeError.
/// </summary>
internal static class StrptimeConverter
{
    private static readonly string[] AbbrMonths = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    private static readonly string[] FullMonths = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];
    private static readonly string[] AbbrDays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    private static readonly string[] FullDays = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

    /// <param name="template">The pattern template that matched.</param>
    /// <param name="m">Its match.</param>
    /// <param name="now">The clock (epoch seconds).</param>
    /// <param name="clock">The zone of naive times (mktime) and of "now".</param>
    /// <param name="defaultOffsetMinutes">The fixed logtimezone offset, if any.</param>
    /// <param name="nowFrom">With <paramref name="nowTo"/>: the naive local "now" ticks [from, to) for which the
    /// result is the same (the whole range when it does not depend on now; empty when unknown).</param>
    /// <param name="nowTo">See <paramref name="nowFrom"/>.</param>
    internal static double? Convert(DateTemplate template, Match m, double now, LocalClock clock, int? defaultOffsetMinutes,
        out long nowFrom, out long nowTo) =>
        Convert(template, new RegexDateGroups(m), now, clock, defaultOffsetMinutes, out nowFrom, out nowTo);

    /// <summary>The same conversion from any source of the match's groups (the regex's, or the fast parser's).</summary>
    internal static double? Convert<TGroups>(DateTemplate template, TGroups groups, double now, LocalClock clock, int? defaultOffsetMinutes,
        out long nowFrom, out long nowTo) where TGroups : struct, IDateGroups
    {
        nowFrom = long.MinValue;
        nowTo = long.MaxValue;
        int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
        bool hasYear = false, hasMonth = false, hasDay = false;
        int? tzOffset = null, weekday = null, julian = null, weekOfYear = null;
        bool weekStartsMonday = false;

        foreach (var (field, group) in template.Fields)
        {
            if (!groups.TryGet(group, out var v))
            {
                continue;
            }
            int x;
            switch (field)
            {
                case DateField.y:
                    if (!TryInt(v, out x))
                    {
                        return null;
                    }
                    // fail2ban keeps two-digit years in this century: even "99" is 2099.
                    year = x <= 2000 ? x + 2000 : x;
                    hasYear = true;
                    break;
                case DateField.Y:
                    if (!TryInt(v, out year))
                    {
                        return null;
                    }
                    hasYear = true;
                    break;
                case DateField.m:
                    if (!TryInt(v, out month))
                    {
                        return null;
                    }
                    hasMonth = true;
                    break;
                case DateField.B:
                case DateField.b:
                    month = IndexOf(field == DateField.b ? AbbrMonths : FullMonths, v) + 1;
                    if (month == 0)
                    {
                        return null;
                    }
                    hasMonth = true;
                    break;
                case DateField.d:
                    if (!TryInt(v, out day))
                    {
                        return null;
                    }
                    hasDay = true;
                    break;
                case DateField.H:
                    if (!TryInt(v, out hour))
                    {
                        return null;
                    }
                    break;
                case DateField.I:
                    if (!TryInt(v, out hour))
                    {
                        return null;
                    }
                    var p = template.AmPmGroup >= 0 && groups.TryGet(template.AmPmGroup, out var pv) ? pv : [];
                    if (p.IsEmpty || p.Equals("am", StringComparison.OrdinalIgnoreCase))
                    {
                        if (hour == 12)
                        {
                            hour = 0; // 12 AM is midnight
                        }
                    }
                    else if (p.Equals("pm", StringComparison.OrdinalIgnoreCase) && hour != 12)
                    {
                        hour += 12;
                    }
                    break;
                case DateField.M:
                    if (!TryInt(v, out minute))
                    {
                        return null;
                    }
                    break;
                case DateField.S:
                    if (!TryInt(v, out second))
                    {
                        return null;
                    }
                    break;
                case DateField.A:
                case DateField.a:
                    x = IndexOf(field == DateField.a ? AbbrDays : FullDays, v);
                    if (x < 0)
                    {
                        return null;
                    }
                    weekday = x;
                    break;
                case DateField.w:
                    if (!TryInt(v, out x))
                    {
                        return null;
                    }
                    weekday = x - 1 < 0 ? 6 : x - 1;
                    break;
                case DateField.j:
                    if (!TryInt(v, out x))
                    {
                        return null;
                    }
                    julian = x;
                    break;
                case DateField.U:
                case DateField.W:
                    if (!TryInt(v, out x))
                    {
                        return null;
                    }
                    weekOfYear = x;
                    weekStartsMonday = field == DateField.W;
                    break;
                case DateField.z:
                case DateField.Z:
                    if (v is "Z" or "UTC" or "GMT")
                    {
                        tzOffset = 0;
                        break;
                    }
                    switch (LogTimeZone.TryParseFixedOffset(v, out x, out var bad))
                    {
                        case LogTimeZone.ZoneParse.Ok:
                            tzOffset = x;
                            break;
                        case LogTimeZone.ZoneParse.Invalid:
                            return null;
                        default:
                            throw new UnknownTimeZoneAbbreviationException(bad!);
                    }
                    break;
                default:
                    break; // f (fraction) is ignored: strptime templates give whole seconds
            }
        }

        DateTime nowNaive = default;
        bool haveNow = false;
        // From here on the result may depend on now: an empty validity range until it is known.
        nowFrom = nowTo = 0;
        bool assumeYear = false;
        int assumedYear = 0;
        if (!hasYear)
        {
            nowNaive = clock.NaiveNow(now);
            haveNow = true;
            year = nowNaive.Year;
            assumedYear = year;
            assumeYear = true;
        }
        if (!hasMonth || !hasDay)
        {
            if (julian is null && weekOfYear is not null && weekday is not null)
            {
                julian = JulianFromWeek(year, weekOfYear.Value, weekday.Value, weekStartsMonday);
                if (julian is null)
                {
                    return null;
                }
            }
            if (julian is not null)
            {
                if (year is < 1 or > 9999)
                {
                    return null;
                }
                long ordinal = new DateTime(year, 1, 1).Ticks / TimeSpan.TicksPerDay + (julian.Value - 1);
                if (ordinal < 0 || ordinal > DateTime.MaxValue.Ticks / TimeSpan.TicksPerDay)
                {
                    return null;
                }
                var jd = new DateTime(ordinal * TimeSpan.TicksPerDay);
                year = jd.Year;
                month = jd.Month;
                day = jd.Day;
                hasMonth = hasDay = true;
            }
        }
        bool assumeToday = false;
        if (!hasMonth && !hasDay)
        {
            if (!haveNow)
            {
                nowNaive = clock.NaiveNow(now);
                haveNow = true;
            }
            month = nowNaive.Month;
            day = nowNaive.Day;
            assumeToday = true;
        }
        else if (!hasMonth || !hasDay)
        {
            // Only one of month/day: Python fails building the datetime with TypeError (not caught).
            throw new DateConversionException("TypeError", "The date pattern gives a month without a day or a day without a month");
        }

        if (year is < 1 or > 9999 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)
            || hour is < 0 or > 23 || minute is < 0 or > 59 || second is < 0 or > 59)
        {
            return null; // datetime() ValueError: hour 24 from %k, second 60, Feb 29...
        }
        long ticks = new DateTime(year, month, day, hour, minute, second).Ticks;
        long todayTicks = 0;

        tzOffset ??= defaultOffsetMinutes;
        if (tzOffset is not null)
        {
            ticks -= tzOffset.Value * TimeSpan.TicksPerMinute;
            if (ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks)
            {
                return null;
            }
        }
        if (assumeToday)
        {
            if (!haveNow)
            {
                nowNaive = clock.NaiveNow(now);
                haveNow = true;
            }
            todayTicks = ticks;
            if (ticks > nowNaive.Ticks)
            {
                ticks -= TimeSpan.TicksPerDay; // before midnight: yesterday
            }
        }
        long yearTicks = ticks;
        if (assumeYear)
        {
            // Year rollover: a date more than one day ahead belongs to last year. Note that with a
            // zone, fail2ban compares naive UTC with naive local now; reproduced as is.
            if (ticks > nowNaive.Ticks + TimeSpan.TicksPerDay)
            {
                var dr = new DateTime(ticks);
                int y = year - 1;
                if (y < 1 || day > DateTime.DaysInMonth(y, month))
                {
                    return null;
                }
                ticks = new DateTime(y, month, day).Ticks + dr.TimeOfDay.Ticks;
            }
        }
        if (haveNow)
        {
            NowValidity(nowNaive, assumeYear, assumedYear, assumeToday, todayTicks, yearTicks, out nowFrom, out nowTo);
        }
        else
        {
            nowFrom = long.MinValue;
            nowTo = long.MaxValue;
        }
        if (tzOffset is not null)
        {
            return (ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerSecond;
        }
        return clock.ToEpoch(new DateTime(ticks, DateTimeKind.Unspecified));
    }

    /// <summary>
    /// The naive "now" values for which every now-dependent decision above comes out the same: the
    /// assumed year and day, "later than now" (yesterday) and "more than a day ahead" (last year).
    /// </summary>
    private static void NowValidity(DateTime nowNaive, bool assumeYear, int assumedYear, bool assumeToday,
        long todayTicks, long yearTicks, out long from, out long to)
    {
        from = long.MinValue;
        to = long.MaxValue;
        if (assumeYear)
        {
            from = new DateTime(assumedYear, 1, 1).Ticks;
            to = assumedYear < 9999 ? new DateTime(assumedYear + 1, 1, 1).Ticks : long.MaxValue;
        }
        if (assumeToday)
        {
            from = Math.Max(from, nowNaive.Date.Ticks);
            to = Math.Min(to, nowNaive.Date.Ticks + TimeSpan.TicksPerDay);
            // was "todayTicks > now" true?
            if (todayTicks > nowNaive.Ticks)
            {
                to = Math.Min(to, todayTicks);
            }
            else
            {
                from = Math.Max(from, todayTicks);
            }
        }
        if (assumeYear)
        {
            long limit = yearTicks - TimeSpan.TicksPerDay; // "yearTicks > now + 1 day" ⇔ now < limit
            if (nowNaive.Ticks < limit)
            {
                to = Math.Min(to, limit);
            }
            else
            {
                from = Math.Max(from, limit);
            }
        }
    }

    /// <summary>Python's <c>_calc_julian_from_U_or_W</c>.</summary>
    private static int? JulianFromWeek(int year, int weekOfYear, int dayOfWeek, bool weekStartsMonday)
    {
        if (year is < 1 or > 9999)
        {
            return null;
        }
        int firstWeekday = ((int)new DateTime(year, 1, 1).DayOfWeek + 6) % 7; // Monday = 0
        if (!weekStartsMonday)
        {
            firstWeekday = (firstWeekday + 1) % 7;
            dayOfWeek = (dayOfWeek + 1) % 7;
        }
        int week0Length = (7 - firstWeekday) % 7;
        if (weekOfYear == 0)
        {
            return 1 + dayOfWeek - firstWeekday;
        }
        return 1 + week0Length + 7 * (weekOfYear - 1) + dayOfWeek;
    }

    private static int IndexOf(string[] names, ReadOnlySpan<char> value)
    {
        for (int i = 0; i < names.Length; i++)
        {
            if (value.Equals(names[i], StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>Python <c>int(text)</c> for the digit groups: surrounding whitespace, Unicode decimal digits.</summary>
    internal static bool TryInt(ReadOnlySpan<char> v, out int value)
    {
        value = 0;
        v = v.Trim();
        if (v.IsEmpty || v.Length > 9)
        {
            return false;
        }
        foreach (char c in v)
        {
            int d = c is >= '0' and <= '9' ? c - '0' : CharUnicodeInfo.GetDecimalDigitValue(c);
            if (d < 0)
            {
                return false;
            }
            value = value * 10 + d;
        }
        return true;
    }
}

/// <summary>The groups of a date template's match, by .NET group number.</summary>
internal interface IDateGroups
{
    /// <summary>False when the group did not take part in the match.</summary>
    bool TryGet(int group, out ReadOnlySpan<char> value);
}

/// <summary>The groups of a regex match.</summary>
internal readonly struct RegexDateGroups(Match match) : IDateGroups
{
    public bool TryGet(int group, out ReadOnlySpan<char> value)
    {
        var g = match.Groups[group];
        value = g.Success ? g.ValueSpan : default;
        return g.Success;
    }
}

/// <summary>The groups found by <see cref="FastDateParser"/> in <paramref name="line"/>.</summary>
internal readonly struct FastDateGroups(string line, DateCaptures captures) : IDateGroups
{
    public bool TryGet(int group, out ReadOnlySpan<char> value)
    {
        int s = (uint)group < (uint)captures.Start.Length ? captures.Start[group] : -1;
        value = s >= 0 ? line.AsSpan(s, captures.End[group] - s) : default;
        return s >= 0;
    }
}

using System.Globalization;

namespace Jail2Ban.Core.Time;

/// <summary>
/// Date rendering of fail2ban messages (<c>MyTime.time2str</c>): local time
/// <c>YYYY-MM-DD HH:MM:SS</c> without fraction; anything from 253402214400 on (end of year
/// 9999 in the easternmost zone) is <c>9999-12-31 23:59:59</c>.
/// </summary>
public static class TimeFormat
{
    /// <summary>Timestamps at or beyond this are shown as the end of year 9999.</summary>
    public const double MaxRenderable = 253402214400;

    /// <summary>End of ban of a permanent ban (fail2ban's Ticket.MAX_TIME).</summary>
    public const double MaxTime = 0x7FFFFFFFFFFF;

    public static string ToDateTimeString(double unixTime, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        if (double.IsNaN(unixTime) || unixTime >= MaxRenderable)
        {
            return "9999-12-31 23:59:59";
        }

        // Python's fromtimestamp rounds to microseconds (half-even) before the fraction is dropped.
        var micros = Math.Round(unixTime * 1e6, MidpointRounding.ToEven);
        var seconds = (long)Math.Floor(micros / 1e6);
        if (seconds < -62135596800)
        {
            seconds = -62135596800;
        }

        var utc = DateTimeOffset.FromUnixTimeSeconds(seconds);
        var local = TimeZoneInfo.ConvertTime(utc, zone);
        return local.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
    }

    public static string ToDateTimeString(double unixTime) => ToDateTimeString(unixTime, TimeZoneInfo.Local);

    /// <summary>Seconds since the epoch (with fraction) of the provider's current time.</summary>
    public static double Now(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        return time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;
    }
}

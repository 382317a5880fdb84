using System.Globalization;
using Jail2Ban.Core.Net;
using Jail2Ban.Core.Time;

namespace Jail2Ban.Core.Banning;

/// <summary>
/// The message texts fail2ban logs for failures and bans (without the log line prefix of
/// spec §0.4). They are an operator interface — the recidive filter matches
/// <c>] Ban &lt;ip&gt;</c> — so they are built in one place and tested byte for byte.
/// Level in fail2ban noted per method.
/// </summary>
public static class BanLogText
{
    /// <summary>INFO: <c>[jail] Found ip - 2026-11-22 05:55:20</c>.</summary>
    public static string Found(string jail, IPAddr id, double time, TimeZoneInfo zone) =>
        $"[{jail}] Found {id} - {TimeFormat.ToDateTimeString(time, zone)}";

    /// <summary>INFO: <c>[jail] Attempt ip - time</c> (<c>set jail attempt</c>).</summary>
    public static string Attempt(string jail, IPAddr id, double time, TimeZoneInfo zone) =>
        $"[{jail}] Attempt {id} - {TimeFormat.ToDateTimeString(time, zone)}";

    /// <summary>INFO: <c>[jail] Ignore ip by ip|dns|ignoreself rule|command</c>.</summary>
    public static string Ignore(string jail, IPAddr id, string source) => $"[{jail}] Ignore {id} by {source}";

    /// <summary>NOTICE: <c>[jail] Ban ip</c> / <c>[jail] Restore Ban ip</c>.</summary>
    public static string Ban(string jail, IPAddr id, bool restored) => $"[{jail}] {(restored ? "Restore " : string.Empty)}Ban {id}";

    /// <summary>NOTICE: <c>[jail] Unban ip</c>.</summary>
    public static string Unban(string jail, IPAddr id) => $"[{jail}] Unban {id}";

    /// <summary>INFO: <c>[jail] Ignore ip, expired bantime</c>.</summary>
    public static string ExpiredBantime(string jail, IPAddr id) => $"[{jail}] Ignore {id}, expired bantime";

    /// <summary><c>[jail] ip already banned</c>; DEBUG if the failure is &lt; 3 s after the ban,
    /// NOTICE if &lt; 60 s, else WARNING (see <see cref="AlreadyBannedLevel"/>).</summary>
    public static string AlreadyBanned(string jail, IPAddr id) => $"[{jail}] {id} already banned";

    /// <summary>0 = DEBUG, 1 = NOTICE, 2 = WARNING for a failure <paramref name="secondsAfterBan"/> after the ban.</summary>
    public static int AlreadyBannedLevel(double secondsAfterBan) => secondsAfterBan < 3 ? 0 : secondsAfterBan < 60 ? 1 : 2;

    /// <summary>INFO: <c>[jail] IP ip is bad: 1 # last time - incr 5s to 10s</c>.</summary>
    public static string IsBad(string jail, IPAddr id, BanHistory history, PyNumber oldBanTime, PyNumber newBanTime, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(history);
        return $"[{jail}] IP {id} is bad: {history.BanCount.ToString(CultureInfo.InvariantCulture)} # last {TimeFormat.ToDateTimeString(history.TimeOfBan, zone)} - incr {TimeSpec.SecondsToString(oldBanTime)} to {TimeSpec.SecondsToString(newBanTime)}";
    }

    /// <summary>NOTICE: <c>[jail] Increase Ban ip (2 # 10s -> 2026-11-22 05:55:30)</c>.</summary>
    public static string IncreaseBan(string jail, IPAddr id, int banCount, BanFoundOutcome outcome, double ticketTime, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var (dur, end) = outcome.Describe(ticketTime, zone);
        return $"[{jail}] Increase Ban {id} ({banCount.ToString(CultureInfo.InvariantCulture)} # {dur} -> {end})";
    }

    /// <summary>
    /// INFO: <c>[jail] Found ip, bad - time, 2 # -> 3.0, Ban</c>. fail2ban computes the target as
    /// a float (<c>2^n/2 + 1</c>) unless maxretry is smaller, when it prints maxretry as an int.
    /// </summary>
    public static string FoundBad(string jail, IPAddr id, double time, int banCount, int targetRetry, int maxRetry, TimeZoneInfo zone)
    {
        var n = banCount < 20 ? banCount : 20;
        var raw = (1L << Math.Max(0, n)) / 2.0 + 1;
        var shown = raw <= maxRetry ? PyNumber.FormatFloat(raw) : targetRetry.ToString(CultureInfo.InvariantCulture);
        return $"[{jail}] Found {id}, bad - {TimeFormat.ToDateTimeString(time, zone)}, {banCount.ToString(CultureInfo.InvariantCulture)} # -> {shown}{(targetRetry >= maxRetry ? ", Ban" : string.Empty)}";
    }
}

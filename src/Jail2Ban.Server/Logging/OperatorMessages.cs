using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Jail2Ban.Server.Logging;

/// <summary>
/// The log messages that are an operator interface: the recidive filter and external tools parse
/// them, so they are built in one place, byte for byte as fail2ban writes them. Bans, unbans,
/// rebans and flushes are NOTICE on <c>fail2ban.actions</c>; "Found" is INFO on <c>fail2ban.filter</c>.
/// </summary>
public static class OperatorMessages
{
    public const string ActionsLogger = "fail2ban.actions";
    public const string FilterLogger = "fail2ban.filter";

    /// <summary><c>[jail] Ban ip</c>, or <c>[jail] Restore Ban ip</c> for a ban restored from the database.</summary>
    public static string Ban(string jail, string ip, bool restored = false) => $"[{jail}] {(restored ? "Restore " : "")}Ban {ip}";

    /// <summary><c>[jail] Unban ip</c> (fail2ban 1.0.2 also uses it at stop; 1.1 says "Repeal Ban").</summary>
    public static string Unban(string jail, string ip) => $"[{jail}] Unban {ip}";

    /// <summary><c>[jail] Reban ip</c>, with <c>, action 'name'</c> when exactly one action is re-run.</summary>
    public static string Reban(string jail, string ip, string? singleAction = null) =>
        $"[{jail}] Reban {ip}{(singleAction is null ? "" : $", action '{singleAction}'")}";

    /// <summary><c>[jail] ip already banned</c> (level: DEBUG &lt; 3 s after the ban, NOTICE &lt; 60 s, else WARNING).</summary>
    public static string AlreadyBanned(string jail, string ip) => $"[{jail}] {ip} already banned";

    public static int AlreadyBannedLevel(TimeSpan sinceBan) =>
        sinceBan.TotalSeconds < 3 ? LogLevels.Debug : sinceBan.TotalSeconds < 60 ? LogLevels.Notice : LogLevels.Warning;

    /// <summary><c>[jail] Flush ticket(s) with action</c>.</summary>
    public static string FlushTickets(string jail, string action) => $"[{jail}] Flush ticket(s) with {action}";

    /// <summary><c>[jail] Ignore ip by source</c> (INFO, filter).</summary>
    public static string Ignore(string jail, string ip, string source) => $"[{jail}] Ignore {ip} by {source}";

    /// <summary><c>[jail] Found ip - YYYY-MM-DD HH:MM:SS</c> in local time, without fraction.</summary>
    public static string Found(string jail, string ip, DateTimeOffset time, TimeZoneInfo zone) =>
        $"[{jail}] Found {ip} - {TimeToString(time, zone)}";

    /// <summary>fail2ban's time2str: local time, seconds precision, capped at 9999-12-31 23:59:59.</summary>
    public static string TimeToString(DateTimeOffset time, TimeZoneInfo zone)
    {
        if (time.ToUnixTimeSeconds() >= 253402214400)
        {
            return "9999-12-31 23:59:59";
        }
        return TimeZoneInfo.ConvertTime(time, zone).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
    }

    public static void LogBan(this ILogger logger, string jail, string ip, bool restored = false) => logger.LogNotice(Ban(jail, ip, restored));

    public static void LogUnban(this ILogger logger, string jail, string ip) => logger.LogNotice(Unban(jail, ip));

    public static void LogFound(this ILogger logger, string jail, string ip, DateTimeOffset time, TimeZoneInfo zone) =>
        logger.Log(LogLevel.Information, default, Found(jail, ip, time, zone), null, static (s, _) => s);
}

using System.Globalization;

namespace Jail2Ban.Server.Logging;

/// <summary>
/// fail2ban's numeric log levels (Python logging plus NOTICE, MSG, TRACEDEBUG, HEAVYDEBUG) and
/// the names it prints for them. Levels are plain ints because fail2ban accepts any number.
/// </summary>
public static class LogLevels
{
    public const int NotSet = 0;
    public const int HeavyDebug = 5;
    public const int TraceDebug = 7;
    public const int Debug = 10;
    public const int Msg = 18;
    public const int Info = 20;
    public const int Notice = 25;
    public const int Warning = 30;
    public const int Error = 40;
    public const int Critical = 50;

    /// <summary>The level name as it appears in a log line (Python's levelname).</summary>
    public static string Name(int level) => level switch
    {
        Critical => "CRITICAL",
        Error => "ERROR",
        Warning => "WARNING",
        Notice => "NOTICE",
        Info => "INFO",
        Msg => "MSG",
        Debug => "DEBUG",
        TraceDebug => "TRACE",
        HeavyDebug => "HEAVY",
        NotSet => "NOTSET",
        // fail2ban registers short names for every unnamed level below 50 so that the
        // padded level column is not cut to "Level 2".
        > 0 and < 50 => "#" + level.ToString("00", CultureInfo.InvariantCulture) + "-Lev.",
        _ => "Level " + level.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// fail2ban's str2LogLevel: digits are taken as a number, anything else as a level name
    /// (case-insensitive). Unknown names fail with fail2ban's message.
    /// </summary>
    public static bool TryParse(string value, out int level, out string? error)
    {
        error = null;
        level = 0;
        if (value.Length > 0 && value.All(char.IsAsciiDigit))
        {
            if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out level))
            {
                return true;
            }
            error = $"Invalid log level '{value}'";
            return false;
        }
        int? known = value.ToUpperInvariant() switch
        {
            "CRITICAL" or "FATAL" => Critical,
            "ERROR" => Error,
            "WARNING" or "WARN" => Warning,
            "NOTICE" => Notice,
            "INFO" => Info,
            "MSG" => Msg,
            "DEBUG" => Debug,
            "TRACEDEBUG" => TraceDebug,
            "HEAVYDEBUG" => HeavyDebug,
            "NOTSET" => NotSet,
            _ => null,
        };
        if (known is null)
        {
            error = $"Invalid log level '{value}'";
            return false;
        }
        level = known.Value;
        return true;
    }

    /// <summary>syslog severity as Python's SysLogHandler maps a level name (unknown names → warning).</summary>
    internal static int SyslogSeverity(string levelName) => levelName switch
    {
        "DEBUG" => 7,
        "INFO" => 6,
        "NOTICE" => 5,
        "WARNING" => 4,
        "ERROR" => 3,
        "CRITICAL" => 2,
        _ => 4,
    };

    /// <summary>journald PRIORITY for a level (NOTICE keeps its own priority 5).</summary>
    internal static int JournalPriority(int level) => level switch
    {
        <= Debug => 7,
        <= Info => 6,
        Notice => 5,
        <= Warning => 4,
        <= Error => 3,
        _ => 2,
    };
}

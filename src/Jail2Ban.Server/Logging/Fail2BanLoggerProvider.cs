using Microsoft.Extensions.Logging;

namespace Jail2Ban.Server.Logging;

/// <summary>
/// Event ids that carry a fail2ban level Microsoft.Extensions.Logging has no name for. Log with
/// one of them (or the <see cref="Fail2BanLoggerExtensions"/> helpers, or a
/// <c>[LoggerMessage(EventId = 25, EventName = "NOTICE", ...)]</c>) and the provider uses the
/// fail2ban level instead of the MEL level. The event name decides; the id is informative.
/// </summary>
public static class Fail2BanEvents
{
    public static readonly EventId Notice = new(LogLevels.Notice, "NOTICE");
    public static readonly EventId Msg = new(LogLevels.Msg, "MSG");
    public static readonly EventId TraceDebug = new(LogLevels.TraceDebug, "TRACE");
    public static readonly EventId HeavyDebug = new(LogLevels.HeavyDebug, "HEAVY");

    internal static int? LevelOf(EventId id) => id.Name switch
    {
        "NOTICE" => LogLevels.Notice,
        "MSG" => LogLevels.Msg,
        "TRACE" or "TRACEDEBUG" => LogLevels.TraceDebug,
        "HEAVY" or "HEAVYDEBUG" => LogLevels.HeavyDebug,
        _ => null,
    };

    internal static int FromMel(LogLevel level) => level switch
    {
        LogLevel.Trace => LogLevels.TraceDebug,
        LogLevel.Debug => LogLevels.Debug,
        LogLevel.Information => LogLevels.Info,
        LogLevel.Warning => LogLevels.Warning,
        LogLevel.Error => LogLevels.Error,
        _ => LogLevels.Critical,
    };
}

public static class Fail2BanLoggerExtensions
{
    /// <summary>A NOTICE line (bans, unbans and "Found" use it; recidive parses them).</summary>
    public static void LogNotice(this ILogger logger, string message) =>
        logger.Log(LogLevel.Information, Fail2BanEvents.Notice, message, null, static (s, _) => s);

    /// <summary>A MSG (18) line: hidden at the default INFO level.</summary>
    public static void LogMsg(this ILogger logger, string message) =>
        logger.Log(LogLevel.Information, Fail2BanEvents.Msg, message, null, static (s, _) => s);

    public static void LogHeavyDebug(this ILogger logger, string message) =>
        logger.Log(LogLevel.Trace, Fail2BanEvents.HeavyDebug, message, null, static (s, _) => s);
}

/// <summary>
/// Routes Microsoft.Extensions.Logging into <see cref="ServerLog"/>. Use category names in
/// fail2ban's form (<c>fail2ban.actions</c>, <c>fail2ban.filter</c>...) because they are
/// printed as the logger column. Framework categories (<c>Microsoft.*</c>) are kept only from
/// Warning up so the log reads like fail2ban's.
/// </summary>
[ProviderAlias("Fail2Ban")]
public sealed class Fail2BanLoggerProvider(ServerLog log) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Logger(log, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(ServerLog log, string category) : ILogger
    {
        private readonly bool _framework = category.StartsWith("Microsoft.", StringComparison.Ordinal)
            || category.StartsWith("System.", StringComparison.Ordinal);

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        // MEL asks before it knows the event id, so answer for the highest fail2ban level the MEL
        // level can carry (Information may be MSG, INFO or NOTICE); Log() then filters exactly.
        public bool IsEnabled(LogLevel logLevel) => logLevel switch
        {
            LogLevel.None => false,
            LogLevel.Information => !_framework && log.IsEnabled(LogLevels.Notice),
            LogLevel.Trace => !_framework && log.IsEnabled(LogLevels.TraceDebug),
            LogLevel.Debug => !_framework && log.IsEnabled(LogLevels.Debug),
            _ => log.IsEnabled(Fail2BanEvents.FromMel(logLevel)),
        };

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }
            var level = Fail2BanEvents.LevelOf(eventId) ?? Fail2BanEvents.FromMel(logLevel);
            var message = formatter(state, exception);
            if (exception is not null)
            {
                // Python appends the traceback on the following lines.
                message = message + "\n" + exception;
            }
            log.Log(category, level, message);
        }
    }
}

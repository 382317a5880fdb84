using Jail2Ban.Core.Actions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Jail2Ban.Server.Actions;

/// <summary>Wiring of the action layer into the server's host.</summary>
internal static partial class ActionServices
{
    /// <summary>Registers the shell runner as the <see cref="IActionRunner"/> (tests replace it with
    /// <see cref="RecordingActionRunner"/>).</summary>
    public static IServiceCollection AddActionRunner(this IServiceCollection services, ActionRunnerOptions? options = null)
    {
        services.AddSingleton(options ?? new ActionRunnerOptions());
        services.AddSingleton<ShellActionRunner>(sp => new ShellActionRunner(
            sp.GetRequiredService<ActionRunnerOptions>(), sp.GetService<ILogger<ShellActionRunner>>()));
        services.AddSingleton<IActionRunner>(sp => sp.GetRequiredService<ShellActionRunner>());
        return services;
    }

    /// <summary>Maps the action layer's log lines onto a logger (NOTICE has no .NET level: Information).</summary>
    public static ActionLogSink ToSink(this ILogger logger) => (level, message) =>
    {
        switch (level)
        {
            case ActionLogLevel.Debug: LogDebug(logger, message); break;
            case ActionLogLevel.Info: LogInfo(logger, message); break;
            case ActionLogLevel.Notice: LogNotice(logger, message); break;
            case ActionLogLevel.Warning: LogWarning(logger, message); break;
            case ActionLogLevel.Error: LogError(logger, message); break;
            default: LogCritical(logger, message); break;
        }
    };

    [LoggerMessage(EventId = 4100, Level = LogLevel.Debug, Message = "{Message}")]
    private static partial void LogDebug(ILogger logger, string message);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "{Message}")]
    private static partial void LogInfo(ILogger logger, string message);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Information, Message = "{Message}")]
    private static partial void LogNotice(ILogger logger, string message);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Warning, Message = "{Message}")]
    private static partial void LogWarning(ILogger logger, string message);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Error, Message = "{Message}")]
    private static partial void LogError(ILogger logger, string message);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Critical, Message = "{Message}")]
    private static partial void LogCritical(ILogger logger, string message);
}

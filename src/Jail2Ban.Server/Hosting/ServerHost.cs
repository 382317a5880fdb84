using Jail2Ban.Server.Logging;
using Jail2Ban.Server.Logs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Jail2Ban.Server.Hosting;

/// <summary>Process-level dependencies of the host; tests replace them.</summary>
public sealed record ServerHostEnvironment(ServerLogEnvironment Log, ServerConsole Console, Func<string, string?> GetEnvironment, TimeProvider Time)
{
    public static ServerHostEnvironment Process() =>
        new(ServerLogEnvironment.Process(), ServerConsole.Process(), Environment.GetEnvironmentVariable, TimeProvider.System);
}

/// <summary>
/// Builds the server's Generic Host: fail2ban's own log as the only logging provider, signal
/// handling (TERM/INT stop, HUP reload, USR1 reopen log), sd_notify, pid file, and the seams
/// <see cref="IJailRuntime"/> and <see cref="IServerConfigurator"/> for the other areas.
/// </summary>
public static class ServerHost
{
    /// <param name="configure">Registers the real runtime/configurator (registrations made here win over the placeholders).</param>
    public static HostApplicationBuilder CreateBuilder(ServerOptions options, ServerSettings settings, ServerHostEnvironment? environment = null, Action<IServiceCollection>? configure = null)
    {
        var env = environment ?? ServerHostEnvironment.Process();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var log = CreateLog(settings, env);

        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.Logging.AddProvider(new Fail2BanLoggerProvider(log));

        var services = builder.Services;
        configure?.Invoke(services);
        services.AddSingleton(log);
        services.AddSingleton(options);
        services.AddSingleton(settings);
        services.AddSingleton(env.Console);
        services.TryAddSingleton(env.Time);
        services.AddSingleton(new SdNotify(env.GetEnvironment));
        services.AddSingleton<ServerShutdown>();
        services.AddSingleton<ServerExit>();
        services.TryAddSingleton<IJailRuntime, NullJailRuntime>();
        services.TryAddSingleton<IServerConfigurator, UnwiredConfigurator>();
        services.TryAddSingleton(sp => new LogSourceFactory(sp.GetRequiredService<ILoggerFactory>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<ServerLifecycle>();
        services.AddHostedService(sp => sp.GetRequiredService<ServerLifecycle>());
        services.AddSingleton<IHostLifetime, ServerSignals>();
        // Stopping jails runs actionstop/unban commands: give them time.
        services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMinutes(2));
        return builder;
    }

    /// <summary>The server log configured from the settings (level, syslog socket, target).</summary>
    internal static ServerLog CreateLog(ServerSettings settings, ServerHostEnvironment env)
    {
        var log = new ServerLog(env.Time, env.Log, ServerInfo.Version);
        if (!log.TrySetLevel(settings.LogLevel, out var error))
        {
            throw new ServerStartException(error!);
        }
        log.SetSyslogSocket(settings.SyslogSocket);
        if (!log.SetTarget(settings.LogTarget))
        {
            // Nothing to fall back to at start: keep messages visible on stderr.
            log.SetTarget("STDERR");
        }
        return log;
    }

    /// <summary>Runs a built host until it stops; returns the process exit code (0 or 255).</summary>
    public static async Task<int> RunAsync(IHost host, CancellationToken cancellationToken = default)
    {
        var exit = host.Services.GetRequiredService<ServerExit>();
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ServerStartException)
        {
            exit.Fail();
            await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
            return exit.Code;
        }
        await host.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        return exit.Code;
    }
}

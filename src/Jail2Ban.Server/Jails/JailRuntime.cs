using Jail2Ban.Core.Actions;
using Jail2Ban.Core.Configuration;
using Jail2Ban.Server.Actions;
using Jail2Ban.Server.Builtin;
using Jail2Ban.Server.Control;
using Jail2Ban.Server.Hosting;
using Jail2Ban.Server.Logging;
using Jail2Ban.Server.Logs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Jail2Ban.Server.Jails;

/// <summary>Registers the jail runtime in the server host (j2b-server calls this).</summary>
public static class JailRuntimeRegistration
{
    public static IServiceCollection AddJailRuntime(this IServiceCollection services)
    {
        services.TryAddSingleton<IActionRunner>(sp => new ShellActionRunner(
            new ActionRunnerOptions { UseShellWorkers = true },
            sp.GetService<ILogger<ShellActionRunner>>()));
        services.TryAddSingleton<JailRuntime>();
        services.TryAddSingleton<IJailRuntime>(sp => sp.GetRequiredService<JailRuntime>());
        services.TryAddSingleton<IServerConfigurator>(sp => sp.GetRequiredService<JailRuntime>());
        return services;
    }

    /// <summary>
    /// fail2ban.conf's [Definition] values that decide where the server runs (socket, pidfile,
    /// logtarget, loglevel, syslogsocket): the command line wins over them.
    /// </summary>
    public static IReadOnlyDictionary<string, string> ReadServerDefinition(string confDir)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        ConfigurationResult r;
        try
        {
            r = ConfigurationReader.Read(confDir, new ConfigurationReadOptions { AllowNoFiles = true });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ConfigException)
        {
            return d;
        }
        if (r.Server is { } s)
        {
            d["socket"] = s.Socket;
            d["pidfile"] = s.PidFile;
            d["logtarget"] = s.LogTarget;
            d["loglevel"] = s.LogLevel;
            d["syslogsocket"] = s.SyslogSocket;
        }
        return d;
    }
}

/// <summary>
/// The jail runtime behind the host seams: starts the control socket over a <see cref="JailManager"/>,
/// reads the configuration at start (unless --async) and on reload/SIGHUP, stops everything at exit.
/// </summary>
internal sealed class JailRuntime : IJailRuntime, IServerConfigurator, IAsyncDisposable
{
    private readonly ServerLog _log;
    private readonly ServerOptions _options;
    private readonly TimeProvider _time;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILoggerFactory _loggers;
    private readonly IActionRunner _runner;
    private readonly BuiltinActionFactory _builtins;
    private ControlListener? _listener;
    private bool _stopped;

    private readonly Hosting.ServerShutdown? _shutdown;

    public JailRuntime(ServerLog log, ServerOptions options, TimeProvider time, LogSourceFactory sources,
        IHostApplicationLifetime lifetime, ILoggerFactory loggers, IActionRunner runner, Hosting.ServerShutdown? shutdown = null)
    {
        _shutdown = shutdown;
        _log = log;
        _options = options;
        _time = time;
        _lifetime = lifetime;
        _loggers = loggers;
        _runner = runner;
        _builtins = new BuiltinActionFactory(time, loggers);
        Manager = new JailManager(new JailServices(time, log, runner, _builtins, sources), Read, Quit);
    }

    /// <summary>
    /// <c>stop</c>: like fail2ban's <c>server.quit()</c>, late requests get SHUTDOWN and every jail is
    /// stopped (unbans, actionstop) inside the command, so the reply — and the client's return —
    /// come after the actions' work; then the host stops (socket, database, pid file).
    /// </summary>
    private void Quit()
    {
        _shutdown?.Announce();
        _listener?.BeginShutdown();
        Manager.StopAllJails();
        _lifetime.StopApplication();
    }

    public JailManager Manager { get; }

    private ConfigurationResult Read(string? jail) =>
        ConfigurationReader.Read(_options.ConfDir, new ConfigurationReadOptions { Jail = jail });

    public Task StartAsync(Hosting.ServerSettings settings, CancellationToken cancellationToken)
    {
        var dispatcher = new ControlDispatcher(Manager, _time, _loggers.CreateLogger<ControlDispatcher>());
        _listener = new ControlListener(new ControlListenerOptions(settings.Socket, _options.Force), dispatcher, _loggers.CreateLogger<ControlListener>());
        try
        {
            _listener.Start();
        }
        catch (ControlSocketInUseException e)
        {
            _log.Log("fail2ban.server", LogLevels.Error, e.Message);
            throw new ServerStartException(e.Message);
        }
        return Task.CompletedTask;
    }

    public async Task<bool> ConfigureAsync(ServerOptions options, CancellationToken cancellationToken)
    {
        var config = Read(null);
        return await Manager.ApplyAsync(config, cancellationToken).ConfigureAwait(false);
    }

    /// <summary><c>-t</c>: the whole configuration read and every jail built (not started).</summary>
    public async Task<int> TestAsync(ServerOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        var config = Read(null);
        var errors = Manager.Validate(config, out var built);
        foreach (var j in built) await j.DisposeAsync().ConfigureAwait(false);
        foreach (var d in config.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Warning))
        {
            await output.WriteLineAsync(d.ToString()).ConfigureAwait(false);
        }
        foreach (var e in errors)
        {
            await output.WriteLineAsync("ERROR: " + e).ConfigureAwait(false);
        }
        if (errors.Count > 0)
        {
            await output.WriteLineAsync("ERROR: test configuration failed").ConfigureAwait(false);
            return 255;
        }
        await output.WriteLineAsync("OK: configuration test is successful").ConfigureAwait(false);
        return 0;
    }

    public Task ReloadAsync(CancellationToken cancellationToken) => Manager.ReloadAsync("--all", [], cancellationToken);

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stopped) return;
        _stopped = true;
        _listener?.BeginShutdown();
        await Manager.DisposeAsync().ConfigureAwait(false);
        if (_listener is not null) await _listener.DisposeAsync().ConfigureAwait(false);
        if (_runner is IAsyncDisposable d) await d.DisposeAsync().ConfigureAwait(false);
        _builtins.Dispose();
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);
}

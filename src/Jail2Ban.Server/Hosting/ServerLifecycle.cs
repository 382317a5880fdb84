using Jail2Ban.Server.Logging;
using Microsoft.Extensions.Hosting;

namespace Jail2Ban.Server.Hosting;

/// <summary>The exit code the process should end with (0, or 255 when start or configuration failed).</summary>
public sealed class ServerExit
{
    private int _code;

    public int Code => Volatile.Read(ref _code);

    public void Fail(int code = 255) => Interlocked.CompareExchange(ref _code, code, 0);
}

/// <summary>
/// fail2ban's start and stop sequence around the jail runtime: banner, pid file, socket-file
/// policy, runtime start, configuration (unless --async), sd_notify READY/RELOADING/STOPPING and
/// watchdog pings; at stop "Shutdown in progress...", runtime stop, "Exiting Fail2ban", pid file
/// removal.
/// </summary>
internal sealed class ServerLifecycle(
    ServerLog log,
    ServerOptions options,
    ServerSettings settings,
    IJailRuntime runtime,
    IServerConfigurator configurator,
    SdNotify notify,
    IHostApplicationLifetime lifetime,
    ServerExit exit,
    TimeProvider time,
    ServerConsole console,
    ServerShutdown shutdown) : IHostedService, IDisposable
{
    private const string Logger = "fail2ban.server";
    private readonly SemaphoreSlim _reloadLock = new(1, 1);
    private PidFile? _pidFile;
    private ITimer? _watchdog;
    private bool _started;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        log.Log(Logger, LogLevels.Info, new string('-', 50));
        log.Log(Logger, LogLevels.Info, $"Starting Fail2ban v{log.Version}");
        _pidFile = new PidFile(settings.PidFile, log);
        _pidFile.Write(console.ProcessId);
        try
        {
            SocketFilePolicy.Prepare(settings.Socket, options.Force, log);
            await runtime.StartAsync(settings, cancellationToken).ConfigureAwait(false);
        }
        catch (ServerStartException)
        {
            exit.Fail();
            _pidFile.Remove();
            _pidFile = null;
            throw;
        }
        _started = true;
        if (notify.WatchdogInterval is { } interval)
        {
            _watchdog = time.CreateTimer(_ => notify.Watchdog(), null, interval, interval);
        }
        if (!options.Async)
        {
            // fail2ban-server without --async reads jail.conf itself once the server is up.
            _ = Task.Run(() => ConfigureAsync(cancellationToken), CancellationToken.None);
            return;
        }
        notify.Ready("Jail2Ban running");
    }

    private async Task ConfigureAsync(CancellationToken cancellationToken)
    {
        bool ok;
        try
        {
            ok = await configurator.ConfigureAsync(options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.Log(Logger, LogLevels.Error, $"Configuration failed: {e.Message}");
            ok = false;
        }
        if (!ok)
        {
            exit.Fail();
            lifetime.StopApplication();
            return;
        }
        if (!options.Background)
        {
            await console.Out.WriteLineAsync("Server ready").ConfigureAwait(false);
            await console.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        notify.Ready("Jail2Ban running");
    }

    /// <summary>SIGHUP: one reload at a time, announced to systemd.</summary>
    public async Task ReloadAsync(CancellationToken cancellationToken)
    {
        await _reloadLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            notify.Reloading();
            log.Log(Logger, LogLevels.Info, "Reload requested by SIGHUP");
            await runtime.ReloadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.Log(Logger, LogLevels.Error, $"Reload failed: {e.Message}");
        }
        finally
        {
            notify.Ready("Jail2Ban running");
            _reloadLock.Release();
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _watchdog?.Dispose();
        shutdown.Announce();
        if (_started)
        {
            try
            {
                await runtime.StopAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.Log(Logger, LogLevels.Error, $"Error while stopping: {e.Message}");
            }
        }
        log.Log(Logger, LogLevels.Info, "Exiting Fail2ban");
        _pidFile?.Remove();
    }

    public void Dispose()
    {
        _watchdog?.Dispose();
        _reloadLock.Dispose();
    }
}

/// <summary>Process facts the host uses (stdout for "Server ready", the pid); replaceable in tests.</summary>
public sealed record ServerConsole(TextWriter Out, int ProcessId)
{
    public static ServerConsole Process() => new(Console.Out, Environment.ProcessId);
}

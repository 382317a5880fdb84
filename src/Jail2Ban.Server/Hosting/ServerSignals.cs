using System.Runtime.InteropServices;
using Jail2Ban.Server.Logging;
using Microsoft.Extensions.Hosting;

namespace Jail2Ban.Server.Hosting;

/// <summary>
/// The host lifetime: SIGTERM and SIGINT stop the server in order (like <c>stop</c>), SIGHUP
/// reloads, SIGUSR1 reopens the log file (<c>flushlogs</c>, for logrotate).
/// Replaces the Generic Host's console lifetime, which knows only the first two.
/// </summary>
internal sealed class ServerSignals(IHostApplicationLifetime lifetime, ServerLog log, ServerLifecycle lifecycle) : IHostLifetime, IDisposable
{
    // Not in the PosixSignal enum; raw numbers are accepted on Linux.
    internal const int SigUsr1 = 10;
    private readonly List<PosixSignalRegistration> _registrations = [];

    public Task WaitForStartAsync(CancellationToken cancellationToken)
    {
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnStop));
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, OnStop));
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnHangup));
        if (OperatingSystem.IsLinux())
        {
            _registrations.Add(PosixSignalRegistration.Create((PosixSignal)SigUsr1, OnUsr1));
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void OnStop(PosixSignalContext context)
    {
        context.Cancel = true;
        lifetime.StopApplication();
    }

    private void OnHangup(PosixSignalContext context)
    {
        context.Cancel = true;
        _ = lifecycle.ReloadAsync(CancellationToken.None);
    }

    private void OnUsr1(PosixSignalContext context)
    {
        context.Cancel = true;
        log.FlushLogs();
    }

    public void Dispose()
    {
        foreach (var r in _registrations)
        {
            r.Dispose();
        }
    }
}

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
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle));
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle));
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGHUP, Handle));
        if (OperatingSystem.IsLinux())
        {
            _registrations.Add(PosixSignalRegistration.Create((PosixSignal)SigUsr1, Handle));
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>What each signal does (the registrations call this; tests too).</summary>
    internal void Handle(PosixSignalContext context)
    {
        context.Cancel = true;
        switch (context.Signal)
        {
            case PosixSignal.SIGTERM or PosixSignal.SIGINT:
                lifetime.StopApplication();
                break;
            case PosixSignal.SIGHUP:
                // Waited for in tests through the sd_notify messages; errors are logged inside.
                _ = lifecycle.ReloadAsync(CancellationToken.None);
                break;
            case (PosixSignal)SigUsr1:
                log.FlushLogs();
                break;
        }
    }

    public void Dispose()
    {
        foreach (var r in _registrations)
        {
            r.Dispose();
        }
    }
}

using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Jail2Ban.Server.Control;

/// <summary>
/// Hosts the control socket in a Generic Host: binds on start, and on stop answers late requests
/// with SHUTDOWN, closes the socket and removes the socket file. Register it after the service that
/// implements <see cref="IServerControl"/> so the daemon exists before clients can reach it.
/// </summary>
public sealed class ControlSocketService(
    ControlListenerOptions options,
    IServerControl server,
    TimeProvider time,
    ILoggerFactory loggers) : IHostedService, IAsyncDisposable
{
    private ControlListener? _listener;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var dispatcher = new ControlDispatcher(server, time, loggers.CreateLogger<ControlDispatcher>());
        _listener = new ControlListener(options, dispatcher, loggers.CreateLogger<ControlListener>());
        _listener.Start();
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_listener is null)
            return;
        _listener.BeginShutdown();
        await _listener.DisposeAsync().ConfigureAwait(false);
        _listener = null;
    }

    public async ValueTask DisposeAsync()
    {
        if (_listener is not null)
            await _listener.DisposeAsync().ConfigureAwait(false);
    }
}

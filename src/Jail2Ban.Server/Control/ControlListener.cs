using System.Net.Sockets;
using Jail2Ban.Protocol;
using Jail2Ban.Protocol.Json;
using Jail2Ban.Protocol.Pickle;
using Jail2Ban.Protocol.Values;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jail2Ban.Server.Control;

/// <summary>Settings of the control socket.</summary>
/// <param name="Force">fail2ban's <c>-x</c>: remove an existing socket file that nobody answers on.</param>
public sealed record ControlListenerOptions(string SocketPath, bool Force = false)
{
    /// <summary>Concurrent connections beyond this are closed immediately (protects the daemon).</summary>
    public int MaxConnections { get; init; } = 64;

    /// <summary>Largest request accepted (pickle frame or JSON line).</summary>
    public int MaxRequestBytes { get; init; } = 64 * 1024 * 1024;
}

/// <summary>The socket path is already served by a live server (or, without force, exists at all).</summary>
public sealed class ControlSocketInUseException(string message) : Exception(message);

/// <summary>
/// Unix-socket control endpoint. Each connection speaks one of two protocols, told apart by its
/// first byte: 0x80 (pickle PROTO) → fail2ban's pickle frames, so the stock Python fail2ban-client
/// works; '{' → our JSON lines (j2b-client). Commands from all connections are executed one at a
/// time, as fail2ban's single-threaded asyncore loop does.
/// </summary>
public sealed partial class ControlListener : IAsyncDisposable
{
    private readonly ControlListenerOptions _options;
    private readonly ControlDispatcher _dispatcher;
    private readonly ILogger _log;
    private readonly SemaphoreSlim _commandLock = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _connections = [];
    private readonly Lock _connectionsLock = new();
    private Socket? _socket;
    private Task? _acceptLoop;
    private bool _createdSocketFile;
    private volatile bool _shuttingDown;

    public ControlListener(ControlListenerOptions options, ControlDispatcher dispatcher, ILogger<ControlListener>? logger = null)
    {
        _options = options;
        _dispatcher = dispatcher;
        _log = (ILogger?)logger ?? NullLogger.Instance;
    }

    public string SocketPath => _options.SocketPath;

    /// <summary>
    /// After this, requests arriving on open connections are answered with <c>['SHUTDOWN']</c>
    /// (fail2ban's behaviour while it stops) and no new connection is accepted.
    /// </summary>
    public void BeginShutdown() => _shuttingDown = true;

    public void Start()
    {
        var path = Path.GetFullPath(_options.SocketPath);
        if (Path.GetDirectoryName(path) is { Length: > 0 } dir)
            Directory.CreateDirectory(dir);
        if (File.Exists(path) || Directory.Exists(path))
        {
            if (IsAnswering(path))
                throw new ControlSocketInUseException($"Server already running (socket {path} answers)");
            if (!_options.Force)
                throw new ControlSocketInUseException($"Fail2ban seems to be already running: socket file {path} exists (use -x to remove it)");
            LogStaleSocket(_log, path);
            File.Delete(path);
        }

        // Bind under a temporary name, restrict the mode, then rename into place: the socket is
        // never reachable with looser permissions, whatever the process umask is.
        // (Short name: unix socket paths are limited to 107 bytes.)
        var temp = Path.Combine(Path.GetDirectoryName(path) ?? "/", $".j2b-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}");
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(temp));
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.Move(temp, path);
            socket.Listen(128); // fail2ban uses 1; a deeper queue avoids EAGAIN for bursts of clients
        }
        catch
        {
            socket.Dispose();
            if (File.Exists(temp))
                File.Delete(temp);
            throw;
        }
        _socket = socket;
        _createdSocketFile = true;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    private static bool IsAnswering(string path)
    {
        try
        {
            using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            probe.Connect(new UnixDomainSocketEndPoint(path));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private async Task AcceptLoopAsync()
    {
        var ct = _stopping.Token;
        while (!ct.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _socket!.AcceptAsync(ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (ct.IsCancellationRequested)
                    return;
                continue;
            }
            lock (_connectionsLock)
            {
                _connections.RemoveAll(t => t.IsCompleted);
                if (_connections.Count >= _options.MaxConnections || _shuttingDown)
                {
                    client.Dispose();
                    continue;
                }
                _connections.Add(Task.Run(() => ServeAsync(client, ct)));
            }
        }
    }

    private async Task ServeAsync(Socket client, CancellationToken ct)
    {
        try
        {
            await using var stream = new NetworkStream(client, ownsSocket: true);
            var probe = new FrameReader(stream, _options.MaxRequestBytes);
            if (!await probe.FillAsync(ct).ConfigureAwait(false))
                return;
            if (probe.Pending[0] == Framing.JsonStart)
                await ServeJsonAsync(stream, probe, ct).ConfigureAwait(false);
            else
                await ServePickleAsync(stream, probe, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException
                                      or ObjectDisposedException or EndOfStreamException or FrameTooLargeException)
        {
            LogConnectionEnded(_log, e.Message);
        }
        catch (Exception e)
        {
            // A bug while serving one client must not take the daemon down: drop that connection.
            LogConnectionFailed(_log, e);
        }
    }

    private async Task ServePickleAsync(Stream stream, FrameReader frames, CancellationToken ct)
    {
        var end = Framing.End.ToArray();
        while (await frames.ReadFrameAsync(end, ct).ConfigureAwait(false) is { } frame)
        {
            if (frame.AsSpan().SequenceEqual(Framing.Close))
                return;
            byte[] reply;
            if (_shuttingDown)
            {
                reply = PickleWriter.Write(new List<object?> { "SHUTDOWN" });
            }
            else
            {
                object? request;
                try
                {
                    request = PickleReader.Read(frame);
                }
                catch (PickleException e)
                {
                    // fail2ban answers an undecodable request with a bare string, not a tuple.
                    LogBadRequest(_log, e.Message);
                    reply = PickleWriter.Write("ERROR: " + e.Message);
                    await WriteAsync(stream, reply, Framing.End.ToArray(), ct).ConfigureAwait(false);
                    continue;
                }
                var result = await ExecuteAsync(request, ct).ConfigureAwait(false);
                reply = PickleWriter.Write(result.ToTuple());
            }
            await WriteAsync(stream, reply, Framing.End.ToArray(), ct).ConfigureAwait(false);
        }
    }

    private async Task ServeJsonAsync(Stream stream, FrameReader lines, CancellationToken ct)
    {
        var newline = "\n"u8.ToArray();
        while (await lines.ReadFrameAsync(newline, ct).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0 || (line.Length == 1 && line[0] == (byte)'\r'))
                continue;
            ControlReply result;
            if (_shuttingDown)
            {
                result = ControlReply.Fail(PyException.Builtin("Exception", "SHUTDOWN"));
            }
            else
            {
                try
                {
                    result = await ExecuteAsync(JsonWire.DecodeRequest(line), ct).ConfigureAwait(false);
                }
                catch (JsonWireException e)
                {
                    LogBadRequest(_log, e.Message);
                    result = ControlReply.Fail(PyException.Builtin("ValueError", e.Message));
                }
            }
            await stream.WriteAsync(JsonWire.EncodeResponse(result), ct).ConfigureAwait(false);
            await stream.FlushAsync(ct).ConfigureAwait(false);
        }
    }

    private async Task<ControlReply> ExecuteAsync(object? request, CancellationToken ct)
    {
        if (request is not List<object?> command || command.Count == 0)
            return ControlReply.Fail(PyException.Builtin("Exception", "Invalid command"));
        await _commandLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            return await _dispatcher.DispatchAsync(command, ct).ConfigureAwait(false);
        }
        finally
        {
            _commandLock.Release();
        }
    }

    private static async Task WriteAsync(Stream stream, byte[] payload, byte[] terminator, CancellationToken ct)
    {
        var buffer = new byte[payload.Length + terminator.Length];
        payload.CopyTo(buffer, 0);
        terminator.CopyTo(buffer, payload.Length);
        await stream.WriteAsync(buffer, ct).ConfigureAwait(false);
        await stream.FlushAsync(ct).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        _shuttingDown = true;
        await _stopping.CancelAsync().ConfigureAwait(false);
        _socket?.Dispose();
        if (_acceptLoop is not null)
            await _acceptLoop.ConfigureAwait(false);
        Task[] pending;
        lock (_connectionsLock)
            pending = [.. _connections];
        await Task.WhenAll(pending).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (_createdSocketFile && File.Exists(_options.SocketPath))
            File.Delete(_options.SocketPath);
        _stopping.Dispose();
        _commandLock.Dispose();
    }

    [LoggerMessage(EventId = 2010, Level = LogLevel.Warning, Message = "Removing stale control socket {Path}")]
    private static partial void LogStaleSocket(ILogger logger, string path);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Debug, Message = "Control connection ended: {Reason}")]
    private static partial void LogConnectionEnded(ILogger logger, string reason);

    [LoggerMessage(EventId = 2013, Level = LogLevel.Error, Message = "Control connection failed")]
    private static partial void LogConnectionFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2012, Level = LogLevel.Error, Message = "Rejected undecodable control request: {Reason}")]
    private static partial void LogBadRequest(ILogger logger, string reason);
}

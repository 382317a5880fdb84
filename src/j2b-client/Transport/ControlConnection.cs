using System.Net.Sockets;
using Jail2Ban.Protocol;
using Jail2Ban.Protocol.Json;

namespace Jail2Ban.Client.Transport;

/// <summary>The socket could not be reached (server not running, permissions, ...).</summary>
internal sealed class ServerUnreachableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// One connection to j2b-server's control socket speaking the JSON-lines protocol
/// (<see cref="JsonWire"/>). Several requests may be sent on one connection, strictly in turn.
/// </summary>
internal sealed class ControlConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly FrameReader _reader;

    private ControlConnection(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reader = new FrameReader(_stream, JsonWire.MaxLine);
    }

    public static async Task<ControlConnection> ConnectAsync(string socketPath, CancellationToken ct)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct).ConfigureAwait(false);
            return new ControlConnection(socket);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new ServerUnreachableException(DescribeFailure(socketPath, e), e);
        }
    }

    /// <summary>fail2ban-client's wording for each reason the socket is unusable.</summary>
    internal static string DescribeFailure(string socketPath, SocketException e)
    {
        if (!File.Exists(socketPath))
            return $"Failed to access socket path: {socketPath}. Is fail2ban running?";
        if (e.SocketErrorCode == SocketError.AccessDenied)
            return $"Permission denied to socket: {socketPath}, (you must be root)";
        return $"[Errno {(int)e.SocketErrorCode}] {e.Message}Unable to contact server. Is it running?";
    }

    public async Task<ControlReply> SendAsync(IReadOnlyList<object?> command, CancellationToken ct)
    {
        try
        {
            await _stream.WriteAsync(JsonWire.EncodeRequest(command), ct).ConfigureAwait(false);
            var line = await _reader.ReadFrameAsync("\n"u8.ToArray(), ct).ConfigureAwait(false)
                       ?? throw new ServerUnreachableException("[Errno 104] Connection reset by peer");
            return JsonWire.DecodeResponse(line);
        }
        catch (IOException e)
        {
            throw new ServerUnreachableException($"[Errno 104] Connection reset by peer ({e.Message})", e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // already closed by the peer (e.g. after "stop")
        }
        await _stream.DisposeAsync().ConfigureAwait(false);
    }
}

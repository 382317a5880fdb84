using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Jail2Ban.Server.Tests.Builtin;

/// <summary>
/// A tiny HTTP/1.1 server on 127.0.0.1 with an ephemeral port, for testing the webhook against a
/// real socket. Each request is answered by <c>respond</c> with a status code, or null to hang
/// (never answer) until the server is disposed. One request per connection (Connection: close).
/// </summary>
internal sealed class LoopbackHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<int, RecordedRequest, int?> _respond;
    private readonly CancellationTokenSource _cts = new();
    private readonly Task _loop;
    private int _count;

    public LoopbackHttpServer(Func<int, RecordedRequest, int?> respond)
    {
        _respond = respond;
        _listener.Start();
        _loop = Task.Run(AcceptLoopAsync);
    }

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public string Url(string path) => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}{path}";

    public async ValueTask DisposeAsync()
    {
        await _cts.CancelAsync();
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        _cts.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_cts.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_cts.Token);
            }
            catch (Exception) when (_cts.IsCancellationRequested)
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(client));
        }
    }

    private async Task HandleAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var head = new List<byte>();
                var one = new byte[1];
                while (!EndsWithBlankLine(head))
                {
                    if (await stream.ReadAsync(one, _cts.Token) == 0)
                    {
                        return;
                    }

                    head.Add(one[0]);
                }

                var lines = Encoding.ASCII.GetString(head.ToArray()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
                var requestLine = lines[0].Split(' ');
                var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                foreach (var line in lines.Skip(1))
                {
                    var colon = line.IndexOf(':');
                    headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
                }

                var length = headers.TryGetValue("Content-Length", out var cl) ? int.Parse(cl) : 0;
                var body = new byte[length];
                var read = 0;
                while (read < length)
                {
                    var n = await stream.ReadAsync(body.AsMemory(read), _cts.Token);
                    if (n == 0)
                    {
                        return;
                    }

                    read += n;
                }

                var request = new RecordedRequest(requestLine[0], requestLine[1], headers, Encoding.UTF8.GetString(body));
                var index = Interlocked.Increment(ref _count) - 1;
                Requests.Enqueue(request);
                var status = _respond(index, request);
                if (status is null)
                {
                    await Task.Delay(Timeout.Infinite, _cts.Token);
                    return;
                }

                var response = $"HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(response), _cts.Token);
            }
            catch (Exception) when (_cts.IsCancellationRequested)
            {
            }
            catch (IOException)
            {
            }
        }
    }

    private static bool EndsWithBlankLine(List<byte> b) =>
        b.Count >= 4 && b[^4] == '\r' && b[^3] == '\n' && b[^2] == '\r' && b[^1] == '\n';
}

internal sealed record RecordedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, string Body);

using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Jail2Ban.Server.Builtin;

/// <summary>
/// <c>webhook[url=https://..., token=... | user=..., password=...]</c>: POSTs one JSON document per
/// ban and per unban to an HTTP endpoint (a router's blocklist collector, a chat bridge, a SIEM).
/// </summary>
/// <remarks>
/// <para>The document (fields selectable with <c>fields=</c>, in this order):</para>
/// <code>
/// {"event":"ban","ip":"192.0.2.7","jail":"sshd","failures":5,
///  "time":"2026-11-22T06:30:00Z","timestamp":1795326600,"bantime":600,
///  "expires":"2026-11-22T06:40:00Z","bancount":1,"restored":false,
///  "matches":["...log line...", "..."],"server":"host.example"}
/// </code>
/// <para>Times are UTC ISO 8601 (<c>expires</c> is null for a permanent ban, <c>bantime</c> -1).
/// Options: <c>url</c> (required, http or https), <c>method</c> (POST|PUT), <c>token</c> (bearer)
/// or <c>user</c>+<c>password</c> (basic), <c>events</c> (ban,unban), <c>fields</c>,
/// <c>maxmatches</c> (10), <c>timeout</c> (10s per attempt), <c>retries</c> (3),
/// <c>backoff</c> (1s, doubled per retry), <c>maxbackoff</c> (1m), <c>queue</c> (1000 documents;
/// when full the oldest is dropped with a warning), <c>stoptimeout</c> (5s to drain at stop).</para>
/// <para>Why a queue: banning must never wait for the network. Ban and unban only enqueue; one
/// worker per action delivers in order, retrying 5xx, 408, 429, timeouts and connection errors
/// with exponential backoff. Other 4xx answers are final (the document will not get better).</para>
/// </remarks>
internal sealed partial class WebhookAction : IBuiltinAction, IAsyncDisposable
{
    internal static readonly string[] AllFields =
        ["event", "ip", "jail", "failures", "time", "timestamp", "bantime", "expires", "bancount", "restored", "matches", "server"];

    private static readonly string[] DefaultFields =
        ["event", "ip", "jail", "failures", "time", "bantime", "expires", "bancount", "matches"];

    private readonly string _jail;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<Pending> _queue;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _startLock = new();
    private readonly AuthenticationHeaderValue? _auth;
    private readonly string[] _fields;
    private readonly string _serverName;
    private Task? _worker;
    private long _delivered;
    private long _failed;
    private long _dropped;
    private long _attempts;

    public WebhookAction(string jail, BuiltinOptions options, HttpClient http, TimeProvider time, ILogger logger, string serverName)
    {
        _jail = jail;
        _http = http;
        _time = time;
        _logger = logger;
        _serverName = serverName;

        var url = options.GetRequired("url");
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw options.Error("url", $"must be an absolute http:// or https:// URL, got '{url}'");
        }

        Url = uri;
        SafeUrl = uri.GetLeftPart(UriPartial.Path).Replace(uri.UserInfo + "@", string.Empty, StringComparison.Ordinal);

        Method = (options.GetString("method") ?? "POST").ToUpperInvariant() switch
        {
            "POST" => HttpMethod.Post,
            "PUT" => HttpMethod.Put,
            var other => throw options.Error("method", $"must be POST or PUT, got '{other}'"),
        };

        var token = options.GetString("token");
        var user = options.GetString("user");
        var password = options.GetString("password");
        if (user is null && uri.UserInfo.Length > 0)
        {
            // http://user:pass@host/ : HttpClient ignores user info, so honour it here.
            var parts = uri.UserInfo.Split(':', 2);
            user = Uri.UnescapeDataString(parts[0]);
            password ??= parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : null;
        }

        if (token is not null && user is not null)
        {
            throw options.Error("token", "cannot be combined with user/password (pick bearer or basic authentication)");
        }

        if (token is not null)
        {
            _auth = new AuthenticationHeaderValue("Bearer", token);
        }
        else if (user is not null)
        {
            _auth = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + (password ?? string.Empty))));
        }
        else if (password is not null)
        {
            throw options.Error("password", "needs 'user'");
        }

        var events = Split(options.GetString("events") ?? "ban,unban");
        foreach (var e in events)
        {
            if (e is not ("ban" or "unban"))
            {
                throw options.Error("events", $"lists '{e}'; the events are ban and unban");
            }
        }

        SendBan = events.Contains("ban");
        SendUnban = events.Contains("unban");

        var fields = options.GetString("fields");
        _fields = fields is null ? DefaultFields : Split(fields);
        foreach (var f in _fields)
        {
            if (!AllFields.Contains(f))
            {
                throw options.Error("fields", $"lists unknown field '{f}'; known: {string.Join(", ", AllFields)}");
            }
        }

        MaxMatches = options.GetInt("maxmatches", 10, 0, 10_000);
        Timeout = options.GetTime("timeout", TimeSpan.FromSeconds(10));
        if (Timeout <= TimeSpan.Zero)
        {
            throw options.Error("timeout", "must be greater than zero");
        }

        Retries = options.GetInt("retries", 3, 0, 100);
        Backoff = options.GetTime("backoff", TimeSpan.FromSeconds(1));
        MaxBackoff = options.GetTime("maxbackoff", TimeSpan.FromMinutes(1));
        QueueCapacity = options.GetInt("queue", 1000, 1, 1_000_000);
        StopTimeout = options.GetTime("stoptimeout", TimeSpan.FromSeconds(5));

        _queue = Channel.CreateBounded<Pending>(
            new BoundedChannelOptions(QueueCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            OnDropped);
    }

    public string Name => BuiltinActionFactory.Webhook;

    internal Uri Url { get; }

    internal string SafeUrl { get; }

    internal HttpMethod Method { get; }

    internal bool SendBan { get; }

    internal bool SendUnban { get; }

    internal int MaxMatches { get; }

    internal TimeSpan Timeout { get; }

    internal int Retries { get; }

    internal TimeSpan Backoff { get; }

    internal TimeSpan MaxBackoff { get; }

    internal int QueueCapacity { get; }

    internal TimeSpan StopTimeout { get; }

    internal long Delivered => Interlocked.Read(ref _delivered);

    internal long Failed => Interlocked.Read(ref _failed);

    internal long Dropped => Interlocked.Read(ref _dropped);

    internal long Attempts => Interlocked.Read(ref _attempts);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        EnsureWorker();
        return Task.CompletedTask;
    }

    public Task BanAsync(BanEvent ban, CancellationToken cancellationToken)
    {
        if (SendBan)
        {
            Enqueue("ban", ban);
        }

        return Task.CompletedTask;
    }

    public Task UnbanAsync(BanEvent ban, CancellationToken cancellationToken)
    {
        if (SendUnban)
        {
            Enqueue("unban", ban);
        }

        return Task.CompletedTask;
    }

    /// <summary>Delivers what is queued for at most <c>stoptimeout</c>, then abandons the rest.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        Task? worker;
        lock (_startLock)
        {
            worker = _worker;
        }

        if (worker is not null)
        {
            var deadline = Task.Delay(StopTimeout, _time, cancellationToken);
            try
            {
                await Task.WhenAny(worker, deadline).ConfigureAwait(false);
            }
            finally
            {
                await _stopping.CancelAsync().ConfigureAwait(false);
            }

            await worker.ConfigureAwait(false);
        }

        var left = 0;
        while (_queue.Reader.TryRead(out _))
        {
            left++;
        }

        if (left > 0)
        {
            Interlocked.Add(ref _failed, left);
            LogAbandoned(_logger, _jail, SafeUrl, left);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        _stopping.Dispose();
    }

    /// <summary>The JSON document for one event; public to the tests so its shape is pinned.</summary>
    internal byte[] BuildDocument(string evt, BanEvent ban)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            foreach (var field in _fields)
            {
                switch (field)
                {
                    case "event":
                        json.WriteString("event", evt);
                        break;
                    case "ip":
                        json.WriteString("ip", ban.Ip);
                        break;
                    case "jail":
                        json.WriteString("jail", ban.Jail);
                        break;
                    case "failures":
                        json.WriteNumber("failures", ban.Failures);
                        break;
                    case "time":
                        json.WriteString("time", FormatUtc(ban.Time));
                        break;
                    case "timestamp":
                        json.WriteNumber("timestamp", ban.Time.ToUnixTimeSeconds());
                        break;
                    case "bantime":
                        json.WriteNumber("bantime", ban.BanTimeSeconds);
                        break;
                    case "expires":
                        if (ban.Expires is { } expires)
                        {
                            json.WriteString("expires", FormatUtc(expires));
                        }
                        else
                        {
                            json.WriteNull("expires");
                        }

                        break;
                    case "bancount":
                        json.WriteNumber("bancount", ban.BanCount);
                        break;
                    case "restored":
                        json.WriteBoolean("restored", ban.Restored);
                        break;
                    case "matches":
                        json.WriteStartArray("matches");
                        // The newest lines are the telling ones when there are too many.
                        foreach (var line in ban.Matches.Skip(Math.Max(0, ban.Matches.Count - MaxMatches)))
                        {
                            json.WriteStringValue(line);
                        }

                        json.WriteEndArray();
                        break;
                    case "server":
                        json.WriteString("server", _serverName);
                        break;
                    default:
                        break;
                }
            }

            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static string FormatUtc(DateTimeOffset t) =>
        t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string[] Split(string text) =>
        text.Split([',', ' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => s.ToLowerInvariant())
            .ToArray();

    private void Enqueue(string evt, BanEvent ban)
    {
        EnsureWorker();
        var pending = new Pending(evt, ban.Ip, BuildDocument(evt, ban));
        if (!_queue.Writer.TryWrite(pending))
        {
            // Only after StopAsync: the jail is gone, nothing will deliver this any more.
            Interlocked.Increment(ref _failed);
            LogAbandoned(_logger, _jail, SafeUrl, 1);
        }
    }

    private void OnDropped(Pending dropped)
    {
        Interlocked.Increment(ref _dropped);
        LogDropped(_logger, _jail, SafeUrl, QueueCapacity, dropped.Event, dropped.Ip);
    }

    private void EnsureWorker()
    {
        lock (_startLock)
        {
            _worker ??= Task.Run(() => RunAsync(_stopping.Token));
        }
    }

    private async Task RunAsync(CancellationToken stop)
    {
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stop).ConfigureAwait(false))
            {
                while (_queue.Reader.TryRead(out var item))
                {
                    await DeliverAsync(item, stop).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopping: what is left is counted by StopAsync.
        }
    }

    private async Task DeliverAsync(Pending item, CancellationToken stop)
    {
        string reason = "not attempted";
        for (var attempt = 0; attempt <= Retries; attempt++)
        {
            if (attempt > 0)
            {
                var delay = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, Backoff.Ticks * (1L << Math.Min(attempt - 1, 30))));
                LogRetry(_logger, _jail, SafeUrl, item.Event, item.Ip, reason, delay.TotalSeconds);
                try
                {
                    await Task.Delay(delay, _time, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    Interlocked.Increment(ref _failed);
                    return;
                }
            }

            Interlocked.Increment(ref _attempts);
            // The per-attempt deadline runs on the injected clock, like the back-off.
            using var deadline = new CancellationTokenSource(Timeout, _time);
            using var attemptCts = CancellationTokenSource.CreateLinkedTokenSource(stop, deadline.Token);
            try
            {
                using var request = new HttpRequestMessage(Method, Url)
                {
                    Content = new ByteArrayContent(item.Body),
                };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
                request.Headers.Authorization = _auth;
                request.Headers.UserAgent.ParseAdd("Jail2Ban/" + ServerInfo.Version);
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, attemptCts.Token).ConfigureAwait(false);
                var status = (int)response.StatusCode;
                if (response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref _delivered);
                    return;
                }

                reason = $"HTTP {status}";
                if (!IsRetryable(response.StatusCode))
                {
                    Interlocked.Increment(ref _failed);
                    LogRejected(_logger, _jail, SafeUrl, item.Event, item.Ip, status);
                    return;
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                Interlocked.Increment(ref _failed);
                return;
            }
            catch (OperationCanceledException)
            {
                reason = $"no answer within {Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s";
            }
            catch (HttpRequestException ex)
            {
                reason = ex.Message;
            }
        }

        Interlocked.Increment(ref _failed);
        LogGaveUp(_logger, _jail, SafeUrl, item.Event, item.Ip, Retries + 1, reason);
    }

    private static bool IsRetryable(HttpStatusCode code) =>
        (int)code >= 500 || code is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;

    [LoggerMessage(EventId = 6101, Level = LogLevel.Warning, Message = "[{Jail}] webhook {Url}: queue full ({Capacity}), dropped the oldest {Event} of {Ip}")]
    private static partial void LogDropped(ILogger logger, string jail, string url, int capacity, string @event, string ip);

    [LoggerMessage(EventId = 6102, Level = LogLevel.Debug, Message = "[{Jail}] webhook {Url}: {Event} of {Ip} failed ({Reason}), retrying in {Seconds}s")]
    private static partial void LogRetry(ILogger logger, string jail, string url, string @event, string ip, string reason, double seconds);

    [LoggerMessage(EventId = 6103, Level = LogLevel.Warning, Message = "[{Jail}] webhook {Url}: gave up on {Event} of {Ip} after {Attempts} attempts: {Reason}")]
    private static partial void LogGaveUp(ILogger logger, string jail, string url, string @event, string ip, int attempts, string reason);

    [LoggerMessage(EventId = 6104, Level = LogLevel.Warning, Message = "[{Jail}] webhook {Url}: {Event} of {Ip} rejected with HTTP {Status}; not retried")]
    private static partial void LogRejected(ILogger logger, string jail, string url, string @event, string ip, int status);

    [LoggerMessage(EventId = 6105, Level = LogLevel.Warning, Message = "[{Jail}] webhook {Url}: {Count} queued document(s) abandoned at stop")]
    private static partial void LogAbandoned(ILogger logger, string jail, string url, int count);

    private sealed record Pending(string Event, string Ip, byte[] Body);
}

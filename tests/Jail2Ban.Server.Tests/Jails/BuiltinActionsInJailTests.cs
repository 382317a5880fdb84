using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using CsvHelper;
using Jail2Ban.Core.Configuration;
using Jail2Ban.Server.Actions;
using Jail2Ban.Server.Builtin;
using Jail2Ban.Server.Jails;
using Jail2Ban.Server.Logging;
using Jail2Ban.Server.Logs;
using Jail2Ban.Server.Tests.Hosting;

namespace Jail2Ban.Server.Tests.Jails;

/// <summary>
/// The built-in actions as an admin uses them: the project's shipped jail.conf, paths-*.conf,
/// filter.d/ and action.d/ copied into a temp tree, plus a jail.local that switches on [sshd] with
/// <c>blocklist-csv[...]</c> and <c>webhook[...]</c>; a real sshd-format log, a real CSV file read
/// back with CsvHelper and a real HTTP listener on 127.0.0.1.
/// </summary>
public sealed class BuiltinActionsInJailTests
{
    private static readonly string[] Attackers = ["192.0.2.21", "198.51.100.33", "203.0.113.45"];

    [Fact]
    public async Task Shipped_sshd_jail_with_blocklist_csv_and_webhook_bans_and_unbans()
    {
        using var dir = new TempDir();
        await using var hook = WebhookReceiver.Start();
        await using var h = await ShippedConfigHost.StartAsync(dir, $"""
            [sshd]
            enabled = true
            backend = polling
            logpath = {dir.File("auth.log")}
            logtimezone = UTC
            maxretry = 3
            action = blocklist-csv[file={dir.File("bans.csv")}, history={dir.File("history.csv")}]
                     webhook[url=http://127.0.0.1:{hook.Port}/ban]
            """);

        // Three failures per attacker, interleaved as a real log would have them, plus one
        // address with only two failures (below maxretry: never banned).
        var lines = new List<string>();
        var pid = 4100;
        for (var round = 0; round < 3; round++)
        {
            foreach (var ip in Attackers)
            {
                lines.Add(SshdLine(ShippedConfigHost.Start.AddSeconds(-30 + (round * 5)), pid++, "root", ip));
            }
            if (round < 2) lines.Add(SshdLine(ShippedConfigHost.Start.AddSeconds(-29 + (round * 5)), pid++, "admin", "192.0.2.99"));
        }
        h.Append([.. lines]);

        await h.WaitUntil(() => Attackers.All(ip => h.Manager.IsBanned("sshd", ip)), "bans of every attacker");
        await h.WaitUntil(() => Attackers.All(ip => CurrentCsv(dir).Any(r => r.Ip == ip)), "every ban in the CSV", hook);
        await h.WaitUntil(() => Attackers.All(ip => hook.Posts("/ban").Any(d => d.Event == "ban" && d.Ip == ip)), "a ban POST per attacker", hook);

        var csv = CurrentCsv(dir);
        Assert.Equal(Attackers.Order(StringComparer.Ordinal), csv.Select(r => r.Ip).Order(StringComparer.Ordinal));
        Assert.All(csv, r =>
        {
            Assert.Equal("sshd", r.Jail);
            Assert.Equal("3", r.Failures);
            // The shipped default bantime (10m), in seconds.
            Assert.Equal("600", r.BanTime);
        });
        Assert.False(h.Manager.IsBanned("sshd", "192.0.2.99"));
        Assert.DoesNotContain(csv, r => r.Ip == "192.0.2.99");

        var bans = hook.Posts("/ban").Where(d => d.Event == "ban").ToList();
        Assert.Equal(Attackers.Length, bans.Count);
        Assert.All(bans, d =>
        {
            Assert.Equal("POST", d.Method);
            Assert.StartsWith("application/json", d.ContentType, StringComparison.Ordinal);
            Assert.Equal("sshd", d.Jail);
            Assert.Equal(3, d.Failures);
            Assert.Equal(600, d.BanTime);
        });

        // Unban one address through the manager (what "set sshd unbanip" does).
        var gone = Attackers[1];
        var unbanned = await Task.Run(() => h.Manager.UnbanIps("sshd", [gone], reportAbsent: true));
        Assert.Equal(1, unbanned);
        await h.WaitUntil(() => CurrentCsv(dir).All(r => r.Ip != gone), "the unbanned address to leave the CSV", hook);
        await h.WaitUntil(() => hook.Posts("/ban").Any(d => d.Event == "unban" && d.Ip == gone), "the unban POST", hook);

        csv = CurrentCsv(dir);
        Assert.Equal(Attackers.Where(ip => ip != gone).Order(StringComparer.Ordinal), csv.Select(r => r.Ip).Order(StringComparer.Ordinal));
        var unban = Assert.Single(hook.Posts("/ban"), d => d.Event == "unban");
        Assert.Equal("sshd", unban.Jail);
        Assert.Equal(gone, unban.Ip);

        // The history keeps both events of the unbanned address, in order.
        await h.WaitUntil(() => History(dir).Count(r => r.Ip == gone) == 2, "ban and unban in the history", hook);
        Assert.Equal(["ban", "unban"], History(dir).Where(r => r.Ip == gone).Select(r => r.Event));
        Assert.Equal(Attackers.Length + 1, History(dir).Count);
    }

    /// <summary>An OpenSSH failure line as the shipped filter.d/sshd.conf matches it (see tests/samples/logs/sshd).</summary>
    private static string SshdLine(DateTimeOffset t, int pid, string user, string ip) =>
        t.UtcDateTime.ToString("MMM dd HH:mm:ss", CultureInfo.InvariantCulture)
        + $" gw sshd[{pid}]: Failed password for {user} from {ip} port {50000 + (pid % 10000)} ssh2";

    private sealed record CsvRow(string Event, string Ip, string Jail, string Failures, string BanTime);

    private static List<CsvRow> CurrentCsv(TempDir dir) => ReadCsv(dir.File("bans.csv"), hasEvent: false);

    private static List<CsvRow> History(TempDir dir) => ReadCsv(dir.File("history.csv"), hasEvent: true);

    private static List<CsvRow> ReadCsv(string path, bool hasEvent)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or IOException)
        {
            return [];
        }

        using var reader = new StringReader(text);
        using var csv = new CsvReader(reader, CultureInfo.InvariantCulture);
        var rows = new List<CsvRow>();
        if (!csv.Read()) return rows;
        csv.ReadHeader();
        while (csv.Read())
        {
            rows.Add(new CsvRow(
                hasEvent ? csv.GetField("event")! : "",
                csv.GetField("ip")!,
                csv.GetField("jail")!,
                csv.GetField("failures")!,
                csv.GetField("bantime")!));
        }
        return rows;
    }
}

/// <summary>
/// A jail manager over a copy of the repository's shipped configuration (config/jail.conf,
/// config/paths-*.conf, filter.d/, action.d/) plus a test jail.local, on a fixed clock.
/// </summary>
internal sealed class ShippedConfigHost : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = JailTestHost.Start;

    private ShippedConfigHost(TempDir dir)
    {
        Dir = dir;
    }

    public TempDir Dir { get; }

    public string Conf => Dir.File("conf");

    public string LogFile => Dir.File("auth.log");

    public FixedTime Time { get; } = new(Start);

    public LogCapture Output { get; } = new();

    public JailManager Manager { get; private set; } = null!;

    public static async Task<ShippedConfigHost> StartAsync(TempDir dir, string jailLocal)
    {
        var h = new ShippedConfigHost(dir);
        var root = RepoRoot();
        Directory.CreateDirectory(h.Conf);
        foreach (var f in Directory.GetFiles(Path.Combine(root, "config"), "*.conf"))
        {
            if (Path.GetFileName(f) is "jail.conf" || Path.GetFileName(f).StartsWith("paths-", StringComparison.Ordinal))
                File.Copy(f, Path.Combine(h.Conf, Path.GetFileName(f)));
        }
        CopyDir(Path.Combine(root, "filter.d"), Path.Combine(h.Conf, "filter.d"));
        CopyDir(Path.Combine(root, "action.d"), Path.Combine(h.Conf, "action.d"));
        // Server settings of the test only: a database in the temp dir, logs to the capture.
        File.WriteAllText(Path.Combine(h.Conf, "fail2ban.conf"), $"""
            [Definition]
            loglevel = INFO
            logtarget = STDOUT
            dbfile = {dir.File("db.sqlite3")}
            dbpurgeage = 1d
            """);
        File.WriteAllText(Path.Combine(h.Conf, "jail.local"), jailLocal);
        File.WriteAllText(h.LogFile, "");

        var log = new ServerLog(h.Time, new ServerLogEnvironment(h.Output, h.Output, 1, "/nonexistent", TimeZoneInfo.Utc), "1.0.2");
        log.SetTarget("STDOUT");
        var services = new JailServices(h.Time, log, new RecordingActionRunner(), new BuiltinActionFactory(h.Time),
            new LogSourceFactory(new Microsoft.Extensions.Logging.LoggerFactory([new Fail2BanLoggerProvider(log)]), h.Time, new FastPoll()));
        h.Manager = new JailManager(services, jail => ConfigurationReader.Read(h.Conf, new ConfigurationReadOptions { Jail = jail }), () => { });
        var ok = await h.Manager.ApplyAsync(ConfigurationReader.Read(h.Conf));
        Assert.True(ok, h.Output.Text);
        return h;
    }

    public void Append(params string[] lines) => File.AppendAllLines(LogFile, lines);

    public async Task WaitUntil(Func<bool> condition, string what, WebhookReceiver? hook = null, int timeoutMs = 15000)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (sw.ElapsedMilliseconds > timeoutMs)
            {
                Assert.Fail($"timed out waiting for {what}\nserver log:\n{Output.Text}\nrequests:\n{hook?.Describe()}\nfiles:\n"
                    + string.Join("\n", Directory.GetFiles(Dir.Path, "*.csv").Select(f => f + ":\n" + File.ReadAllText(f))));
            }
            await Task.Delay(30);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Manager is not null) await Manager.DisposeAsync();
        Output.Dispose();
    }

    private static void CopyDir(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
    }

    private static string RepoRoot() => RepoPaths.Root;
}

/// <summary>One webhook document as received: the request line and the parsed JSON body.</summary>
internal sealed record WebhookPost(string Path, string Method, string ContentType, string Event, string Ip, string Jail, int Failures, long BanTime, string Body);

/// <summary>A minimal HTTP endpoint on 127.0.0.1 (ephemeral port) that records every request.</summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener;
    private readonly Lock _lock = new();
    private readonly List<WebhookPost> _posts = [];
    private readonly List<string> _raw = [];
    private readonly Task _loop;

    private WebhookReceiver(HttpListener listener, int port)
    {
        _listener = listener;
        Port = port;
        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }

    public static WebhookReceiver Start()
    {
        // HttpListener cannot bind port 0: take a free port from the kernel, then bind it
        // (retrying if another process grabbed it in between).
        for (var attempt = 0; ; attempt++)
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                return new WebhookReceiver(listener, port);
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                listener.Close();
            }
        }
    }

    /// <summary>The parsed documents POSTed to <paramref name="path"/>.</summary>
    public IReadOnlyList<WebhookPost> Posts(string path)
    {
        lock (_lock) return _posts.Where(p => p.Path == path).ToList();
    }

    public string Describe()
    {
        lock (_lock) return string.Join("\n", _raw);
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext ctx;
            try
            {
                ctx = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            string body;
            using (var sr = new StreamReader(ctx.Request.InputStream, ctx.Request.ContentEncoding))
                body = await sr.ReadToEndAsync().ConfigureAwait(false);
            var path = ctx.Request.Url?.AbsolutePath ?? "";
            lock (_lock)
            {
                _raw.Add($"{ctx.Request.HttpMethod} {path} {body}");
                try
                {
                    using var doc = JsonDocument.Parse(body);
                    var r = doc.RootElement;
                    _posts.Add(new WebhookPost(
                        path,
                        ctx.Request.HttpMethod,
                        ctx.Request.ContentType ?? "",
                        r.GetProperty("event").GetString() ?? "",
                        r.GetProperty("ip").GetString() ?? "",
                        r.GetProperty("jail").GetString() ?? "",
                        r.GetProperty("failures").GetInt32(),
                        r.GetProperty("bantime").GetInt64(),
                        body));
                }
                catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
                {
                    _raw.Add("  (not a webhook document: " + e.Message + ")");
                }
            }
            // Only the configured path exists, so a webhook pointed elsewhere is visibly wrong.
            ctx.Response.StatusCode = path == "/ban" ? 200 : 404;
            ctx.Response.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            // The listener was closed under a pending accept: nothing left to clean up.
        }
    }
}

using System.Globalization;
using Jail2Ban.Core.Configuration;
using Jail2Ban.Server.Actions;
using Jail2Ban.Server.Builtin;
using Jail2Ban.Server.Jails;
using Jail2Ban.Server.Logging;
using Jail2Ban.Server.Logs;
using Jail2Ban.Server.Tests.Hosting;

namespace Jail2Ban.Server.Tests.Jails;

/// <summary>Polls files quickly so tests do not wait fail2ban's full second.</summary>
internal sealed class FastPoll : IPollTrigger
{
    public async ValueTask DelayAsync(TimeSpan suggested, CancellationToken cancellationToken) =>
        await Task.Delay(TimeSpan.FromMilliseconds(40), cancellationToken).ConfigureAwait(false);
}

/// <summary>Thread-safe text sink for the server log.</summary>
internal sealed class LogCapture : StringWriter
{
    private readonly Lock _lock = new();

    public override void Write(char value)
    {
        lock (_lock) base.Write(value);
    }

    public override void Write(string? value)
    {
        lock (_lock) base.Write(value);
    }

    public override void WriteLine(string? value)
    {
        lock (_lock) base.WriteLine(value);
    }

    public string Text
    {
        get
        {
            lock (_lock) return ToString();
        }
    }
}

/// <summary>
/// A real configuration tree in a temp dir (fail2ban.conf, jail.conf, a filter and a recording
/// action), a log file, and an in-process <see cref="JailManager"/> on a fixed clock with the
/// <see cref="RecordingActionRunner"/>.
/// </summary>
internal sealed class JailTestHost : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 11, 22, 7, 0, 0, TimeSpan.Zero);

    private JailTestHost(TempDir dir, string jailOptions, string actionInit)
    {
        Dir = dir;
        Directory.CreateDirectory(Path.Combine(Conf, "filter.d"));
        Directory.CreateDirectory(Path.Combine(Conf, "action.d"));
        File.WriteAllText(Path.Combine(Conf, "fail2ban.conf"), $"""
            [Definition]
            loglevel = INFO
            logtarget = STDOUT
            dbfile = {Db}
            dbpurgeage = 1d
            """);
        File.WriteAllText(Path.Combine(Conf, "filter.d", "testauth.conf"), """
            [Definition]
            failregex = ^\s*auth failure from <HOST>$
            ignoreregex =
            """);
        File.WriteAllText(Path.Combine(Conf, "action.d", "rec.conf"), $"""
            [Definition]
            actionstart = start <name>
            actionstop = stop <name>
            actioncheck =
            actionban = ban <ip> <bantime>
            actionunban = unban <ip>
            [Init]
            name = default
            {actionInit}
            """);
        File.WriteAllText(LogFile, "");
        WriteJailConf(jailOptions);
    }

    public TempDir Dir { get; }

    public string Conf => Dir.File("conf");

    public string Db => Dir.File("db.sqlite3");

    public string LogFile => Dir.File("auth.log");

    public FixedTime Time { get; } = new(Start);

    public RecordingActionRunner Runner { get; } = new();

    public LogCapture Output { get; } = new();

    public JailManager Manager { get; private set; } = null!;

    public string ServerLogText => Output.Text;

    public void WriteJailConf(string jailOptions) =>
        File.WriteAllText(Path.Combine(Conf, "jail.conf"), $"""
            [DEFAULT]
            backend = polling
            logtimezone = UTC
            [test]
            enabled = true
            {(jailOptions.Contains("filter =", StringComparison.Ordinal) ? "" : "filter = testauth")}
            logpath = {LogFile}
            action = rec[name=test]
            {(jailOptions.Contains("maxretry", StringComparison.Ordinal) ? "" : "maxretry = 3")}
            findtime = 10m
            bantime = 1h
            {jailOptions}
            """);

    public static async Task<JailTestHost> StartAsync(string jailOptions = "", string actionInit = "", TempDir? dir = null, string[]? initialLines = null)
    {
        var host = new JailTestHost(dir ?? new TempDir(), jailOptions, actionInit);
        if (initialLines is not null) host.Append(initialLines);
        await host.StartManagerAsync();
        return host;
    }

    /// <summary>A new manager on the same directory and database (a server restart).</summary>
    public async Task StartManagerAsync()
    {
        var log = new ServerLog(Time, new ServerLogEnvironment(Output, Output, 1, "/nonexistent", TimeZoneInfo.Utc), "1.0.2");
        log.SetTarget("STDOUT");
        var services = new JailServices(Time, log, Runner, new BuiltinActionFactory(Time), new LogSourceFactory(new Microsoft.Extensions.Logging.LoggerFactory([new Fail2BanLoggerProvider(log)]), Time, new FastPoll()));
        Manager = new JailManager(services, jail => ConfigurationReader.Read(Conf, new ConfigurationReadOptions { Jail = jail }), () => { });
        var ok = await Manager.ApplyAsync(ConfigurationReader.Read(Conf));
        Assert.True(ok, ServerLogText);
    }

    public async Task StopManagerAsync() => await Manager.DisposeAsync();

    public static string Line(DateTimeOffset t, string ip) =>
        t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " auth failure from " + ip;

    public void Append(params string[] lines) => File.AppendAllLines(LogFile, lines);

    /// <summary>n failures of <paramref name="ip"/> one second apart, ending at the clock's time.</summary>
    public void Fail(string ip, int n) =>
        Append([.. Enumerable.Range(0, n).Select(i => Line(Time.Now.AddSeconds(i - n), ip))]);

    public IReadOnlyList<string> ActionLines => Runner.Lines;

    public async Task WaitUntil(Func<bool> condition, string what, int timeoutMs = 15000)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (sw.ElapsedMilliseconds > timeoutMs)
                Assert.Fail($"timed out waiting for {what}\nserver log:\n{ServerLogText}\nactions:\n{string.Join("\n", ActionLines)}");
            await Task.Delay(30);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Manager.DisposeAsync();
        Output.Dispose();
        Dir.Dispose();
    }
}

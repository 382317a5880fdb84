using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Jail2Ban.Server.Hosting;
using Jail2Ban.Server.Logging;
using Jail2Ban.Server.Logs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Jail2Ban.Server.Tests.Hosting;

public sealed class ServerHostTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly Socket _notify = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    private readonly StringWriter _text = new();
    private readonly TextWriter _stdout;
    private readonly RecordingRuntime _runtime = new();

    public ServerHostTests()
    {
        // Log lines and "Server ready" come from different threads.
        _stdout = TextWriter.Synchronized(_text);
        _notify.Bind(new UnixDomainSocketEndPoint(_dir.File("notify.sock")));
        _notify.ReceiveTimeout = 5000;
    }

    public void Dispose()
    {
        _notify.Dispose();
        _dir.Dispose();
    }

    private sealed class RecordingRuntime : IJailRuntime
    {
        public ConcurrentQueue<string> Calls { get; } = new();

        public Task StartAsync(ServerSettings settings, CancellationToken cancellationToken)
        {
            Calls.Enqueue("start " + settings.Socket);
            return Task.CompletedTask;
        }

        public Task ReloadAsync(CancellationToken cancellationToken)
        {
            Calls.Enqueue("reload");
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            Calls.Enqueue("stop");
            return Task.CompletedTask;
        }
    }

    private sealed class FailingConfigurator : IServerConfigurator
    {
        public Task<bool> ConfigureAsync(ServerOptions options, CancellationToken cancellationToken) => Task.FromResult(false);

        public Task<int> TestAsync(ServerOptions options, TextWriter output, CancellationToken cancellationToken) => Task.FromResult(255);
    }

    private IHost Build(ServerOptions options, Action<IServiceCollection>? more = null)
    {
        var settings = ServerSettings.Resolve(options with { Socket = _dir.File("run/j2b.sock"), PidFile = _dir.File("run/j2b.pid") });
        var env = new ServerHostEnvironment(
            new ServerLogEnvironment(_stdout, _stdout, 777, "/nonexistent", TimeZoneInfo.Utc),
            new ServerConsole(_stdout, 777),
            k => k == "NOTIFY_SOCKET" ? _dir.File("notify.sock") : null,
            TimeProvider.System);
        return ServerHost.CreateBuilder(options, settings, env, s =>
        {
            s.AddSingleton<IJailRuntime>(_runtime);
            more?.Invoke(s);
        }).Build();
    }

    private string Notified()
    {
        var buf = new byte[4096];
        return Encoding.UTF8.GetString(buf, 0, _notify.Receive(buf));
    }

    [Fact]
    public async Task StartAndStopFollowFail2BansSequence()
    {
        using var host = Build(new ServerOptions { Async = true, Background = false });
        var run = ServerHost.RunAsync(host);
        Assert.Equal("READY=1\nSTATUS=Jail2Ban running", Notified());
        Assert.Equal("777\n", File.ReadAllText(_dir.File("run/j2b.pid")));
        Assert.Equal(["start " + _dir.File("run/j2b.sock")], _runtime.Calls);

        host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("STOPPING=1", Notified());
        Assert.Equal(["start " + _dir.File("run/j2b.sock"), "stop"], _runtime.Calls);
        Assert.False(File.Exists(_dir.File("run/j2b.pid")));
        var lines = _text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l[24..]).ToArray();
        Assert.Equal([
            "fail2ban.server         [777]: INFO    --------------------------------------------------",
            "fail2ban.server         [777]: INFO    Starting Fail2ban v" + ServerInfo.Version,
            "fail2ban.server         [777]: INFO    Shutdown in progress...",
            "fail2ban.server         [777]: INFO    Exiting Fail2ban",
        ], lines);
    }

    [Fact]
    public async Task StaleSocketWithoutForceEndsWith255AndNoPidFile()
    {
        Directory.CreateDirectory(_dir.File("run"));
        File.WriteAllText(_dir.File("run/j2b.sock"), "");
        using var host = Build(new ServerOptions { Async = true });
        Assert.Equal(255, await ServerHost.RunAsync(host).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Empty(_runtime.Calls);
        Assert.False(File.Exists(_dir.File("run/j2b.pid")));
        Assert.Contains("Could not start server: Server already running", _text.ToString());
    }

    [Fact]
    public async Task StaleSocketWithForceStarts()
    {
        Directory.CreateDirectory(_dir.File("run"));
        File.WriteAllText(_dir.File("run/j2b.sock"), "");
        using var host = Build(new ServerOptions { Async = true, Force = true });
        var run = ServerHost.RunAsync(host);
        Assert.StartsWith("READY=1", Notified());
        Assert.False(File.Exists(_dir.File("run/j2b.sock")));
        host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task FailedConfigurationStopsWith255()
    {
        using var host = Build(new ServerOptions { Async = false, Background = false }, s => s.AddSingleton<IServerConfigurator, FailingConfigurator>());
        Assert.Equal(255, await ServerHost.RunAsync(host).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("STOPPING=1", Notified());
        Assert.DoesNotContain("Server ready", _text.ToString());
    }

    [Fact]
    public async Task ForegroundWithConfigurationPrintsServerReady()
    {
        using var host = Build(new ServerOptions { Async = false, Background = false });
        var run = ServerHost.RunAsync(host);
        Assert.StartsWith("READY=1", Notified());
        Assert.Contains("Server ready\n", _text.ToString());
        host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task HangupReloadsAndUsr1ReopensTheLog()
    {
        using var host = Build(new ServerOptions { Async = true });
        var run = ServerHost.RunAsync(host);
        Assert.StartsWith("READY=1", Notified());
        var signals = (ServerSignals)host.Services.GetRequiredService<IHostLifetime>();
        signals.Handle(new PosixSignalContext(PosixSignal.SIGHUP));
        Assert.StartsWith("RELOADING=1\nMONOTONIC_USEC=", Notified());
        Assert.StartsWith("READY=1", Notified());
        Assert.Contains("reload", _runtime.Calls);
        signals.Handle(new PosixSignalContext((PosixSignal)ServerSignals.SigUsr1));
        Assert.Contains("INFO    flush performed on STDOUT", _text.ToString());
        var term = new PosixSignalContext(PosixSignal.SIGTERM);
        signals.Handle(term);
        Assert.True(term.Cancel);
        Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void LogSourceFactoryIsAvailableToTheRuntime()
    {
        using var host = Build(new ServerOptions { Async = true });
        Assert.NotNull(host.Services.GetRequiredService<LogSourceFactory>());
        Assert.Equal("STDOUT", host.Services.GetRequiredService<ServerLog>().Target);
    }
}

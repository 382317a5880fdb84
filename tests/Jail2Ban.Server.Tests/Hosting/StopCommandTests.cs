using Jail2Ban.Server.Hosting;
using Jail2Ban.Server.Jails;
using Jail2Ban.Server.Logging;
using Microsoft.Extensions.DependencyInjection;

namespace Jail2Ban.Server.Tests.Hosting;

/// <summary>
/// <c>stop</c> (the dispatcher calls <see cref="JailManager.Quit"/>) must have run the unban and
/// actionstop commands when it returns, as fail2ban's <c>server.quit()</c> does inside the command:
/// the client's <c>stop</c> returns only after the firewall has been cleaned up.
/// </summary>
public sealed class StopCommandTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string WriteConfig()
    {
        var conf = _dir.File("conf");
        Directory.CreateDirectory(Path.Combine(conf, "filter.d"));
        Directory.CreateDirectory(Path.Combine(conf, "action.d"));
        File.WriteAllText(_dir.File("auth.log"), "");
        File.WriteAllText(Path.Combine(conf, "fail2ban.conf"), $"""
            [Definition]
            loglevel = INFO
            logtarget = {_dir.File("server.log")}
            dbfile = :memory:
            """);
        File.WriteAllText(Path.Combine(conf, "filter.d", "t.conf"), """
            [Definition]
            failregex = ^\s*auth failure from <HOST>$
            """);
        // Slow on purpose: a stop that does not wait for the actions returns before the lines exist.
        File.WriteAllText(Path.Combine(conf, "action.d", "t-file.conf"), $"""
            [Definition]
            actionban = echo "ban <ip>" >> {_dir.File("actions.txt")}
            actionunban = sleep 0.3; echo "unban <ip>" >> {_dir.File("actions.txt")}
            actionstop = sleep 0.2; echo "stop" >> {_dir.File("actions.txt")}
            """);
        File.WriteAllText(Path.Combine(conf, "jail.conf"), $"""
            [t]
            enabled = true
            backend = polling
            filter = t
            logpath = {_dir.File("auth.log")}
            action = t-file
            bantime = 1h
            """);
        return conf;
    }

    private string Actions => File.Exists(_dir.File("actions.txt")) ? File.ReadAllText(_dir.File("actions.txt")) : "";

    [Fact]
    public async Task StopCommandReturnsAfterUnbanAndActionStopHaveRun()
    {
        var options = new ServerOptions
        {
            ConfDir = WriteConfig(),
            Background = false,
            Socket = _dir.File("j2b.sock"),
            PidFile = _dir.File("j2b.pid"),
        };
        var settings = ServerSettings.Resolve(options, JailRuntimeRegistration.ReadServerDefinition(options.ConfDir));
        var env = new ServerHostEnvironment(
            new ServerLogEnvironment(TextWriter.Null, TextWriter.Null, 777, "/nonexistent", TimeZoneInfo.Utc),
            new ServerConsole(TextWriter.Null, 777), _ => null, TimeProvider.System);
        using var host = ServerHost.CreateBuilder(options, settings, env, s => s.AddJailRuntime()).Build();
        var run = ServerHost.RunAsync(host);
        var manager = host.Services.GetRequiredService<JailRuntime>().Manager;
        await WaitFor(() => manager.Jails.Contains("t"), "the jail");
        Assert.Equal(2, manager.BanIps("t", ["192.0.2.1", "192.0.2.2"]));
        await WaitFor(() => Actions.Contains("ban 192.0.2.2", StringComparison.Ordinal), "the bans");

        await Task.Run(manager.Quit);

        // Everything is there the moment the command returns, in fail2ban's order: unbans, then actionstop.
        var lines = Actions.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(5, lines.Length);
        Assert.Equal(["unban 192.0.2.1", "unban 192.0.2.2"], lines[2..4].Order(StringComparer.Ordinal));
        Assert.Equal("stop", lines[^1]);
        Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(20)));
        var log = File.ReadAllLines(_dir.File("server.log"));
        var shutdown = Array.FindIndex(log, l => l.EndsWith("Shutdown in progress...", StringComparison.Ordinal));
        var stopped = Array.FindIndex(log, l => l.EndsWith("Jail 't' stopped", StringComparison.Ordinal));
        var exiting = Array.FindIndex(log, l => l.EndsWith("Exiting Fail2ban", StringComparison.Ordinal));
        Assert.True(shutdown >= 0 && shutdown < stopped && stopped < exiting, string.Join('\n', log));
        Assert.Single(log, l => l.EndsWith("Shutdown in progress...", StringComparison.Ordinal));
    }

    private static async Task WaitFor(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for " + what);
            await Task.Delay(50);
        }
    }
}

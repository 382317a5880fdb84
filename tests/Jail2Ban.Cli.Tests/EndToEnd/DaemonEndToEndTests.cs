using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

namespace Jail2Ban.Cli.Tests.EndToEnd;

/// <summary>Locates dist/ (made by <c>make build</c>) and runs its executables.</summary>
internal static class EndToEndFixtures
{
    public static string RepoRoot => RepoPaths.Root;

    public static string Dist => Path.Combine(RepoRoot, "dist");

    public static bool HasDist => File.Exists(Path.Combine(Dist, "j2b-server")) && File.Exists(Path.Combine(Dist, "j2b-client"));

    public static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    public static async Task<(int Code, string Out, string Err)> RunAsync(string exe, IEnumerable<string> args, int timeoutMs = 30000)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeoutMs);
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{exe} {string.Join(' ', args)} did not finish");
        }
        return (p.ExitCode, await o, await e);
    }
}

/// <summary>
/// The built daemon as an admin runs it: <c>dist/j2b-server -c DIR -s SOCK -p PID -f -x start</c> on a
/// temp configuration, a log fed with failures, the ban seen through <c>dist/j2b-client status</c>,
/// unban, restart with a remaining ban restored from the database. Needs <c>make build</c> first.
/// </summary>
public sealed class DaemonEndToEndTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("j2b-e2e-").FullName;
    private Process? _server;

    private string Conf => Path.Combine(_dir, "conf");

    private string Sock => Path.Combine(_dir, "s.sock");

    private string LogFile => Path.Combine(_dir, "auth.log");

    private string ServerLog => Path.Combine(_dir, "server.log");

    private static string Client => Path.Combine(EndToEndFixtures.Dist, "j2b-client");

    private void WriteConfig()
    {
        Directory.CreateDirectory(Path.Combine(Conf, "filter.d"));
        Directory.CreateDirectory(Path.Combine(Conf, "action.d"));
        File.WriteAllText(Path.Combine(Conf, "fail2ban.conf"), $"""
            [Definition]
            loglevel = INFO
            logtarget = {ServerLog}
            socket = {Sock}
            pidfile = {_dir}/pid
            dbfile = {_dir}/db.sqlite3
            dbpurgeage = 1d
            """);
        File.WriteAllText(Path.Combine(Conf, "filter.d", "e2e.conf"), """
            [Definition]
            failregex = ^\s*auth failure from <HOST>$
            """);
        File.WriteAllText(Path.Combine(Conf, "action.d", "e2e-file.conf"), $"""
            [Definition]
            actionban = echo "ban <ip>" >> {_dir}/actions.txt
            actionunban = echo "unban <ip>" >> {_dir}/actions.txt
            """);
        File.WriteAllText(Path.Combine(Conf, "jail.conf"), $"""
            [DEFAULT]
            backend = polling
            [e2e]
            enabled = true
            filter = e2e
            logpath = {LogFile}
            action = e2e-file
            maxretry = 2
            findtime = 10m
            bantime = 1h
            """);
        File.WriteAllText(LogFile, "");
    }

    private async Task StartServerAsync()
    {
        var psi = new ProcessStartInfo(Path.Combine(EndToEndFixtures.Dist, "j2b-server"))
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in new[] { "-c", Conf, "-s", Sock, "-p", Path.Combine(_dir, "pid"), "-f", "-x", "start" }) psi.ArgumentList.Add(a);
        _server = Process.Start(psi)!;
        _server.OutputDataReceived += (_, e) => { if (e.Data is not null) output.WriteLine("server: " + e.Data); };
        _server.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.WriteLine("server! " + e.Data); };
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();
        await WaitFor(async () => (await ClientAsync("ping")).Code == 0, "ping");
    }

    private Task<(int Code, string Out, string Err)> ClientAsync(params string[] args) =>
        EndToEndFixtures.RunAsync(Client, ["-c", Conf, "-s", Sock, .. args]);

    private async Task StopServerAsync()
    {
        var r = await ClientAsync("stop");
        output.WriteLine("stop: " + r.Out + r.Err);
        if (_server is not null && !_server.WaitForExit(30000))
        {
            _server.Kill(entireProcessTree: true);
            Assert.Fail("the server did not stop");
        }
        _server?.Dispose();
        _server = null;
    }

    private async Task WaitFor(Func<Task<bool>> condition, string what, int timeoutMs = 30000)
    {
        var sw = Stopwatch.StartNew();
        while (!await condition())
        {
            if (sw.ElapsedMilliseconds > timeoutMs)
            {
                var log = File.Exists(ServerLog) ? File.ReadAllText(ServerLog) : "(no server log)";
                Assert.Fail($"timed out waiting for {what}\n{log}");
            }
            await Task.Delay(100);
        }
    }

    private void Fail(string ip, int n)
    {
        var now = DateTime.Now;
        File.AppendAllLines(LogFile, Enumerable.Range(0, n).Select(i =>
            now.AddSeconds(i - n).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " auth failure from " + ip));
    }

    [Fact]
    public async Task Built_daemon_bans_unbans_and_restores_across_a_restart()
    {
        if (!EndToEndFixtures.HasDist)
        {
            output.WriteLine($"SKIPPED: {EndToEndFixtures.Dist}/j2b-server not found; run `make build` first");
            return;
        }
        WriteConfig();
        await StartServerAsync();

        Fail("192.0.2.9", 2);
        await WaitFor(async () => (await ClientAsync("status", "e2e")).Out.Contains("192.0.2.9", StringComparison.Ordinal), "the ban in status");
        var status = (await ClientAsync("status", "e2e")).Out;
        output.WriteLine(status);
        Assert.Contains("Currently banned:\t1", status);
        Assert.Contains("Total failed:\t2", status);
        Assert.Contains(LogFile, status);
        await WaitFor(() => Task.FromResult(File.Exists(Path.Combine(_dir, "actions.txt")) && File.ReadAllText(Path.Combine(_dir, "actions.txt")).Contains("ban 192.0.2.9", StringComparison.Ordinal)), "the ban action");

        if (EndToEndFixtures.FindOnPath("fail2ban-client") is { } stock)
        {
            // The stock client speaks pickle to our socket and must print the same.
            var theirs = await EndToEndFixtures.RunAsync(stock, ["-s", Sock, "status", "e2e"]);
            Assert.Equal(status, theirs.Out);
            output.WriteLine($"{stock}: same status output");
        }
        else
        {
            output.WriteLine("fail2ban-client not installed: stock client comparison skipped");
        }

        Assert.Equal(0, (await ClientAsync("set", "e2e", "unbanip", "192.0.2.9")).Code);
        await WaitFor(async () => (await ClientAsync("status", "e2e")).Out.Contains("Currently banned:\t0", StringComparison.Ordinal), "the unban");
        Assert.Contains("unban 192.0.2.9", File.ReadAllText(Path.Combine(_dir, "actions.txt")));

        Fail("192.0.2.10", 2);
        await WaitFor(async () => (await ClientAsync("status", "e2e")).Out.Contains("192.0.2.10", StringComparison.Ordinal), "the second ban");
        await StopServerAsync();

        await StartServerAsync();
        await WaitFor(async () => (await ClientAsync("status", "e2e")).Out.Contains("192.0.2.10", StringComparison.Ordinal), "the restored ban");
        Assert.Contains("[e2e] Restore Ban 192.0.2.10", File.ReadAllText(ServerLog));
        var after = (await ClientAsync("status", "e2e")).Out;
        Assert.DoesNotContain("192.0.2.9", after);
        await StopServerAsync();
    }

    public void Dispose()
    {
        if (_server is { HasExited: false })
        {
            _server.Kill(entireProcessTree: true);
        }
        _server?.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

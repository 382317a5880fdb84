using System.Diagnostics;
using Xunit.Abstractions;

namespace Jail2Ban.Cli.Tests.EndToEnd;

/// <summary>
/// One built daemon on a temp configuration, as the end-to-end tests drive it: jail <c>e2e</c> (polling,
/// maxretry 2, an action appending to actions.txt) on auth.log; <c>dist/j2b-server -c DIR -s SOCK -p PID
/// -f -x start</c>; <c>dist/j2b-client</c> against its socket; stop, kill and clean-up.
/// </summary>
internal sealed class E2EDaemon : IDisposable
{
    public const string Jail = "e2e";

    private readonly ITestOutputHelper _output;
    private Process? _server;

    public E2EDaemon(ITestOutputHelper output, string prefix)
    {
        _output = output;
        Dir = Directory.CreateTempSubdirectory(prefix).FullName;
        WriteConfig();
    }

    public string Dir { get; }

    public string Conf => Path.Combine(Dir, "conf");

    public string Sock => Path.Combine(Dir, "s.sock");

    public string LogFile => Path.Combine(Dir, "auth.log");

    public string ServerLog => Path.Combine(Dir, "server.log");

    public string ActionsFile => Path.Combine(Dir, "actions.txt");

    public bool ActionsContain(string text) => File.Exists(ActionsFile) && File.ReadAllText(ActionsFile).Contains(text, StringComparison.Ordinal);

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
            pidfile = {Dir}/pid
            dbfile = {Dir}/db.sqlite3
            dbpurgeage = 1d
            """);
        File.WriteAllText(Path.Combine(Conf, "filter.d", "e2e.conf"), """
            [Definition]
            failregex = ^\s*auth failure from <HOST>$
            """);
        File.WriteAllText(Path.Combine(Conf, "action.d", "e2e-file.conf"), $"""
            [Definition]
            actionban = echo "ban <ip>" >> {ActionsFile}
            actionunban = echo "unban <ip>" >> {ActionsFile}
            """);
        File.WriteAllText(Path.Combine(Conf, "jail.conf"), $"""
            [DEFAULT]
            backend = polling
            [{Jail}]
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

    public async Task StartAsync()
    {
        var psi = new ProcessStartInfo(Path.Combine(EndToEndFixtures.Dist, "j2b-server"))
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in new[] { "-c", Conf, "-s", Sock, "-p", Path.Combine(Dir, "pid"), "-f", "-x", "start" }) psi.ArgumentList.Add(a);
        _server = Process.Start(psi)!;
        _server.OutputDataReceived += (_, e) => { if (e.Data is not null) _output.WriteLine("server: " + e.Data); };
        _server.ErrorDataReceived += (_, e) => { if (e.Data is not null) _output.WriteLine("server! " + e.Data); };
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();
        await WaitFor(async () => (await ClientAsync("ping")).Code == 0, "ping");
        // the socket answers before the configured jails are up (as fail2ban's server does while its start stream
        // is read): every test here starts from a running jail, so wait for it too (a stock-client status run right
        // after the ping once saw "Number of jail: 0" on a loaded CI machine)
        await WaitFor(async () => (await ClientAsync("status")).Out.Contains($"Jail list:\t{Jail}\n", StringComparison.Ordinal), $"jail {Jail} up");
    }

    /// <summary>dist/j2b-client with -c and -s of this daemon.</summary>
    public Task<(int Code, string Out, string Err)> ClientAsync(params string[] args) =>
        EndToEndFixtures.RunAsync(Client, ["-c", Conf, "-s", Sock, .. args]);

    /// <summary><c>j2b-client stop</c>, then waits for the process (killed and failed after 30 s).</summary>
    public async Task StopAsync()
    {
        var r = await ClientAsync("stop");
        _output.WriteLine("stop: " + r.Out + r.Err);
        if (_server is not null && !_server.WaitForExit(30000))
        {
            _server.Kill(entireProcessTree: true);
            Assert.Fail("the server did not stop");
        }
        _server?.Dispose();
        _server = null;
    }

    /// <summary>Polls the condition every 100 ms; on timeout fails with the server log.</summary>
    public async Task WaitFor(Func<Task<bool>> condition, string what, int timeoutMs = 30000)
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

    public void Dispose()
    {
        if (_server is { HasExited: false })
        {
            _server.Kill(entireProcessTree: true);
        }
        _server?.Dispose();
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

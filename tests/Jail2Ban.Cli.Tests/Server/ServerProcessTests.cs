using System.Diagnostics;

namespace Jail2Ban.Cli.Tests.Server;

/// <summary>j2b-server as a real process: foreground start, pid file, signals, exit code.</summary>
public sealed class ServerProcessTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("j2b-proc-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, true);
        }
        catch (IOException)
        {
        }
    }

    private static Process Start(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "j2b-server.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        return Process.Start(psi)!;
    }

    private static void Kill(int pid, string signal)
    {
        using var k = Process.Start("kill", ["-" + signal, pid.ToString()]);
        k.WaitForExit();
    }

    private static async Task<string> WaitForPid(string path)
    {
        for (var i = 0; i < 200; i++)
        {
            if (File.Exists(path) && File.ReadAllText(path) is { Length: > 0 } s && s.EndsWith('\n'))
            {
                return s;
            }
            await Task.Delay(50);
        }
        throw new TimeoutException("no pid file " + path);
    }

    [Fact]
    public async Task ForegroundServerStopsOnSigtermWithExitZero()
    {
        var pidPath = Path.Combine(_dir, "run", "j2b.pid");
        var log = Path.Combine(_dir, "j2b.log");
        using var p = Start("-f", "--async", "-s", Path.Combine(_dir, "run", "j2b.sock"), "-p", pidPath, "--logtarget", log, "--pname", "j2b-test");
        var pid = await WaitForPid(pidPath);
        Assert.Equal(p.Id + "\n", pid);
        Assert.Equal("j2b-test", File.ReadAllText($"/proc/{p.Id}/comm").Trim());

        File.Move(log, log + ".1");
        Kill(p.Id, "USR1");
        for (var i = 0; i < 100 && !File.Exists(log); i++)
        {
            await Task.Delay(50);
        }
        Kill(p.Id, "TERM");
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(0, p.ExitCode);
        Assert.False(File.Exists(pidPath));
        Assert.Contains("Starting Fail2ban v", File.ReadAllText(log + ".1"));
        var after = File.ReadAllText(log);
        Assert.Contains("INFO    rollover performed on " + log, after);
        Assert.Contains("INFO    Exiting Fail2ban", after);
    }

    [Fact]
    public async Task StaleSocketWithoutForceExits255()
    {
        var sock = Path.Combine(_dir, "j2b.sock");
        File.WriteAllText(sock, "");
        // fail2ban reads logtarget from fail2ban.conf (also with --async): keep the log on stdout here.
        using var p = Start("-f", "--async", "--logtarget", "STDOUT", "-s", sock, "-p", Path.Combine(_dir, "j2b.pid"));
        var output = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(255, p.ExitCode);
        Assert.Contains("ERROR   Fail2ban seems to be already running", output);
    }

    [Fact]
    public async Task BackgroundModeDetachesIntoANewSession()
    {
        var pidPath = Path.Combine(_dir, "bg.pid");
        using var p = Start("-b", "--async", "-s", Path.Combine(_dir, "bg.sock"), "-p", pidPath, "--logtarget", Path.Combine(_dir, "bg.log"));
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(40));
        Assert.Equal(0, p.ExitCode);
        var daemon = int.Parse((await WaitForPid(pidPath)).Trim());
        try
        {
            Assert.NotEqual(p.Id, daemon);
            // setsid: the daemon leads its own session (field 6 of /proc/<pid>/stat is the session id).
            var stat = File.ReadAllText($"/proc/{daemon}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            Assert.Equal(daemon.ToString(), fields[3]);
        }
        finally
        {
            Kill(daemon, "TERM");
        }
        for (var i = 0; i < 200 && File.Exists(pidPath); i++)
        {
            await Task.Delay(50);
        }
        Assert.False(File.Exists(pidPath));
    }
}

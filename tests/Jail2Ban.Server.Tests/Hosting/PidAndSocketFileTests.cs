using Jail2Ban.Server.Hosting;
using Jail2Ban.Server.Logging;

namespace Jail2Ban.Server.Tests.Hosting;

public sealed class PidAndSocketFileTests
{
    private static (ServerLog, StringWriter) Log()
    {
        var w = new StringWriter();
        var log = new ServerLog(TimeProvider.System, new ServerLogEnvironment(w, w, 1, "/x", TimeZoneInfo.Utc), "t");
        log.SetTarget("STDOUT");
        log.TrySetLevel("DEBUG", out _);
        return (log, w);
    }

    [Fact]
    public void PidFileHoldsPidAndNewlineAndItsDirectoryIsCreated()
    {
        using var dir = new TempDir();
        var (log, _) = Log();
        var path = Path.Combine(dir.Path, "run", "j2b.pid");
        var pid = new PidFile(path, log);
        Assert.True(pid.Write(4242));
        Assert.Equal("4242\n", File.ReadAllText(path));
        pid.Remove();
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void PidFileFailureIsOnlyLogged()
    {
        var (log, w) = Log();
        var pid = new PidFile("/proc/1/nope/x.pid", log);
        Assert.False(pid.Write(1));
        Assert.Contains("ERROR   Unable to create PID file:", w.ToString());
    }

    [Fact]
    public void MissingSocketFileIsFineAndDirectoryIsCreated()
    {
        using var dir = new TempDir();
        var (log, w) = Log();
        var sock = Path.Combine(dir.Path, "run", "s.sock");
        SocketFilePolicy.Prepare(sock, force: false, log);
        Assert.True(Directory.Exists(Path.GetDirectoryName(sock)));
        Assert.DoesNotContain("ERROR", w.ToString());
    }

    [Fact]
    public void ExistingSocketFileRefusesStartWithoutForce()
    {
        using var dir = new TempDir();
        var (log, w) = Log();
        var sock = dir.File("s.sock");
        File.WriteAllText(sock, "");
        var ex = Assert.Throws<ServerStartException>(() => SocketFilePolicy.Prepare(sock, force: false, log));
        Assert.Equal("Server already running", ex.Message);
        Assert.True(File.Exists(sock));
        Assert.Contains("fail2ban.asyncserver    [1]: ERROR   Fail2ban seems to be already running", w.ToString());
        Assert.Contains("ERROR   Could not start server: Server already running", w.ToString());
    }

    [Fact]
    public void ForceRemovesTheStaleSocketFile()
    {
        using var dir = new TempDir();
        var (log, w) = Log();
        var sock = dir.File("s.sock");
        File.WriteAllText(sock, "");
        SocketFilePolicy.Prepare(sock, force: true, log);
        Assert.False(File.Exists(sock));
        Assert.Contains("WARNING Forcing execution of the server", w.ToString());
    }

    [Fact]
    public void SettingsPreferCommandLineThenConfThenDefaults()
    {
        var conf = new Dictionary<string, string> { ["socket"] = "/c.sock", ["loglevel"] = "NOTICE", ["logtarget"] = "/var/log/fail2ban.log" };
        var s = ServerSettings.Resolve(new ServerOptions { Socket = "/cli.sock" }, conf);
        Assert.Equal("/cli.sock", s.Socket);
        Assert.Equal("NOTICE", s.LogLevel);
        Assert.Equal("/var/log/fail2ban.log", s.LogTarget);
        Assert.Equal(ServerSettings.DefaultPidFile, s.PidFile);
        var d = ServerSettings.Resolve(new ServerOptions());
        Assert.Equal(("/var/run/fail2ban/fail2ban.sock", "INFO", "STDOUT", "auto", "fail2ban-server"), (d.Socket, d.LogLevel, d.LogTarget, d.SyslogSocket, d.PName));
    }
}

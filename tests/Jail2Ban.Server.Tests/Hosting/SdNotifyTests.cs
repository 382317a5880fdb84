using System.Net.Sockets;
using System.Text;
using Jail2Ban.Server.Hosting;

namespace Jail2Ban.Server.Tests.Hosting;

public sealed class SdNotifyTests
{
    private static string Receive(Socket s)
    {
        var buf = new byte[4096];
        s.ReceiveTimeout = 5000;
        var n = s.Receive(buf);
        return Encoding.UTF8.GetString(buf, 0, n);
    }

    [Fact]
    public void SendsStatesToAPathSocket()
    {
        using var dir = new TempDir();
        var path = dir.File("notify.sock");
        using var server = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        server.Bind(new UnixDomainSocketEndPoint(path));
        using var n = new SdNotify(k => k == "NOTIFY_SOCKET" ? path : null);
        Assert.True(n.Enabled);
        Assert.True(n.Ready("Jail2Ban running"));
        Assert.Equal("READY=1\nSTATUS=Jail2Ban running", Receive(server));
        Assert.True(n.Reloading());
        Assert.Matches(@"^RELOADING=1\nMONOTONIC_USEC=\d+$", Receive(server));
        Assert.True(n.Stopping());
        Assert.Equal("STOPPING=1", Receive(server));
        Assert.True(n.Status("3 jails"));
        Assert.Equal("STATUS=3 jails", Receive(server));
    }

    [Fact]
    public void AbstractSocketNameWithAt()
    {
        var name = "j2b-test-" + Guid.NewGuid().ToString("N");
        using var server = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        server.Bind(new UnixDomainSocketEndPoint("\0" + name));
        using var n = new SdNotify(k => k == "NOTIFY_SOCKET" ? "@" + name : null);
        Assert.True(n.Ready());
        Assert.Equal("READY=1", Receive(server));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("relative/path")]
    public void WithoutNotifySocketEverythingIsANoOp(string? value)
    {
        using var n = new SdNotify(k => k == "NOTIFY_SOCKET" ? value : null);
        Assert.False(n.Enabled);
        Assert.False(n.Ready());
        Assert.Null(n.WatchdogInterval);
    }

    [Fact]
    public void MonotonicClockIsTheKernelsClockMonotonic()
    {
        using var dir = new TempDir();
        var path = dir.File("n.sock");
        using var server = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        server.Bind(new UnixDomainSocketEndPoint(path));
        using var n = new SdNotify(k => k == "NOTIFY_SOCKET" ? path : null);
        n.Reloading();
        var usec = long.Parse(Receive(server).Split("MONOTONIC_USEC=")[1]);
        // /proc/uptime is CLOCK_BOOTTIME, which is >= CLOCK_MONOTONIC and equal when never suspended.
        var uptime = double.Parse(File.ReadAllText("/proc/uptime").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(usec / 1e6, 0, uptime + 1);
        Assert.True(usec / 1e6 > 0.5 * uptime || uptime < 10, $"monotonic {usec / 1e6}s vs uptime {uptime}s");
    }

    [Theory]
    [InlineData("20000000", null, 10.0)]
    [InlineData("20000000", "1", null)]
    [InlineData("abc", null, null)]
    public void WatchdogIntervalIsHalfOfWatchdogUsecForThisProcess(string usec, string? pid, double? expectedSeconds)
    {
        using var n = new SdNotify(k => k switch
        {
            "NOTIFY_SOCKET" => "/run/nonexistent.sock",
            "WATCHDOG_USEC" => usec,
            "WATCHDOG_PID" => pid,
            _ => null,
        });
        Assert.Equal(expectedSeconds, n.WatchdogInterval?.TotalSeconds);
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Jail2Ban.Server.Hosting;

/// <summary>
/// systemd's sd_notify protocol, by hand: one datagram of <c>KEY=value</c> lines to the socket
/// named by NOTIFY_SOCKET (a path, or an abstract name written with a leading '@'). Without
/// NOTIFY_SOCKET every call is a no-op, so the server behaves the same outside systemd.
/// </summary>
public sealed class SdNotify : IDisposable
{
    private readonly Socket? _socket;
    private readonly UnixDomainSocketEndPoint? _endpoint;

    public SdNotify(Func<string, string?> getEnvironment)
    {
        var path = getEnvironment("NOTIFY_SOCKET");
        if (string.IsNullOrEmpty(path) || (path[0] != '/' && path[0] != '@'))
        {
            return;
        }
        // Abstract namespace: '@' stands for the leading NUL byte.
        _endpoint = new UnixDomainSocketEndPoint(path[0] == '@' ? "\0" + path[1..] : path);
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        WatchdogInterval = ReadWatchdog(getEnvironment);
    }

    public static SdNotify FromProcess() => new(Environment.GetEnvironmentVariable);

    public bool Enabled => _socket is not null;

    /// <summary>Half of WATCHDOG_USEC when the watchdog is on for this process, else null.</summary>
    public TimeSpan? WatchdogInterval { get; }

    public bool Ready(string? status = null) => Send(status is null ? "READY=1" : $"READY=1\nSTATUS={status}");

    /// <summary>RELOADING=1 with the MONOTONIC_USEC that Type=notify-reload requires.</summary>
    public bool Reloading() => Send("RELOADING=1\nMONOTONIC_USEC=" + MonotonicMicroseconds().ToString(CultureInfo.InvariantCulture));

    public bool Stopping() => Send("STOPPING=1");

    public bool Status(string status) => Send("STATUS=" + status);

    public bool Watchdog() => Send("WATCHDOG=1");

    /// <summary>Sends raw assignments (newline-separated). False when not under systemd or on error.</summary>
    public bool Send(string state)
    {
        if (_socket is null || _endpoint is null)
        {
            return false;
        }
        try
        {
            _socket.SendTo(Encoding.UTF8.GetBytes(state), _endpoint);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    // Stopwatch is CLOCK_MONOTONIC on Linux, the clock systemd compares against.
    private static long MonotonicMicroseconds() => (long)(Stopwatch.GetTimestamp() * (1_000_000.0 / Stopwatch.Frequency));

    private static TimeSpan? ReadWatchdog(Func<string, string?> env)
    {
        if (!long.TryParse(env("WATCHDOG_USEC"), NumberStyles.None, CultureInfo.InvariantCulture, out var usec) || usec <= 0)
        {
            return null;
        }
        var pid = env("WATCHDOG_PID");
        if (!string.IsNullOrEmpty(pid) && pid != Environment.ProcessId.ToString(CultureInfo.InvariantCulture))
        {
            return null;
        }
        return TimeSpan.FromMicroseconds(usec / 2.0);
    }

    public void Dispose() => _socket?.Dispose();
}

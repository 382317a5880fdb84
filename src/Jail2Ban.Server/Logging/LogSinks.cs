using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace Jail2Ban.Server.Logging;

/// <summary>One output of the server log (fail2ban's logging handler).</summary>
internal interface ILogSink : IDisposable
{
    void Write(LogRecord record);

    /// <summary>Several records in order; a file writes them with one flush (one write(2)).</summary>
    void WriteMany(IReadOnlyList<LogRecord> records)
    {
        foreach (var r in records)
        {
            Write(r);
        }
    }

    /// <summary>Re-open the output if it is a file (logrotate's postrotate); true if reopened.</summary>
    bool Reopen();

    void Flush();
}

/// <summary>STDOUT / STDERR / SYSOUT: a text writer, flushed after every line like Python's StreamHandler.</summary>
internal sealed class TextWriterSink(TextWriter writer, LogFormat format, int pid, TimeZoneInfo zone) : ILogSink
{
    public void Write(LogRecord record)
    {
        writer.Write(format.Render(record, pid, zone));
        writer.Write('\n');
        writer.Flush();
    }

    public bool Reopen() => false;

    public void Flush() => writer.Flush();

    // The process's standard streams are not ours to close.
    public void Dispose() => writer.Flush();
}

/// <summary>A log file opened in append mode; <see cref="Reopen"/> closes and opens it again.</summary>
internal sealed class FileSink : ILogSink
{
    private readonly string _path;
    private readonly LogFormat _format;
    private readonly int _pid;
    private readonly TimeZoneInfo _zone;
    private StreamWriter? _writer;

    public FileSink(string path, LogFormat format, int pid, TimeZoneInfo zone)
    {
        _path = path;
        _format = format;
        _pid = pid;
        _zone = zone;
        _writer = Open(path);
    }

    private static StreamWriter Open(string path)
    {
        // Share read/write/delete so that logrotate can move the file while we hold it.
        var fs = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        return new StreamWriter(fs, new UTF8Encoding(false)) { NewLine = "\n" };
    }

    /// <summary>Flushed after every line like Python's FileHandler: one write(2) per line (AutoFlush
    /// would flush the text and its newline separately, two writes per line).</summary>
    public void Write(LogRecord record)
    {
        _writer ??= Open(_path);
        _writer.Write(_format.Render(record, _pid, _zone));
        _writer.Write('\n');
        _writer.Flush();
    }

    public void WriteMany(IReadOnlyList<LogRecord> records)
    {
        _writer ??= Open(_path);
        foreach (var r in records)
        {
            _writer.Write(_format.Render(r, _pid, _zone));
            _writer.Write('\n');
        }
        _writer.Flush();
    }

    public bool Reopen()
    {
        _writer?.Dispose();
        _writer = Open(_path);
        return true;
    }

    public void Flush() => _writer?.Flush();

    public void Dispose()
    {
        _writer?.Dispose();
        _writer = null;
    }
}

/// <summary>
/// SYSLOG: RFC 3164-less datagrams as Python's SysLogHandler sends them to a local socket:
/// <c>&lt;PRI&gt;</c> + formatted line + NUL byte.
/// </summary>
internal sealed class SyslogSink : ILogSink
{
    private readonly Socket _socket;
    private readonly LogFormat _format;
    private readonly int _pid;
    private readonly TimeZoneInfo _zone;
    private readonly int _facility;

    public SyslogSink(string socketPath, int facility, LogFormat format, int pid, TimeZoneInfo zone)
    {
        _facility = facility;
        _format = format;
        _pid = pid;
        _zone = zone;
        var ep = new UnixDomainSocketEndPoint(socketPath);
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        try
        {
            _socket.Connect(ep);
        }
        catch (SocketException)
        {
            // Same fallback as Python: a stream socket when the datagram type is refused.
            _socket.Dispose();
            _socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            _socket.Connect(ep);
        }
    }

    public static int? FacilityCode(string name) => name.ToUpperInvariant() switch
    {
        "KERN" => 0, "USER" => 1, "MAIL" => 2, "DAEMON" => 3, "AUTH" => 4, "SYSLOG" => 5,
        "LPR" => 6, "NEWS" => 7, "UUCP" => 8, "CRON" => 9, "AUTHPRIV" => 10, "FTP" => 11,
        "NTP" => 12, "SECURITY" => 13, "CONSOLE" => 14, "SOLARIS_CRON" => 15,
        "LOCAL0" => 16, "LOCAL1" => 17, "LOCAL2" => 18, "LOCAL3" => 19,
        "LOCAL4" => 20, "LOCAL5" => 21, "LOCAL6" => 22, "LOCAL7" => 23,
        _ => null,
    };

    public void Write(LogRecord record)
    {
        var pri = (_facility << 3) | LogLevels.SyslogSeverity(LogLevels.Name(record.Level));
        var text = "<" + pri + ">" + _format.Render(record, _pid, _zone) + "\0";
        try
        {
            _socket.Send(Encoding.UTF8.GetBytes(text));
        }
        catch (SocketException)
        {
            // A restarting syslog daemon must not take the server down; the line is lost.
        }
    }

    public bool Reopen() => false;

    public void Flush()
    {
    }

    public void Dispose() => _socket.Dispose();
}

/// <summary>
/// SYSTEMD-JOURNAL: journald's native datagram protocol (bare message, SYSLOG_IDENTIFIER=fail2ban,
/// PRIORITY from the level, LOGGER = logger name). Multi-line values use the length-prefixed form.
/// </summary>
internal sealed class JournalSink : ILogSink
{
    public const string DefaultSocket = "/run/systemd/journal/socket";
    private readonly Socket _socket;
    private readonly UnixDomainSocketEndPoint _endpoint;

    public JournalSink(string socketPath)
    {
        _endpoint = new UnixDomainSocketEndPoint(socketPath);
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        _socket.Connect(_endpoint);
    }

    internal static byte[] Encode(LogRecord record)
    {
        using var ms = new MemoryStream();
        Field(ms, "MESSAGE", record.Message);
        Field(ms, "PRIORITY", LogLevels.JournalPriority(record.Level).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Field(ms, "SYSLOG_IDENTIFIER", "fail2ban");
        Field(ms, "LOGGER", record.Logger);
        return ms.ToArray();
    }

    private static void Field(MemoryStream ms, string key, string value)
    {
        var k = Encoding.ASCII.GetBytes(key);
        var v = Encoding.UTF8.GetBytes(value);
        ms.Write(k);
        if (value.Contains('\n'))
        {
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)v.Length);
            ms.WriteByte((byte)'\n');
            ms.Write(len);
        }
        else
        {
            ms.WriteByte((byte)'=');
        }
        ms.Write(v);
        ms.WriteByte((byte)'\n');
    }

    public void Write(LogRecord record)
    {
        try
        {
            _socket.Send(Encode(record));
        }
        catch (SocketException)
        {
            // journald restarting: drop the line rather than fail the caller.
        }
    }

    public bool Reopen() => false;

    public void Flush()
    {
    }

    public void Dispose() => _socket.Dispose();
}

namespace Jail2Ban.Server.Logging;

/// <summary>Process-level things the server log writes to; replaceable in tests.</summary>
/// <param name="Stdout">STDOUT / SYSOUT target.</param>
/// <param name="Stderr">STDERR target (and the last resort before any target is set).</param>
/// <param name="ProcessId">The pid printed in every line.</param>
/// <param name="JournalSocket">journald's native socket.</param>
/// <param name="Zone">Zone the time stamps are rendered in (local time, like fail2ban).</param>
public sealed record ServerLogEnvironment(TextWriter Stdout, TextWriter Stderr, int ProcessId, string JournalSocket, TimeZoneInfo Zone)
{
    public static ServerLogEnvironment Process() =>
        new(Console.Out, Console.Error, Environment.ProcessId, JournalSink.DefaultSocket, TimeZoneInfo.Local);
}

/// <summary>
/// The server's own log (fail2ban's "fail2ban" logger): one level, one target, fail2ban's line
/// format, and the <c>set loglevel</c> / <c>set logtarget</c> / <c>set syslogsocket</c> /
/// <c>flushlogs</c> semantics. Thread-safe. Other code logs through
/// <see cref="Fail2BanLoggerProvider"/> or calls <see cref="Log"/> directly.
/// </summary>
public sealed class ServerLog : IDisposable
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly ServerLogEnvironment _env;
    private ILogSink? _sink;
    private string _levelText = "INFO";
    private int _level = LogLevels.Info;
    private string? _target;
    private LogTargetKind _kind;
    private string _syslogSocket = "auto";

    public ServerLog(TimeProvider time, ServerLogEnvironment env, string version)
    {
        _time = time;
        _env = env;
        Version = version;
    }

    /// <summary>Version quoted in "Changed logging target ..." messages.</summary>
    public string Version { get; }

    /// <summary>The level as last given (upper-cased), e.g. "INFO" or "20" — what <c>get loglevel</c> returns.</summary>
    public string LevelText { get { lock (_lock) { return _levelText; } } }

    public int Level { get { lock (_lock) { return _level; } } }

    /// <summary>The current target (null before the first <see cref="SetTarget"/>).</summary>
    public string? Target { get { lock (_lock) { return _target; } } }

    public string SyslogSocket { get { lock (_lock) { return _syslogSocket; } } }

    // NOTSET on the fail2ban logger falls back to Python's root level, WARNING.
    public bool IsEnabled(int level) => level >= (Level == LogLevels.NotSet ? LogLevels.Warning : Level);

    public void Log(string logger, int level, string message)
    {
        if (!IsEnabled(level))
        {
            return;
        }
        var record = new LogRecord(_time.GetUtcNow(), logger, level, message);
        lock (_lock)
        {
            if (_sink is null)
            {
                // Python's "last resort" handler: bare message on stderr, warnings and up only.
                if (level >= LogLevels.Warning)
                {
                    _env.Stderr.WriteLine(message);
                }
                return;
            }
            try
            {
                _sink.Write(record);
            }
            catch (IOException e)
            {
                // Like Python's Handler.handleError: a full disk must not break the caller.
                _env.Stderr.WriteLine($"--- Logging error --- {e.Message}");
            }
        }
    }

    /// <summary>
    /// Records made earlier (each stamped when it was made) written in order under one lock, a file
    /// target with one flush: a jail's filter thread buffers its Found lines per batch of log lines.
    /// Records below the level are dropped as <see cref="Log"/> would.
    /// </summary>
    public void LogMany(IReadOnlyList<LogRecord> records)
    {
        lock (_lock)
        {
            var min = _level == LogLevels.NotSet ? LogLevels.Warning : _level;
            var kept = records.Where(r => r.Level >= min).ToList();
            if (kept.Count == 0)
            {
                return;
            }
            if (_sink is null)
            {
                foreach (var r in kept.Where(r => r.Level >= LogLevels.Warning))
                {
                    _env.Stderr.WriteLine(r.Message);
                }
                return;
            }
            try
            {
                _sink.WriteMany(kept);
            }
            catch (IOException e)
            {
                _env.Stderr.WriteLine($"--- Logging error --- {e.Message}");
            }
        }
    }

    /// <summary>A record stamped now (for <see cref="LogMany"/>).</summary>
    public LogRecord Record(string logger, int level, string message) => new(_time.GetUtcNow(), logger, level, message);

    /// <summary><c>set loglevel</c>: a name or a number; the text is kept upper-cased as given.</summary>
    public bool TrySetLevel(string value, out string? error)
    {
        var upper = value.ToUpperInvariant();
        if (!LogLevels.TryParse(upper, out var level, out error))
        {
            return false;
        }
        lock (_lock)
        {
            _levelText = upper;
            _level = level;
        }
        return true;
    }

    /// <summary>
    /// <c>set logtarget</c>. Returns false (after logging fail2ban's error lines on the old
    /// target) when the new one cannot be opened; the old target stays in use.
    /// </summary>
    public bool SetTarget(string value) => SetTarget(value, force: false);

    private bool SetTarget(string value, bool force)
    {
        if (!LogTargetSpec.TryParse(value, out var spec, out var parseError))
        {
            Log("fail2ban.server", LogLevels.Error, $"Invalid log target '{value}': {parseError}");
            return false;
        }
        string? previous;
        ILogSink sink;
        lock (_lock)
        {
            previous = _target;
            if (!force && previous == spec!.Target)
            {
                return true;
            }
        }
        try
        {
            sink = CreateSink(spec!);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Net.Sockets.SocketException or ArgumentException)
        {
            if (spec!.Kind == LogTargetKind.Syslog)
            {
                Log("fail2ban.server", LogLevels.Error, $"Syslog socket file: {ResolveSyslogSocket()} does not exists or is not a socket");
            }
            else
            {
                Log("fail2ban.server", LogLevels.Error, $"Unable to log to '{spec.Target}'");
                Log("fail2ban.server", LogLevels.Info, $"Logging to previous target '{previous}'");
            }
            return false;
        }
        lock (_lock)
        {
            _sink?.Dispose();
            _sink = sink;
            _target = spec!.Target;
            _kind = spec.Kind;
        }
        if (previous is not null && previous != spec!.Target)
        {
            Log("fail2ban.server", LogLevels.Info, $"Start Fail2ban v{Version}");
            var shown = spec!.Kind == LogTargetKind.Syslog ? $"{spec.Target} ({ResolveSyslogSocket()})" : spec.Target;
            Log("fail2ban.server", LogLevels.Info, $"Changed logging target to {shown} for Fail2ban v{Version}");
        }
        return true;
    }

    /// <summary><c>set syslogsocket</c>; re-creates a SYSLOG target so that it uses the new socket.</summary>
    public bool SetSyslogSocket(string path)
    {
        string? target;
        lock (_lock)
        {
            if (_syslogSocket == path)
            {
                return true;
            }
            _syslogSocket = path;
            if (_kind != LogTargetKind.Syslog || _target is null)
            {
                return true;
            }
            target = _target;
        }
        return SetTarget(target, force: true);
    }

    /// <summary><c>flushlogs</c> / SIGUSR1: a file target is reopened ("rolled over"), others flushed.</summary>
    public string FlushLogs()
    {
        string? target;
        LogTargetKind kind;
        bool reopened;
        lock (_lock)
        {
            if (_sink is null)
            {
                return "flushed";
            }
            target = _target;
            kind = _kind;
            reopened = _sink.Reopen();
            if (!reopened)
            {
                _sink.Flush();
            }
        }
        Log("fail2ban.server", LogLevels.Info, (reopened ? "rollover performed on " : "flush performed on ") + target);
        // fail2ban treats every target but STDOUT/STDERR/SYSLOG/journal as rotatable, so SYSOUT
        // answers "rolled over" too, after a plain flush.
        return kind is LogTargetKind.Stdout or LogTargetKind.Stderr or LogTargetKind.Syslog or LogTargetKind.SystemdJournal
            ? "flushed" : "rolled over";
    }

    private string? ResolveSyslogSocket()
    {
        var s = SyslogSocket;
        return s == "auto" ? (OperatingSystem.IsMacOS() ? "/var/run/syslog" : OperatingSystem.IsFreeBSD() ? "/var/run/log" : "/dev/log") : s;
    }

    private ILogSink CreateSink(LogTargetSpec spec)
    {
        var o = spec.Options;
        bool? padding = o.TryGetValue("padding", out var p) ? IsTrue(p) : null;
        if (spec.Kind == LogTargetKind.Syslog)
        {
            padding ??= false;
        }
        var addTime = o.TryGetValue("datetime", out var d) ? IsTrue(d) : spec.Kind is not (LogTargetKind.Syslog or LogTargetKind.Sysout);
        var format = o.TryGetValue("format", out var f) && f.Length > 0 ? LogFormat.Parse(f) : LogFormat.Default(addTime, padding ?? true);
        switch (spec.Kind)
        {
            case LogTargetKind.Stdout:
            case LogTargetKind.Sysout:
                return new TextWriterSink(_env.Stdout, format, _env.ProcessId, _env.Zone);
            case LogTargetKind.Stderr:
                return new TextWriterSink(_env.Stderr, format, _env.ProcessId, _env.Zone);
            case LogTargetKind.SystemdJournal:
                return new JournalSink(_env.JournalSocket);
            case LogTargetKind.Syslog:
                var facility = o.TryGetValue("facility", out var fac) ? SyslogSink.FacilityCode(fac) : 3;
                if (facility is null)
                {
                    Log("fail2ban.server", LogLevels.Error, $"Unable to set facility '{fac}', using 'DAEMON'");
                    facility = 3;
                }
                var path = ResolveSyslogSocket() ?? throw new IOException("no syslog socket");
                return new SyslogSink(path, facility.Value, format, _env.ProcessId, _env.Zone);
            default:
                return new FileSink(spec.Target, format, _env.ProcessId, _env.Zone);
        }
    }

    private static bool IsTrue(string v) => v.ToLowerInvariant() is "1" or "on" or "true" or "yes";

    public void Dispose()
    {
        lock (_lock)
        {
            _sink?.Dispose();
            _sink = null;
        }
    }
}

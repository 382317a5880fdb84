namespace Jail2Ban.Server.Hosting;

/// <summary>What the j2b-server command line asked for.</summary>
public enum ServerAction
{
    /// <summary>Run the server (no command, or <c>start</c>).</summary>
    Start,

    /// <summary>Any other command words: act as the client (fail2ban-server does the same).</summary>
    Client,

    Help,

    /// <summary><c>-V</c>: machine-readable version.</summary>
    ShortVersion,

    /// <summary><c>--version</c>: human-readable version.</summary>
    Version,

    /// <summary><c>--str2sec</c>: print the seconds of a time abbreviation and exit.</summary>
    Str2Sec,
}

/// <summary>
/// fail2ban-server's options, parsed and typed. Null means "not given on the command line"
/// (fail2ban.conf or the built-in default applies, see <see cref="ServerSettings"/>).
/// </summary>
public sealed record ServerOptions
{
    public ServerAction Action { get; init; } = ServerAction.Start;

    /// <summary>-c: configuration directory.</summary>
    public string ConfDir { get; init; } = "/etc/fail2ban";

    /// <summary>-s</summary>
    public string? Socket { get; init; }

    /// <summary>-p</summary>
    public string? PidFile { get; init; }

    /// <summary>--pname: process (main thread) name.</summary>
    public string? PName { get; init; }

    public string? LogLevel { get; init; }

    public string? LogTarget { get; init; }

    public string? SyslogSocket { get; init; }

    /// <summary>-b (default) / -f: daemonize or stay in the foreground.</summary>
    public bool Background { get; init; } = true;

    /// <summary>-x: remove a stale socket file.</summary>
    public bool Force { get; init; }

    /// <summary>--async: do not read the configuration (a client will send it).</summary>
    public bool Async { get; init; }

    /// <summary>-t / --test: test the configuration.</summary>
    public bool Test { get; init; }

    /// <summary>-d (1) / --dp, --dump-pretty (2).</summary>
    public int Dump { get; init; }

    public bool Interactive { get; init; }

    /// <summary>Number of -v minus number of -q.</summary>
    public int Verbosity { get; init; }

    /// <summary>--timeout as given (a time abbreviation, e.g. 30 or 1m).</summary>
    public string? Timeout { get; init; }

    /// <summary>--str2sec argument.</summary>
    public string? Str2SecExpression { get; init; }

    /// <summary>Words after the options (<c>start</c>, or a client command).</summary>
    public IReadOnlyList<string> Command { get; init; } = [];
}

/// <summary>
/// The values the server runs with: command line over fail2ban.conf ([Definition]) over the
/// built-in defaults. The fail2ban.conf values come from the configuration reader (another
/// area) as a plain key/value map.
/// </summary>
public sealed record ServerSettings(string Socket, string PidFile, string LogLevel, string LogTarget, string SyslogSocket, string PName)
{
    public const string DefaultSocket = "/var/run/fail2ban/fail2ban.sock";
    public const string DefaultPidFile = "/var/run/fail2ban/fail2ban.pid";

    public static ServerSettings Resolve(ServerOptions cli, IReadOnlyDictionary<string, string>? conf = null)
    {
        string Pick(string? fromCli, string key, string fallback) =>
            fromCli ?? (conf is not null && conf.TryGetValue(key, out var v) && v.Length > 0 ? v : fallback);
        return new ServerSettings(
            Pick(cli.Socket, "socket", DefaultSocket),
            Pick(cli.PidFile, "pidfile", DefaultPidFile),
            Pick(cli.LogLevel, "loglevel", "INFO"),
            // fail2ban-server alone logs to STDOUT; the stock fail2ban.conf says /var/log/fail2ban.log.
            Pick(cli.LogTarget, "logtarget", "STDOUT"),
            Pick(cli.SyslogSocket, "syslogsocket", "auto"),
            cli.PName ?? "fail2ban-server");
    }
}

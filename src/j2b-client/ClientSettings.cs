namespace Jail2Ban.Client;

/// <summary>fail2ban-client's global options after parsing (and after fail2ban.conf defaults).</summary>
internal sealed record ClientSettings
{
    public string ConfDir { get; init; } = "/etc/fail2ban";
    public string SocketPath { get; init; } = Config.EarlyOptions.DefaultSocket;
    public string PidFile { get; init; } = Config.EarlyOptions.DefaultPidFile;
    public string? LogLevel { get; init; }
    public string? LogTarget { get; init; }
    public string? SyslogSocket { get; init; }
    /// <summary>1 = default (WARNING); each -v adds one, each -q removes one.</summary>
    public int Verbosity { get; init; } = 1;
    public bool Force { get; init; }
    public bool Foreground { get; init; }
    /// <summary>How long "start"/"restart" wait for the server (seconds; fail2ban's MAX_WAITTIME).</summary>
    public double Timeout { get; init; } = 30;
    public bool Json { get; init; }
    public bool Interactive { get; init; }
}

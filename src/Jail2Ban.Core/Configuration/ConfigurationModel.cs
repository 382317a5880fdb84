namespace Jail2Ban.Core.Configuration;

/// <summary>fail2ban.conf settings (§1.10 and server spec §6.7), as sent to the server.</summary>
public sealed record ServerSettings
{
    public string LogLevel { get; init; } = "INFO";

    public string LogTarget { get; init; } = "/var/log/fail2ban.log";

    public string SyslogSocket { get; init; } = "auto";

    public string AllowIpv6 { get; init; } = "auto";

    public string DbFile { get; init; } = "/var/lib/fail2ban/fail2ban.sqlite3";

    /// <summary>dbmaxmatches, null when absent or not an int.</summary>
    public long? DbMaxMatches { get; init; }

    public string DbPurgeAge { get; init; } = "1d";

    /// <summary>[Thread] stacksize, null when absent.</summary>
    public long? ThreadStackSize { get; init; }

    public string Socket { get; init; } = "/var/run/fail2ban/fail2ban.sock";

    public string PidFile { get; init; } = "/var/run/fail2ban/fail2ban.pid";
}

/// <summary>One existing log file of a jail (after glob expansion) and where to start reading it.</summary>
public sealed record LogPathEntry(string Path, string Position);

/// <summary>One action instance of a jail.</summary>
public sealed record ActionDefinition
{
    /// <summary>The instance name in the jail (actname).</summary>
    public required string Name { get; init; }

    /// <summary>The action.d file name as written (without .conf), or the .py file name.</summary>
    public required string File { get; init; }

    /// <summary>True for a Python action (name ending in .py): not a command action.</summary>
    public bool IsPython { get; init; }

    /// <summary>Python action: its path under action.d and its arguments as JSON.</summary>
    public string? PythonPath { get; init; }

    public string? PythonArgsJson { get; init; }

    /// <summary>
    /// Command action options in stream order: the known action options (tags substituted; run-time tags such
    /// as &lt;ip&gt; left), then the init options as written (raw). Values are string, bool or null.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, object?>> Options { get; init; } = [];
}

/// <summary>An enabled jail, fully resolved.</summary>
public sealed record JailDefinition
{
    public required string Name { get; init; }

    /// <summary>Backend name as configured (may carry [options]).</summary>
    public required string Backend { get; init; }

    /// <summary>The filter spec as written (e.g. sshd[mode=normal]), empty when none.</summary>
    public string FilterSpec { get; init; } = "";

    /// <summary>Effective filter: the filter file's options with the jail's own filter options replacing them.</summary>
    public FilterOptions? Filter { get; init; }

    public IReadOnlyList<LogPathEntry> LogPaths { get; init; } = [];

    public IReadOnlyList<ActionDefinition> Actions { get; init; } = [];

    /// <summary>All jail options read (typed: string, long, bool or null), in fail2ban's order.</summary>
    public IReadOnlyDictionary<string, object?> Options { get; init; } = new Dictionary<string, object?>();

    /// <summary>Set when the jail was rejected (fail2ban's config-error): the jail does not start.</summary>
    public string? ConfigError { get; init; }

    /// <summary>The jail's part of the command stream (without the final start).</summary>
    public IReadOnlyList<IReadOnlyList<object?>> Commands { get; init; } = [];
}

/// <summary>Options of a configuration read.</summary>
public sealed record ConfigurationReadOptions
{
    public IConfigFileSystem FileSystem { get; init; } = PhysicalConfigFileSystem.Instance;

    /// <summary>Missing log files only warn (fail2ban-client -d does this); otherwise they fail the read.</summary>
    public bool AllowNoFiles { get; init; }

    /// <summary>Value of %(fail2ban_version)s.</summary>
    public string Fail2BanVersion { get; init; } = ConfigurationReader.EmulatedVersion;

    /// <summary>Read only this jail (fail2ban-client reload &lt;jail&gt;), or all when null.</summary>
    public string? Jail { get; init; }
}

/// <summary>Result of reading a configuration tree.</summary>
public sealed record ConfigurationResult
{
    /// <summary>False when the read failed as a whole (fail2ban: "configuration stream failed") or every jail failed.</summary>
    public required bool Success { get; init; }

    /// <summary>Null when the read failed as a whole.</summary>
    public ServerSettings? Server { get; init; }

    /// <summary>Enabled jails, in section order, including rejected ones (with ConfigError).</summary>
    public IReadOnlyList<JailDefinition> Jails { get; init; } = [];

    /// <summary>The complete command stream, as fail2ban-client sends it (null when the read failed as a whole).</summary>
    public IReadOnlyList<IReadOnlyList<object?>>? Commands { get; init; }

    public IReadOnlyList<ConfigDiagnostic> Diagnostics { get; init; } = [];
}

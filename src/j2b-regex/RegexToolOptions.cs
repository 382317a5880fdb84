namespace Jail2Ban.Regex;

/// <summary>The parsed command line of j2b-regex (fail2ban-regex's options, plus --now).</summary>
internal sealed record RegexToolOptions
{
    public required string Log { get; init; }

    public required string Regex { get; init; }

    public string? IgnoreRegex { get; init; }

    public string Config { get; init; } = "/etc/fail2ban";

    public string? DatePattern { get; init; }

    public string? TimeZone { get; init; }

    public string Encoding { get; init; } = "UTF-8";

    public bool Raw { get; init; }

    public string? UseDns { get; init; }

    public int MaxLines { get; init; }

    public int Verbose { get; init; }

    public bool CheckAllRegex { get; init; } = true;

    public string? Out { get; init; }

    public bool PrintNoMissed { get; init; }

    public bool PrintNoIgnored { get; init; }

    public bool PrintAllMatched { get; init; }

    public bool PrintAllMissed { get; init; }

    public bool PrintAllIgnored { get; init; }

    /// <summary>Fixed "now" (epoch seconds) for reproducible runs; null = the clock.</summary>
    public double? Now { get; init; }

    /// <summary>A progress line on stderr while a log file is read (only when stderr is a terminal).</summary>
    public bool Progress { get; init; }
}

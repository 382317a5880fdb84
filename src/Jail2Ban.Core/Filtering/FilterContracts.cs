using System.Net;
using Jail2Ban.Core.Filtering.Dates;

namespace Jail2Ban.Core.Filtering;

/// <summary>
/// Finds the date in a log line (§3); see <see cref="DateHit"/>. Stateful: fail2ban's detector learns which
/// template hits most. <see cref="DetectorDateFinder"/> adapts the project's <see cref="DateDetector"/>.
/// </summary>
public interface IDateFinder
{
    /// <summary>Null when no template matches the line.</summary>
    DateHit? Find(string line, double now);
}

/// <summary>The filter's date finder over <see cref="DateDetector"/>.</summary>
public sealed class DetectorDateFinder(DateDetector detector) : IDateFinder
{
    public DateDetector Detector { get; } = detector;

    /// <exception cref="DateConversionException">fail2ban's uncaught conversion errors; the filter drops the line.</exception>
    public DateHit? Find(string line, double now) => Detector.Find(line, now);
}

/// <summary>Resolves a host name to addresses for usedns = yes/warn (behind an interface so tests stay offline).</summary>
public interface IHostResolver
{
    IReadOnlyList<IPAddress> Resolve(string host);
}

/// <summary>A resolver that never resolves: DNS names yield no failure.</summary>
public sealed class NoHostResolver : IHostResolver
{
    public IReadOnlyList<IPAddress> Resolve(string host) => [];
}

/// <summary>The system resolver (getaddrinfo), used by the daemon and j2b-regex.</summary>
public sealed class SystemHostResolver : IHostResolver
{
    public IReadOnlyList<IPAddress> Resolve(string host)
    {
        try
        {
            return Dns.GetHostAddresses(host);
        }
        catch (System.Net.Sockets.SocketException)
        {
            return [];
        }
        catch (ArgumentException)
        {
            return [];
        }
    }
}

/// <summary>
/// The resolved options of one filter (what the config reader produces from a filter.d file and its init
/// options), as the filter engine needs them.
/// </summary>
public sealed record FilterSettings
{
    public IReadOnlyList<string> FailRegex { get; init; } = [];

    public IReadOnlyList<string> IgnoreRegex { get; init; } = [];

    /// <summary>Empty or null = none.</summary>
    public string? PrefRegex { get; init; }

    public int MaxLines { get; init; } = 1;

    /// <summary>datepattern entries (already split and stripped); empty = the default templates.</summary>
    public IReadOnlyList<string> DatePattern { get; init; } = [];

    public UseDns UseDns { get; init; } = UseDns.Warn;

    /// <summary>
    /// Settings from the config reader's resolved filter. <paramref name="useDnsOverride"/> (a jail's or
    /// fail2ban-regex's usedns) wins over the filter's own; the default is warn.
    /// </summary>
    public static FilterSettings FromConfig(Configuration.FilterOptions o, string? useDnsOverride = null) => new()
    {
        FailRegex = o.FailRegex,
        IgnoreRegex = o.IgnoreRegex,
        PrefRegex = o.PrefRegex,
        MaxLines = o.MaxLines,
        DatePattern = string.IsNullOrEmpty(o.DatePattern) ? [] : DateDetector.SplitDatePattern(o.DatePattern),
        UseDns = ParseUseDns(useDnsOverride ?? o.UseDns ?? "warn"),
    };

    /// <summary>Splits a multi-line option value the way fail2ban does (on \n, empty entries dropped).</summary>
    public static IReadOnlyList<string> SplitLines(string? value) =>
        string.IsNullOrEmpty(value) ? [] : value.Split('\n').Where(s => s.Trim().Length > 0).ToArray();

    public static UseDns ParseUseDns(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "yes" => UseDns.Yes,
        "warn" => UseDns.Warn,
        "raw" => UseDns.Raw,
        _ => UseDns.No,
    };
}

/// <summary>How a filter runs: production daemon, fail2ban-regex, or the sample-test harness.</summary>
public sealed record FilterBehavior
{
    /// <summary>Try every failregex on a line (fail2ban-regex --all / tests) instead of stopping at the first.</summary>
    public bool CheckAllRegex { get; init; }

    /// <summary>Never resolve hosts: DNS names become raw string ids (the sample tests).</summary>
    public bool ReturnRawHost { get; init; }

    /// <summary>Production time checks (§3.6 rule 4); fail2ban-regex and the tests turn them off.</summary>
    public bool CheckFindTime { get; init; }

    /// <summary>Drop pending (id-less mlfid) entries in production.</summary>
    public bool IgnorePending { get; init; } = true;

    public double FindTime { get; init; } = 600;

    /// <summary>
    /// Parse each failure id as an address (a captured ip4/ip6, an F-ID that is one). Off, every id keeps the text
    /// captured (as raw mode keeps it): for a caller that never reads the ids (j2b-regex's summary). Which lines
    /// fail, and how many failures each gives, do not change.
    /// </summary>
    public bool ParseFailureIds { get; init; } = true;

    /// <summary>
    /// Attach the matched lines to each failure (fail2ban's <c>matches</c> and <c>nofail-matches</c>). Off, those lists
    /// stay empty: for a caller that never reads them (j2b-regex without --out). The failures found do not change.
    /// </summary>
    public bool KeepMatchedLines { get; init; } = true;

    public static FilterBehavior Daemon { get; } = new() { CheckFindTime = true };

    public static FilterBehavior RegexTool { get; } = new() { CheckAllRegex = false, IgnorePending = false };

    public static FilterBehavior SampleTest { get; } = new() { CheckAllRegex = true, ReturnRawHost = true, IgnorePending = false };
}

/// <summary>
/// One failure found on a line: fail2ban's <c>[failRegexIndex, fid, date, fail]</c>. <see cref="Id"/> is null for a
/// pending mlfid entry; <see cref="IsNoFail"/> marks a non-failure (success) entry.
/// </summary>
public sealed record Failure(int RegexIndex, FailureId? Id, double? Time, FailData Data)
{
    public bool IsNoFail => Data.IsTruthy("nofail");
}

using System.Text.RegularExpressions;

namespace Jail2Ban.Server.Logging;

/// <summary>Where the server's own log goes (fail2ban's <c>logtarget</c> keywords; anything else is a file).</summary>
public enum LogTargetKind
{
    File,
    Stdout,
    Stderr,
    Syslog,
    Sysout,
    SystemdJournal,
}

/// <summary>
/// A parsed <c>logtarget</c> value: <c>TARGET[opt=val, ...]</c>. Keywords are case-insensitive,
/// a file path keeps its case. Options: facility, format, datetime, padding.
/// </summary>
public sealed partial record LogTargetSpec(string Target, LogTargetKind Kind, IReadOnlyDictionary<string, string> Options)
{
    public static bool TryParse(string value, out LogTargetSpec? spec, out string? error)
    {
        spec = null;
        error = null;
        var m = OptionRegex().Match(value);
        if (!m.Success)
        {
            error = "unexpected option syntax";
            return false;
        }
        var name = m.Groups[1].Value;
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        if (m.Groups[2].Success && m.Groups[2].Value.Length > 0)
        {
            foreach (Match o in OptionItemRegex().Matches(m.Groups[2].Value))
            {
                if (o.Groups["wrngA"].Success)
                {
                    error = $"unexpected syntax at {o.Groups["wrngA"].Index} after option '{o.Groups[1].Value}': {Cut(o.Groups["wrngA"].Value)}";
                    return false;
                }
                if (o.Groups["wrngB"].Success)
                {
                    error = $"expected option, wrong syntax at {o.Groups["wrngB"].Index}: {Cut(o.Groups["wrngB"].Value)}";
                    return false;
                }
                if (!o.Groups[1].Success || o.Groups[1].Value.Length == 0)
                {
                    continue;
                }
                var v = o.Groups[2].Success ? o.Groups[2].Value : o.Groups[3].Success ? o.Groups[3].Value : o.Groups[4].Value;
                options[o.Groups[1].Value.Trim()] = v.Trim();
            }
        }
        var kind = name.ToUpperInvariant() switch
        {
            "STDOUT" => LogTargetKind.Stdout,
            "STDERR" => LogTargetKind.Stderr,
            "SYSLOG" => LogTargetKind.Syslog,
            "SYSOUT" => LogTargetKind.Sysout,
            "SYSTEMD-JOURNAL" => LogTargetKind.SystemdJournal,
            _ => LogTargetKind.File,
        };
        // Keywords are stored upper-case (what `get logtarget` reports); a file keeps its spelling.
        spec = new LogTargetSpec(kind == LogTargetKind.File ? name : name.ToUpperInvariant(), kind, options);
        return true;
    }

    private static string Cut(string s) => s.Length > 25 ? s[..25] : s;

    [GeneratedRegex(@"^([^\[]+)(?:\[(.*)\])?\s*$", RegexOptions.Singleline)]
    private static partial Regex OptionRegex();

    // One `key=value` item: double-quoted, single-quoted or bare (up to ',' or ']').
    [GeneratedRegex("""\s*([\w\-_\.]+)=(?:"([^"]*)"|'([^']*)'|([^,\]]*))(?:,|\]\s*\[|$|(?<wrngA>.+))|,?\s*$|(?<wrngB>.+)""", RegexOptions.Singleline)]
    private static partial Regex OptionItemRegex();
}

using System.Text.RegularExpressions;

namespace Jail2Ban.Client.Config;

/// <summary>
/// The few settings the client needs before talking to the server (socket, pidfile, loglevel,
/// logtarget, syslogsocket), read like fail2ban-client's "early" read: fail2ban.conf,
/// fail2ban.d/*.conf, fail2ban.local, fail2ban.d/*.local — later files win; [Definition] inherits
/// [DEFAULT]. Only plain values and %(name)s references within the same files are supported, which
/// is all a stock tree uses for these keys. Command-line options override (the caller applies them).
/// </summary>
internal static partial class EarlyOptions
{
    public const string DefaultSocket = "/var/run/fail2ban/fail2ban.sock";
    public const string DefaultPidFile = "/var/run/fail2ban/fail2ban.pid";

    public static IReadOnlyDictionary<string, string> Read(string confDir)
    {
        var defaults = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var definition = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var file in Files(confDir))
            ReadFile(file, defaults, definition);
        var merged = new Dictionary<string, string>(defaults, StringComparer.OrdinalIgnoreCase);
        foreach (var (k, v) in definition)
            merged[k] = v;
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var key in (string[])["socket", "pidfile", "loglevel", "logtarget", "syslogsocket"])
        {
            if (merged.TryGetValue(key, out var v))
                result[key] = Interpolate(v, merged, 0);
        }
        return result;
    }

    private static IEnumerable<string> Files(string dir)
    {
        var d = Path.Combine(dir, "fail2ban.d");
        var dropIns = Directory.Exists(d) ? Directory.GetFiles(d) : [];
        if (File.Exists(Path.Combine(dir, "fail2ban.conf")))
            yield return Path.Combine(dir, "fail2ban.conf");
        foreach (var f in dropIns.Where(f => f.EndsWith(".conf", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
            yield return f;
        if (File.Exists(Path.Combine(dir, "fail2ban.local")))
            yield return Path.Combine(dir, "fail2ban.local");
        foreach (var f in dropIns.Where(f => f.EndsWith(".local", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
            yield return f;
    }

    private static void ReadFile(string file, Dictionary<string, string> defaults, Dictionary<string, string> definition)
    {
        Dictionary<string, string>? current = null;
        string? lastKey = null;
        foreach (var raw in File.ReadLines(file))
        {
            if (raw.Length == 0 || raw[0] is '#' or ';')
                continue;
            if (char.IsWhiteSpace(raw[0]) && lastKey is not null && current is not null && raw.Trim().Length > 0)
            {
                current[lastKey] += "\n" + raw.Trim(); // continuation line
                continue;
            }
            var line = raw.Trim();
            if (line.Length == 0)
                continue;
            if (line.StartsWith('[') && line.EndsWith(']'))
            {
                var section = line[1..^1].Trim();
                current = section == "DEFAULT" ? defaults : section == "Definition" ? definition : null;
                lastKey = null;
                continue;
            }
            var m = KeyValue().Match(line);
            if (m.Success && current is not null)
            {
                lastKey = m.Groups[1].Value.Trim();
                current[lastKey] = m.Groups[2].Value.Trim();
            }
        }
    }

    private static string Interpolate(string value, Dictionary<string, string> vars, int depth) =>
        depth > 10 ? value : Reference().Replace(value, m =>
            vars.TryGetValue(m.Groups[1].Value, out var v) ? Interpolate(v, vars, depth + 1) : m.Value);

    [GeneratedRegex(@"^([^=:]+?)\s*[=:]\s*(.*)$")]
    private static partial Regex KeyValue();

    [GeneratedRegex(@"%\(([^)]+)\)s")]
    private static partial Regex Reference();
}

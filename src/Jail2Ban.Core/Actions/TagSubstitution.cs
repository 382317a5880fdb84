using System.Text;
using System.Text.RegularExpressions;

namespace Jail2Ban.Core.Actions;

/// <summary>Values of the built-in tags that no property defines (<c>&lt;fq-hostname&gt;</c>, ...).</summary>
internal sealed class ActionHostNames(Func<string> fqdn, Func<string> shortName)
{
    private readonly Lazy<string> _fqdn = new(fqdn);
    private readonly Lazy<string> _short = new(shortName);

    public static ActionHostNames FromSystem() => new(
        () =>
        {
            try { return System.Net.Dns.GetHostEntry(Environment.MachineName).HostName; }
            catch (Exception) { return Environment.MachineName; }
        },
        () => Environment.MachineName.Split('.')[0]);

    public static ActionHostNames Fixed(string fqdn, string shortName) => new(() => fqdn, () => shortName);

    /// <summary>fail2ban's ADD_REPL_TAGS fallback: <c>br</c>, <c>sp</c>, <c>fq-hostname</c>, <c>sh-hostname</c>.</summary>
    public string? Builtin(string tag) => tag switch
    {
        "br" => "\n",
        "sp" => " ",
        "fq-hostname" => _fqdn.Value,
        "sh-hostname" => _short.Value,
        _ => null,
    };
}

/// <summary>Thrown for self-referencing or endlessly growing tag definitions (fail2ban: ValueError).</summary>
internal sealed class TagSubstitutionException(string message) : Exception(message);

/// <summary>
/// fail2ban's two substitution stages for command actions (spec §4.4), ported line by line from
/// <c>helpers.substituteRecursiveTags</c>, <c>CommandAction.replaceTag</c> and
/// <c>CommandAction.replaceDynamicTags</c>. The goldens in tests/.../Actions/Golden check the result
/// against fail2ban 1.0.2 itself.
/// </summary>
internal static partial class TagSubstitution
{
    public const int MaxTagReplaceCount = 25;

    /// <summary>Tags whose *static* values are backslash-escaped (legacy; normally never static).</summary>
    public static readonly IReadOnlySet<string> EscapedTags = new HashSet<string> { "matches", "ipmatches", "ipjailmatches" };

    [GeneratedRegex(@"<([^ <>]+)>")]
    internal static partial Regex TagRegex();

    [GeneratedRegex(@"<F-([A-Z0-9_\-]+)>")]
    private static partial Regex FTagRegex();

    /// <summary>Characters that make a dynamic value travel as a positional parameter.</summary>
    [GeneratedRegex("[\\\\#&;`|*?~<>^()\\[\\]{}$'\"\n\r]")]
    internal static partial Regex ShellSpecial();

    [GeneratedRegex(@"\W")]
    private static partial Regex NonWord();

    /// <summary>
    /// Stage (a), part 1: resolves tags inside the property values themselves, repeatedly, preferring
    /// <c>tag?conditional</c>. Unknown tags stay. Self-reference or &gt; 25 replacements of one tag throw.
    /// </summary>
    public static Dictionary<string, string> SubstituteRecursive(
        IReadOnlyDictionary<string, string> input, string conditional, IReadOnlySet<string>? ignore = null)
    {
        ignore ??= EscapedTags;
        var tags = new Dictionary<string, string>(input, StringComparer.Ordinal);
        var keys = input.Keys.ToArray();
        var done = new HashSet<string>(StringComparer.Ordinal);
        var repCounts = new Dictionary<string, Dictionary<string, int>>(StringComparer.Ordinal);
        var regex = TagRegex();
        while (true)
        {
            var repFlag = false;
            foreach (var tag in keys)
            {
                if (ignore.Contains(tag) || done.Contains(tag)) continue;
                var value = tags[tag];
                var orgval = value;
                var m = regex.Match(value);
                if (!repCounts.TryGetValue(tag, out var rplc)) rplc = new Dictionary<string, int>(StringComparer.Ordinal);
                while (m.Success)
                {
                    var rtag = m.Groups[1].Value;
                    if (ignore.Contains(rtag))
                    {
                        m = regex.Match(value, m.Index + m.Length);
                        continue;
                    }
                    if (rtag == tag || rplc.GetValueOrDefault(rtag, 1) > MaxTagReplaceCount)
                        throw new TagSubstitutionException(
                            $"properties contain self referencing definitions and cannot be resolved, fail tag: {tag}, found: {rtag}, value: {value}");
                    string? repl = null;
                    if (conditional.Length > 0) tags.TryGetValue(rtag + "?" + conditional, out repl);
                    if (repl is null) tags.TryGetValue(rtag, out repl);
                    if (repl is null)
                    {
                        // Unknown tags are fine: dynamic tags (<ip>) and shell constructs (<STDIN>).
                        m = regex.Match(value, m.Index + m.Length);
                        continue;
                    }
                    value = value.Replace("<" + rtag + ">", repl, StringComparison.Ordinal);
                    rplc[rtag] = rplc.GetValueOrDefault(rtag, 0) + 1;
                    m = regex.Match(value, Math.Min(m.Index, value.Length));
                }
                if (orgval != value)
                {
                    if (regex.IsMatch(value))
                    {
                        repCounts[tag] = rplc;
                        repFlag = true;
                    }
                    tags[tag] = value;
                }
                if (!value.Contains('<')) done.Add(tag);
            }
            if (!repFlag) break;
        }
        return tags;
    }

    /// <summary>
    /// Stage (a), part 2 (<c>replaceTag</c>): replaces the tags of <paramref name="query"/> from the
    /// already resolved properties, repeating until nothing changes.
    /// </summary>
    public static string ReplaceStatic(
        string query, IReadOnlyDictionary<string, string> resolved, string conditional, ActionHostNames hosts)
    {
        if (!query.Contains('<')) return query;
        var regex = TagRegex();
        var count = MaxTagReplaceCount + 1;
        string value;
        while (true)
        {
            value = regex.Replace(query, m =>
            {
                var tag = m.Groups[1].Value;
                string? v = null;
                if (conditional.Length > 0) resolved.TryGetValue(tag + "?" + conditional, out v);
                if (v is null && !resolved.TryGetValue(tag, out v))
                    return hosts.Builtin(tag) ?? m.Value;
                return EscapedTags.Contains(tag) ? EscapeTag(v) : v;
            });
            if (value == query || !value.Contains('<')) break;
            query = value;
            if (--count <= 0)
                throw new TagSubstitutionException(
                    $"unexpected too long replacement interpolation, possible self referencing definitions in query: {query}");
        }
        return value;
    }

    /// <summary>
    /// Stage (b) (<c>replaceDynamicTags</c>): one non-recursive pass with the ticket's values, then the
    /// <c>&lt;F-NAME&gt;</c> tags. A value with a shell-special character is never put into the text:
    /// the tag becomes <c>$f2bV_name</c> and the value a positional parameter (<c>$0</c>, <c>$1</c>...)
    /// assigned on a first script line — fail2ban's protection, reproduced exactly (no quoting).
    /// </summary>
    /// <param name="lookup">Dynamic tag values; null = no such tag.</param>
    /// <param name="data">Ticket data for F- tags; null = no ticket data (every F- tag becomes empty).</param>
    public static ActionCommand ReplaceDynamic(
        string command, Func<string, string?> lookup, Func<string, string?>? data, ActionHostNames hosts)
    {
        // Insertion-ordered like the Python dict: first occurrence decides the position.
        var varNames = new List<string>();
        var varValues = new Dictionary<string, string>(StringComparer.Ordinal);

        string EscapeVal(string tag, string value)
        {
            if (!ShellSpecial().IsMatch(value)) return value;
            var name = "f2bV_" + NonWord().Replace(tag, "_");
            if (!varValues.ContainsKey(name)) varNames.Add(name);
            varValues[name] = value;
            return "$" + name;
        }

        var realCmd = TagRegex().Replace(command, m =>
        {
            var tag = m.Groups[1].Value;
            var v = lookup(tag);
            return v is null ? hosts.Builtin(tag) ?? m.Value : EscapeVal(tag, v);
        });

        if (realCmd.Contains('<'))
        {
            realCmd = FTagRegex().Replace(realCmd, m =>
            {
                var tag = MapTagToOption(m.Groups[1].Value);
                var v = data?.Invoke(tag);
                return v is null ? "" : EscapeVal("F_" + tag, v);
            });
        }

        if (varNames.Count == 0) return new ActionCommand(realCmd);
        // Utils.buildShellCmd: "f2bV_a=$0 f2bV_b=$1 \n" + script, values as arguments.
        var head = new StringBuilder();
        for (var i = 0; i < varNames.Count; i++) head.Append(varNames[i]).Append("=$").Append(i).Append(' ');
        head.Append('\n').Append(realCmd);
        return new ActionCommand(head.ToString(), varNames.Select(n => varValues[n]).ToArray());
    }

    /// <summary>fail2ban's <c>mapTag2Opt</c>: lower case, <c>id</c>→<c>fid</c>, <c>port</c>→<c>fport</c>.</summary>
    public static string MapTagToOption(string tag)
    {
        var t = tag.ToLowerInvariant();
        return t switch { "id" => "fid", "port" => "fport", _ => t };
    }

    /// <summary>Legacy backslash escaping (<c>CommandAction.escapeTag</c>), used for static <c>matches</c>-like values.</summary>
    public static string EscapeTag(string value) => ShellSpecial().Replace(value, m => m.Value switch
    {
        "\n" => "\\n",
        "\r" => "\\r",
        var c => "\\" + c,
    });
}

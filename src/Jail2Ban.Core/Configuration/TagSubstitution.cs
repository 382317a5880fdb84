using System.Text.RegularExpressions;

namespace Jail2Ban.Core.Configuration;

/// <summary>fail2ban's substituteRecursiveTags: recursive &lt;tag&gt; replacement (§1.6).</summary>
internal static partial class TagSubstitution
{
    private const int MaxTagReplaceCount = 25;

    /// <summary>
    /// Deliberate limit (not in fail2ban): doubling tags can grow a value to 2^25 characters before the replace
    /// count stops it, which takes fail2ban seconds and gigabytes. Real values are a few KB (apache-badbots ~6 KB).
    /// </summary>
    internal const int MaxValueLength = 1 << 20;

    [GeneratedRegex(@"<([^ <>]+)>")]
    internal static partial Regex Tag();

    /// <summary>
    /// The leftmost match of <see cref="Tag"/> at or after <paramref name="start"/> as (index, length), or index -1.
    /// Scanned by hand: this runs over every option value of every filter and action of every jail.
    /// </summary>
    internal static (int Index, int Length) FindTag(string value, int start)
    {
        var i = start < value.Length ? value.IndexOf('<', start) : -1;
        while (i >= 0)
        {
            var j = i + 1;
            while (j < value.Length && value[j] is not (' ' or '<' or '>'))
            {
                j++;
            }
            if (j > i + 1 && j < value.Length && value[j] == '>')
            {
                return (i, j - i + 1);
            }
            i = j < value.Length ? value.IndexOf('<', j) : -1;
        }
        return (-1, 0);
    }

    /// <summary>
    /// Returns a copy of <paramref name="input"/> with tags replaced. Values of <paramref name="ignore"/>d
    /// keys are left alone and those tags are not replaced elsewhere. Missing tags stay as they are.
    /// </summary>
    public static OrderedDictionary<string, string?> Substitute(OrderedDictionary<string, string?> input,
        IReadOnlySet<string> ignore, Func<string, string?>? additional)
    {
        var tags = new OrderedDictionary<string, string?>(input, StringComparer.Ordinal);
        var keys = tags.Keys.ToList();
        var done = new HashSet<string>(StringComparer.Ordinal);
        var repCounts = new Dictionary<string, Dictionary<string, int>>(StringComparer.Ordinal);
        while (true)
        {
            var repFlag = false;
            foreach (var tag in keys)
            {
                if (ignore.Contains(tag) || done.Contains(tag))
                {
                    continue;
                }
                // Python works on str(value): a None value reads as "None" and is never written back unchanged.
                var orgval = tags[tag] ?? "None";
                var value = orgval;
                var m = FindTag(value, 0);
                if (!repCounts.TryGetValue(tag, out var rplc))
                {
                    rplc = new Dictionary<string, int>(StringComparer.Ordinal);
                }
                while (m.Index >= 0)
                {
                    var rtag = value.Substring(m.Index + 1, m.Length - 2);
                    if (ignore.Contains(rtag))
                    {
                        m = FindTag(value, m.Index + m.Length);
                        continue;
                    }
                    if (rtag == tag || rplc.GetValueOrDefault(rtag, 1) > MaxTagReplaceCount)
                    {
                        throw new ConfigException($"recursive tag definitions unable to be resolved: properties contain self referencing definitions, fail tag: {tag}, found: {rtag}");
                    }
                    var repl = tags.TryGetValue(rtag, out var r) ? r : null;
                    if (repl is null && additional is not null)
                    {
                        repl = additional(rtag);
                    }
                    if (repl is null)
                    {
                        m = FindTag(value, m.Index + m.Length);
                        continue;
                    }
                    var start = m.Index;
                    value = value.Replace("<" + rtag + ">", repl, StringComparison.Ordinal);
                    if (value.Length > MaxValueLength)
                    {
                        throw new ConfigException($"tag substitution of '{tag}' grows beyond {MaxValueLength} characters (recursive tag definitions?)");
                    }
                    rplc[rtag] = rplc.GetValueOrDefault(rtag, 0) + 1;
                    m = FindTag(value, start);
                }
                if (!string.Equals(orgval, value, StringComparison.Ordinal))
                {
                    if (FindTag(value, 0).Index >= 0)
                    {
                        repCounts[tag] = rplc;
                        repFlag = true;
                    }
                    tags[tag] = value;
                }
                if (!value.Contains('<'))
                {
                    done.Add(tag);
                }
            }
            if (!repFlag)
            {
                return tags;
            }
        }
    }
}

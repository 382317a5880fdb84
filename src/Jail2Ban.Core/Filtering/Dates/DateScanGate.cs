using System.Text;
using System.Text.RegularExpressions;

namespace Jail2Ban.Core.Filtering.Dates;

/// <summary>
/// A quick "can any of these templates match this line?" test, used before matchTime's scan over all templates: when
/// the last template found the date at another position (an apache log: the client address before the date changes
/// length on nearly every line), fail2ban searches every other template, and for such a log every one of them fails.
/// The gate is one linear-time (NonBacktracking) regex over the union of the templates' patterns with the constructs
/// that engine lacks made looser: assertions dropped, a back-reference replaced by its group's character class (or
/// <c>[\s\S]*</c>). Each part then matches every line its template matches (a superset), so "the gate does not
/// match" proves that the scan would find nothing, and the detector skips it: the result, hits and order are those
/// of the full scan. When the gate matches, the scan runs as before. A pattern the engine still cannot take gives no gate.
/// </summary>
internal static partial class DateScanGate
{
    /// <summary>The looser (superset) form of one template's .NET pattern, or null when it cannot be made.</summary>
    internal static string? Superset(string pattern)
    {
        // fail2ban's word/line guards and the Epoch templates' context assertions: exact texts our factory emits.
        var s = pattern
            .Replace(@"(?=^|\b|\W)", "", StringComparison.Ordinal)
            .Replace(@"(?=\b|\W|$)", "", StringComparison.Ordinal)
            .Replace(@"(?<=^\[)", "", StringComparison.Ordinal)
            .Replace(@"(?<=\baudit\()", "", StringComparison.Ordinal)
            .Replace(@"(?(selinux)(?=:\d+\)))", "", StringComparison.Ordinal)
            .Replace(@"(?(square)(?=\]))", "", StringComparison.Ordinal);
        if (s.Contains(@"\k<", StringComparison.Ordinal))
        {
            // (?<name>[class]) defined once: the back-reference matches one character of that class.
            var classes = SingleClassGroupRegex().Matches(s).GroupBy(m => m.Groups["n"].Value)
                .ToDictionary(g => g.Key, g => g.Select(m => m.Groups["c"].Value).Distinct().ToList());
            s = BackReferenceRegex().Replace(s, m =>
                classes.TryGetValue(m.Groups["n"].Value, out var c) && c.Count == 1
                && CountDefinitions(s, m.Groups["n"].Value) == 1 ? c[0] : @"[\s\S]*");
        }
        // Anything the NonBacktracking engine refuses (other assertions, numbered back-references, atomic groups)
        // is found when the gate is built; a string test here only avoids pointless attempts.
        return s.Contains("(?=", StringComparison.Ordinal) || s.Contains("(?!", StringComparison.Ordinal)
            || s.Contains("(?<=", StringComparison.Ordinal) || s.Contains("(?<!", StringComparison.Ordinal)
            || s.Contains("(?(", StringComparison.Ordinal) || s.Contains(@"\k", StringComparison.Ordinal)
            ? null
            : s;
    }

    private static int CountDefinitions(string s, string name) =>
        s.Split("(?<" + name + ">", StringSplitOptions.None).Length - 1;

    /// <summary>The gate for <paramref name="patterns"/>, or null when one of them cannot be loosened or the engine refuses the union.</summary>
    internal static Regex? Build(IEnumerable<string> patterns)
    {
        var sb = new StringBuilder();
        foreach (var p in patterns)
        {
            var s = Superset(p);
            if (s is null)
            {
                return null;
            }
            if (sb.Length > 0)
            {
                sb.Append('|');
            }
            // inline options like (?i) stay inside their group
            sb.Append("(?:").Append(s).Append(')');
        }
        if (sb.Length == 0)
        {
            return null;
        }
        try
        {
            return new Regex(sb.ToString(), RegexOptions.CultureInvariant | RegexOptions.NonBacktracking | RegexOptions.ExplicitCapture);
        }
        catch (Exception e) when (e is NotSupportedException or ArgumentException)
        {
            return null;
        }
    }

    [GeneratedRegex(@"\(\?<(?<n>\w+)>(?<c>\[[^\]\\]*\])\)")]
    private static partial Regex SingleClassGroupRegex();

    [GeneratedRegex(@"\\k<(?<n>\w+)>")]
    private static partial Regex BackReferenceRegex();
}

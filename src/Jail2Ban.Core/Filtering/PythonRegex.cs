using System.Text;
using System.Text.RegularExpressions;

namespace Jail2Ban.Core.Filtering;

/// <summary>
/// Translates a Python <c>re</c> pattern (as fail2ban compiles it) into an equivalent .NET pattern.
/// Why a real scanner and not a few string replaces: group numbering, duplicate names, <c>\Z</c>,
/// <c>{,n}</c> and character classes all need to know where they are in the pattern.
/// To support a new construct: add a branch in <see cref="Translate"/> and a row in PythonRegexTests.
/// </summary>
public static partial class PythonRegex
{
    /// <summary>fail2ban's own rewrite of <c>((?i)</c> / <c>(?:(?i)</c> into a scoped-flag group (§2.2).</summary>
    [GeneratedRegex(@"(?<!\\)\((?:\?:)?(\(\?[a-z]+)\)", RegexOptions.CultureInvariant)]
    private static partial Regex GlobalToLocalFlags();

    public static string RewriteGlobalFlagsInGroups(string pattern) =>
        pattern.Contains("(?", StringComparison.Ordinal) ? GlobalToLocalFlags().Replace(pattern, "$1:") : pattern;

    /// <summary>
    /// Translates a fully tag-expanded Python pattern. Throws <see cref="RegexTranslationException"/> for what
    /// Python itself would reject (duplicate group names, global flags not at the start, unknown group refs).
    /// </summary>
    public static string Translate(string pattern)
    {
        var groups = ScanGroups(pattern);
        var sb = new StringBuilder(pattern.Length + 16);
        int i = 0, n = pattern.Length, groupNo = 0;
        bool inClass = false;
        while (i < n)
        {
            char c = pattern[i];
            if (c == '\\')
            {
                if (i + 1 >= n)
                {
                    throw new RegexTranslationException("bad escape (end of pattern)", pattern);
                }
                char e = pattern[i + 1];
                if (!inClass && e >= '1' && e <= '9')
                {
                    // numeric back-reference: Python reads up to 2 digits
                    int j = i + 1, num = 0;
                    while (j < n && j < i + 3 && char.IsAsciiDigit(pattern[j]))
                    {
                        num = num * 10 + (pattern[j] - '0');
                        j++;
                    }
                    if (num > groups.Count)
                    {
                        throw new RegexTranslationException($"invalid group reference {num}", pattern);
                    }
                    sb.Append(@"\k<").Append(groups[num - 1] ?? "__g" + num).Append('>');
                    i = j;
                    continue;
                }
                switch (e)
                {
                    case 'Z' when !inClass:
                        sb.Append(@"\z");
                        break;
                    case 's':
                        // Python's \s also covers the information separators \x1c-\x1f.
                        sb.Append(inClass ? @"\s\x1c-\x1f" : @"[\s\x1c-\x1f]");
                        break;
                    case 'S' when !inClass:
                        sb.Append(@"[^\s\x1c-\x1f]");
                        break;
                    default:
                        sb.Append(c).Append(e);
                        break;
                }
                i += 2;
                continue;
            }
            if (inClass)
            {
                if (c == ']')
                {
                    inClass = false;
                    sb.Append(c);
                }
                else if (c == '[')
                {
                    // literal in Python; in .NET "-[" would start a class subtraction
                    sb.Append(@"\[");
                }
                else
                {
                    sb.Append(c);
                }
                i++;
                continue;
            }
            switch (c)
            {
                case '[':
                    {
                        inClass = true;
                        sb.Append(c);
                        i++;
                        // a leading ^ and a ']' right after the opening bracket are literal members
                        if (i < n && pattern[i] == '^')
                        {
                            sb.Append('^');
                            i++;
                        }
                        if (i < n && pattern[i] == ']')
                        {
                            sb.Append(@"\]");
                            i++;
                        }
                        continue;
                    }
                case '{':
                    {
                        // {,n} means {0,n} in Python; .NET would take it literally
                        int j = i + 1;
                        if (j < n && pattern[j] == ',')
                        {
                            int k = j + 1;
                            while (k < n && char.IsAsciiDigit(pattern[k]))
                            {
                                k++;
                            }
                            if (k > j + 1 && k < n && pattern[k] == '}')
                            {
                                sb.Append("{0").Append(pattern, j, k - j + 1);
                                i = k + 1;
                                continue;
                            }
                        }
                        sb.Append(c);
                        i++;
                        continue;
                    }
                case '(':
                    i = TranslateGroupOpen(pattern, i, sb, groups, ref groupNo);
                    continue;
                default:
                    sb.Append(c);
                    i++;
                    continue;
            }
        }
        return sb.ToString();
    }

    private static int TranslateGroupOpen(string p, int i, StringBuilder sb, List<string?> groups, ref int groupNo)
    {
        int n = p.Length;
        if (i + 1 >= n || p[i + 1] != '?')
        {
            // plain capturing group. fail2ban reads named groups only (groupdict), so one that no numeric reference
            // (\N, (?(N)...)) needs is emitted as non-capturing: the matcher then records no capture for it and a
            // match's GroupCollection has no Group to build for it. A referenced one is named explicitly (__gN).
            groupNo++;
            string? name = groups[groupNo - 1];
            if (name is not null && name.StartsWith("__g", StringComparison.Ordinal))
            {
                sb.Append("(?<").Append(name).Append('>');
            }
            else
            {
                sb.Append("(?:");
            }
            return i + 1;
        }
        if (i + 2 >= n)
        {
            throw new RegexTranslationException("unexpected end of pattern", p);
        }
        char k = p[i + 2];
        if (k == 'P')
        {
            if (i + 3 < n && p[i + 3] == '<')
            {
                int end = p.IndexOf('>', i + 4);
                if (end < 0)
                {
                    throw new RegexTranslationException("missing >, unterminated name", p);
                }
                groupNo++;
                sb.Append("(?<").Append(p, i + 4, end - i - 4).Append('>');
                return end + 1;
            }
            if (i + 3 < n && p[i + 3] == '=')
            {
                int end = p.IndexOf(')', i + 4);
                if (end < 0)
                {
                    throw new RegexTranslationException("missing ), unterminated name", p);
                }
                string name = p.Substring(i + 4, end - i - 4);
                if (!groups.Contains(name))
                {
                    throw new RegexTranslationException($"unknown group name '{name}'", p);
                }
                sb.Append(@"\k<").Append(name).Append('>');
                return end + 1;
            }
            throw new RegexTranslationException("unknown extension ?P" + (i + 3 < n ? p[i + 3] : ' '), p);
        }
        if (k == '(')
        {
            // conditional (?(name)...) / (?(1)...)
            int end = p.IndexOf(')', i + 3);
            if (end < 0)
            {
                throw new RegexTranslationException("unterminated conditional", p);
            }
            string cond = p.Substring(i + 3, end - i - 3);
            if (int.TryParse(cond, out int num))
            {
                if (num < 1 || num > groups.Count)
                {
                    throw new RegexTranslationException($"invalid group reference {num}", p);
                }
                cond = groups[num - 1] ?? "__g" + num;
            }
            else if (!groups.Contains(cond))
            {
                throw new RegexTranslationException($"unknown group name '{cond}'", p);
            }
            sb.Append("(?(").Append(cond).Append(')');
            return end + 1;
        }
        if (k == '<' && i + 3 < n && (p[i + 3] == '=' || p[i + 3] == '!'))
        {
            sb.Append(p, i, 4);
            return i + 4;
        }
        if (k == '#')
        {
            int end = p.IndexOf(')', i);
            if (end < 0)
            {
                throw new RegexTranslationException("missing ), unterminated comment", p);
            }
            return end + 1; // comments dropped
        }
        if (char.IsAsciiLetter(k) || k == '-')
        {
            // inline flags: (?flags) global, (?flags:...) / (?flags-flags:...) scoped
            int j = i + 2;
            var flags = new StringBuilder();
            while (j < n && (char.IsAsciiLetter(p[j]) || p[j] == '-'))
            {
                char f = p[j];
                if (f is not ('i' or 'm' or 's' or 'x' or 'u' or 'a' or 'L' or '-'))
                {
                    throw new RegexTranslationException($"unknown flag '{f}'", p);
                }
                // u (unicode) is the default for str patterns; a (ascii) and L have no .NET counterpart
                if (f is not ('u' or 'a' or 'L'))
                {
                    flags.Append(f);
                }
                j++;
            }
            if (j >= n)
            {
                throw new RegexTranslationException("missing -, : or )", p);
            }
            if (p[j] == ')')
            {
                if (!IsAtStart(sb))
                {
                    throw new RegexTranslationException("global flags not at the start of the expression", p);
                }
                if (flags.Length > 0)
                {
                    sb.Append("(?").Append(flags).Append(')');
                }
                return j + 1;
            }
            if (p[j] == ':')
            {
                sb.Append("(?").Append(flags).Append(':');
                return j + 1;
            }
            throw new RegexTranslationException("missing -, : or )", p);
        }
        // (?: (?= (?! (?> and anything else .NET parses the same way
        sb.Append("(?").Append(k);
        return i + 3;
    }

    private static bool IsAtStart(StringBuilder sb)
    {
        // only earlier global-flag groups may precede a global-flag group
        string s = sb.ToString();
        int i = 0;
        while (i < s.Length)
        {
            if (s[i] != '(' || i + 1 >= s.Length || s[i + 1] != '?')
            {
                return false;
            }
            int end = s.IndexOf(')', i);
            if (end < 0)
            {
                return false;
            }
            for (int j = i + 2; j < end; j++)
            {
                if (!char.IsAsciiLetter(s[j]))
                {
                    return false;
                }
            }
            i = end + 1;
        }
        return true;
    }

    /// <summary>
    /// Lists the capturing groups in Python order: the name of each named group, "__gN" for unnamed groups that a
    /// numeric reference needs by name, null otherwise. Rejects duplicate names as Python does.
    /// </summary>
    private static List<string?> ScanGroups(string p)
    {
        var result = new List<string?>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var numericRefs = new HashSet<int>();
        bool inClass = false;
        for (int i = 0; i < p.Length; i++)
        {
            char c = p[i];
            if (c == '\\')
            {
                if (!inClass && i + 1 < p.Length && p[i + 1] >= '1' && p[i + 1] <= '9')
                {
                    int num = p[i + 1] - '0';
                    if (i + 2 < p.Length && char.IsAsciiDigit(p[i + 2]))
                    {
                        num = num * 10 + (p[i + 2] - '0');
                    }
                    numericRefs.Add(num);
                }
                i++;
                continue;
            }
            if (inClass)
            {
                if (c == ']')
                {
                    inClass = false;
                }
                continue;
            }
            if (c == '[')
            {
                inClass = true;
                if (i + 1 < p.Length && p[i + 1] == '^')
                {
                    i++;
                }
                if (i + 1 < p.Length && p[i + 1] == ']')
                {
                    i++;
                }
                continue;
            }
            if (c != '(')
            {
                continue;
            }
            if (i + 1 < p.Length && p[i + 1] == '?')
            {
                if (i + 3 < p.Length && p[i + 2] == 'P' && p[i + 3] == '<')
                {
                    int end = p.IndexOf('>', i + 4);
                    if (end < 0)
                    {
                        throw new RegexTranslationException("missing >, unterminated name", p);
                    }
                    string name = p.Substring(i + 4, end - i - 4);
                    if (name.Length == 0 || !(char.IsLetter(name[0]) || name[0] == '_') ||
                        !name.All(ch => char.IsLetterOrDigit(ch) || ch == '_'))
                    {
                        throw new RegexTranslationException($"bad character in group name '{name}'", p);
                    }
                    if (!names.Add(name))
                    {
                        throw new RegexTranslationException($"redefinition of group name '{name}'", p);
                    }
                    result.Add(name);
                }
                else if (i + 2 < p.Length && p[i + 2] == '(')
                {
                    int end = p.IndexOf(')', i + 3);
                    if (end > 0 && int.TryParse(p.AsSpan(i + 3, end - i - 3), out int num))
                    {
                        numericRefs.Add(num);
                    }
                }
                continue;
            }
            result.Add(null);
        }
        foreach (int num in numericRefs)
        {
            if (num >= 1 && num <= result.Count && result[num - 1] is null)
            {
                result[num - 1] = "__g" + num;
            }
        }
        return result;
    }
}

public sealed class RegexTranslationException(string reason, string pattern)
    : Exception($"Unable to compile regular expression '{pattern}': {reason}")
{
    public string Pattern { get; } = pattern;
    public string Reason { get; } = reason;
}

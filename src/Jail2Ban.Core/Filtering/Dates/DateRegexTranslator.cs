using System.Text;

namespace Jail2Ban.Core.Filtering.Dates;

/// <summary>
/// Python <c>re</c> → .NET translation for date template regexes (spec §2.9), plus what the
/// detector needs on top: Python's numbering of capturing groups. .NET numbers unnamed groups
/// before named ones, so the Python group the date code reads (group 1, or 2 for <c>{EPOCH}</c>
/// inside a pattern) is given an explicit name, and the named groups are listed in Python order
/// (fail2ban's conversion loops over <c>groupdict()</c>, whose order decides e.g. <c>z</c> vs <c>Z</c>).
/// </summary>
internal static class DateRegexTranslator
{
    internal sealed record Result(string DotNetPattern, IReadOnlyList<string> NamedGroupsInOrder, string[] ExposedNames, int UnnamedCount)
    {
        /// <summary>
        /// The .NET group number of a named group, without building the Regex: .NET numbers the
        /// unnamed groups first, then the named ones left to right.
        /// </summary>
        internal int GroupNumber(string name)
        {
            int at = 0;
            foreach (var n in NamedGroupsInOrder)
            {
                at++;
                if (n == name)
                {
                    return UnnamedCount + at;
                }
            }
            return -1;
        }
    }

    /// <param name="python">The fully built Python regex.</param>
    /// <param name="exposeGroups">Python groups 1..exposeGroups get a name (<c>__gN</c> when unnamed).</param>
    internal static Result Translate(string python, int exposeGroups)
    {
        var exposed = new string?[exposeGroups];
        var sb = new StringBuilder(python.Length + 16);
        var names = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int groupNo = 0;
        int unnamed = 0;
        bool inClass = false;
        int i = 0;
        while (i < python.Length)
        {
            char c = python[i];
            if (c == '\\')
            {
                if (i + 1 >= python.Length)
                {
                    throw new DatePatternException($"bad escape (end of pattern) in '{python}'");
                }
                char n = python[i + 1];
                // Python \Z is end of text only: .NET \z (.NET's \Z also matches before a final newline).
                if (!inClass && n == 'Z')
                {
                    sb.Append(@"\z");
                }
                // Python's \s also matches the separators \x1c-\x1f; .NET's does not.
                else if (n == 's')
                {
                    sb.Append(inClass ? @"\s\x1c-\x1f" : @"[\s\x1c-\x1f]");
                }
                else if (n == 'S' && !inClass)
                {
                    sb.Append(@"[^\s\x1c-\x1f]");
                }
                else
                {
                    sb.Append(c).Append(n);
                }
                i += 2;
                continue;
            }
            if (inClass)
            {
                if (c == ']')
                {
                    inClass = false;
                }
                sb.Append(c);
                i++;
                continue;
            }
            if (c == '[')
            {
                inClass = true;
                sb.Append(c);
                i++;
                // A ']' right after '[' or '[^' is a literal member in both dialects.
                if (i < python.Length && python[i] == '^')
                {
                    sb.Append('^');
                    i++;
                }
                if (i < python.Length && python[i] == ']')
                {
                    sb.Append(']');
                    i++;
                }
                continue;
            }
            if (c == '{' && i + 1 < python.Length && python[i + 1] == ',')
            {
                // {,n} → {0,n} (.NET would read "{,n}" as literal text).
                int j = i + 2;
                while (j < python.Length && char.IsAsciiDigit(python[j]))
                {
                    j++;
                }
                if (j > i + 2 && j < python.Length && python[j] == '}')
                {
                    sb.Append("{0,").Append(python, i + 2, j - (i + 2)).Append('}');
                    i = j + 1;
                    continue;
                }
            }
            if (c != '(')
            {
                sb.Append(c);
                i++;
                continue;
            }
            // An opening parenthesis.
            if (i + 1 < python.Length && python[i + 1] == '?')
            {
                if (i + 2 < python.Length && python[i + 2] == 'P')
                {
                    if (i + 3 < python.Length && python[i + 3] == '<')
                    {
                        int close = python.IndexOf('>', i + 4);
                        if (close < 0)
                        {
                            throw new DatePatternException($"missing '>' in group name in '{python}'");
                        }
                        string name = python.Substring(i + 4, close - i - 4);
                        if (!seen.Add(name))
                        {
                            throw new DatePatternException($"redefinition of group name '{name}' in '{python}'");
                        }
                        groupNo++;
                        names.Add(name);
                        if (groupNo <= exposeGroups)
                        {
                            exposed[groupNo - 1] = name;
                        }
                        sb.Append("(?<").Append(name).Append('>');
                        i = close + 1;
                        continue;
                    }
                    if (i + 3 < python.Length && python[i + 3] == '=')
                    {
                        int close = python.IndexOf(')', i + 4);
                        if (close < 0)
                        {
                            throw new DatePatternException($"missing ')' in group reference in '{python}'");
                        }
                        sb.Append(@"\k<").Append(python, i + 4, close - i - 4).Append('>');
                        i = close + 1;
                        continue;
                    }
                    throw new DatePatternException($"unknown extension ?P in '{python}'");
                }
                // Conditional "(?(name)yes|no)": the "(name)" part is not a group.
                if (i + 2 < python.Length && python[i + 2] == '(')
                {
                    int close = python.IndexOf(')', i + 3);
                    if (close < 0)
                    {
                        throw new DatePatternException($"missing ')' in conditional in '{python}'");
                    }
                    sb.Append(python, i, close + 1 - i);
                    i = close + 1;
                    continue;
                }
                // Inline flags "(?iu)" / scoped "(?iu:": .NET has no 'u' (Unicode is its default).
                int k = i + 2;
                while (k < python.Length && char.IsAsciiLetterLower(python[k]))
                {
                    k++;
                }
                if (k > i + 2 && k < python.Length && python[k] is ')' or ':' or '-')
                {
                    var flags = python.Substring(i + 2, k - i - 2).Replace("u", "", StringComparison.Ordinal);
                    if (flags.Length == 0 && python[k] == ')')
                    {
                        i = k + 1; // "(?u)" alone: nothing left to say to .NET
                        continue;
                    }
                    sb.Append("(?").Append(flags);
                    i = k;
                    continue;
                }
                sb.Append("(?");
                i += 2;
                continue;
            }
            // Unnamed capturing group.
            groupNo++;
            if (groupNo <= exposeGroups)
            {
                string synthetic = "__g" + groupNo.ToString(System.Globalization.CultureInfo.InvariantCulture);
                exposed[groupNo - 1] = synthetic;
                names.Add(synthetic);
                sb.Append("(?<").Append(synthetic).Append('>');
            }
            else
            {
                unnamed++;
                sb.Append('(');
            }
            i++;
        }
        if (groupNo < exposeGroups)
        {
            throw new DatePatternException($"no group {exposeGroups} in date regex '{python}'");
        }
        return new Result(sb.ToString(), names, exposed!, unnamed);
    }
}

using System.Text;

namespace Jail2Ban.Core.Filtering;

/// <summary>
/// The literal text a <c>^</c>-anchored (non-multiline) Python pattern requires at the start of the text, so the
/// filter can skip a regex call with a plain StartsWith (most failregexes start with a fixed word). Conservative:
/// any construct it does not understand ends the prefix; null when there is none.
/// </summary>
internal static class LiteralPrefix
{
    public static string? Of(string py)
    {
        if (py.Length < 2 || py[0] != '^' || HasTopLevelAlternation(py, 0, py.Length))
        {
            return null;
        }
        var sb = new StringBuilder();
        int i = 1, entered = 0;
        while (i < py.Length)
        {
            char c = py[i];
            if (c == ')' && entered > 0)
            {
                // end of a required group (checked on entry: no quantifier follows it)
                entered--;
                i++;
                continue;
            }
            if (c == '(')
            {
                int inner;
                if (py.AsSpan(i).StartsWith("(?P<"))
                {
                    int gt = py.IndexOf('>', i);
                    if (gt < 0)
                    {
                        break;
                    }
                    inner = gt + 1;
                }
                else if (py.AsSpan(i).StartsWith("(?:"))
                {
                    inner = i + 3;
                }
                else if (i + 1 < py.Length && py[i + 1] != '?')
                {
                    inner = i + 1;
                }
                else
                {
                    break;
                }
                int close = FindClose(py, i);
                // an optional/repeated group or one with alternatives does not make its content required
                if (close < 0 || HasTopLevelAlternation(py, inner, close) ||
                    (close + 1 < py.Length && py[close + 1] is '?' or '*' or '{'))
                {
                    break;
                }
                entered++;
                i = inner;
                continue;
            }
            char lit;
            int next;
            if (c == '\\')
            {
                if (i + 1 >= py.Length || char.IsLetterOrDigit(py[i + 1]))
                {
                    break;
                }
                lit = py[i + 1];
                next = i + 2;
            }
            else if ("^$.|?*+{}[])".Contains(c))
            {
                break;
            }
            else
            {
                lit = c;
                next = i + 1;
            }
            if (next < py.Length && py[next] is '?' or '*' or '{')
            {
                break;
            }
            sb.Append(lit);
            i = next;
            if (next < py.Length && py[next] == '+')
            {
                break;
            }
        }
        return sb.Length > 0 ? sb.ToString() : null;
    }

    /// <summary>Index of the ')' closing the group opened at <paramref name="open"/>, or -1.</summary>
    private static int FindClose(string p, int open)
    {
        int depth = 0;
        bool inClass = false;
        for (int i = open; i < p.Length; i++)
        {
            char c = p[i];
            if (c == '\\')
            {
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
            }
            else if (c == '(')
            {
                depth++;
            }
            else if (c == ')' && --depth == 0)
            {
                return i;
            }
        }
        return -1;
    }

    private static bool HasTopLevelAlternation(string p, int start, int end)
    {
        int depth = 0;
        bool inClass = false;
        for (int i = start; i < end; i++)
        {
            char c = p[i];
            if (c == '\\')
            {
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
            switch (c)
            {
                case '[':
                    inClass = true;
                    if (i + 1 < end && p[i + 1] == '^')
                    {
                        i++;
                    }
                    if (i + 1 < end && p[i + 1] == ']')
                    {
                        i++;
                    }
                    break;
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
                case '|' when depth == 0:
                    return true;
            }
        }
        return false;
    }
}

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
                int inner = GroupContent(py, i);
                if (inner < 0)
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

    /// <summary>
    /// The characters a match of a <c>^</c>-anchored (non-multiline) Python pattern can start with, sorted, or null
    /// when they cannot be told for sure (inline flags, classes like \w, an optional first item, lookarounds...).
    /// For patterns without a literal prefix: <c>^[iI]nvalid</c> gives "Ii", <c>^(?:Connection|Disconnected)</c> "CD".
    /// </summary>
    public static string? FirstChars(string py)
    {
        if (py.Length < 2 || py[0] != '^' || HasInlineFlags(py) || HasTopLevelAlternation(py, 0, py.Length))
        {
            return null;
        }
        var set = new SortedSet<char>();
        return First(py, 1, py.Length, set) && set.Count is > 0 and <= 64 ? new string([.. set]) : null;
    }

    /// <summary>
    /// The longest run of literal text (at least <paramref name="minLength"/> characters) that every match of a
    /// (non-multiline) Python pattern contains, other than its literal prefix (<see cref="Of"/>, checked on its own),
    /// or null. A text without it cannot match: the filter skips the regex with an IndexOf. Conservative: it reads the
    /// top-level sequence and the groups that are neither optional, repeated nor alternatives; anything else (a class,
    /// an escape like \s, a lookaround, a conditional, an optional or repeated item) only ends a run.
    /// For <c>^Received disconnect from (?P&lt;host&gt;\S+):\s*3: .*: Auth fail</c> it gives ": Auth fail".
    /// </summary>
    public static string? RequiredLiteral(string py, int minLength = 4)
    {
        if (py.Length == 0 || HasInlineFlags(py) || HasTopLevelAlternation(py, 0, py.Length))
        {
            return null;
        }
        string? best = null;
        var run = new StringBuilder();
        // the first run, when it starts the pattern, is the literal prefix: not reported
        bool atStart = py[0] == '^';
        bool runIsPrefix = atStart;
        void Flush()
        {
            if (!runIsPrefix && run.Length >= minLength && (best is null || run.Length > best.Length))
            {
                best = run.ToString();
            }
            run.Clear();
            runIsPrefix = false;
        }
        int i = atStart ? 1 : 0;
        while (i < py.Length)
        {
            char c = py[i];
            if (c == '(')
            {
                int close = FindClose(py, i);
                if (close < 0)
                {
                    return null;
                }
                int inner = GroupContent(py, i);
                bool quantified = close + 1 < py.Length && py[close + 1] is '?' or '*' or '+' or '{';
                if (inner > 0 && inner <= close && !quantified && !HasTopLevelAlternation(py, inner, close))
                {
                    // a plain group that every match goes through: its content continues the sequence (and its ')'
                    // is passed over below)
                    i = inner;
                    continue;
                }
                // a lookaround, a conditional, a back reference, an alternation, an optional or repeated group
                Flush();
                i = SkipQuantifier(py, close + 1);
                continue;
            }
            if (c == ')')
            {
                i++;
                continue;
            }
            char lit;
            int next;
            if (c == '\\')
            {
                if (i + 1 >= py.Length)
                {
                    return null;
                }
                if (char.IsLetterOrDigit(py[i + 1]))
                {
                    // \s, \d, \b, \1...: not a literal
                    Flush();
                    i = SkipQuantifier(py, i + 2);
                    continue;
                }
                lit = py[i + 1];
                next = i + 2;
            }
            else if (c == '[')
            {
                int end = ClassEnd(py, i);
                if (end < 0)
                {
                    return null;
                }
                Flush();
                i = SkipQuantifier(py, end + 1);
                continue;
            }
            else if (c is '.' or '^' or '$')
            {
                Flush();
                i = SkipQuantifier(py, i + 1);
                continue;
            }
            else if (c is '|' or '?' or '*' or '+' or '{' or '}' or ']')
            {
                // not expected here: give up rather than guess
                return null;
            }
            else
            {
                lit = c;
                next = i + 1;
            }
            if (next < py.Length && py[next] is '?' or '*' or '{')
            {
                // optional or counted: not required as written
                Flush();
                i = SkipQuantifier(py, next);
                continue;
            }
            run.Append(lit);
            if (next < py.Length && py[next] == '+')
            {
                // required once, but more of it may follow: the run ends here
                Flush();
                i = SkipQuantifier(py, next);
                continue;
            }
            i = next;
        }
        Flush();
        return best;
    }

    /// <summary>
    /// Where the content of the group opened at <paramref name="open"/> starts, for a group that only groups or
    /// captures (<c>(?P&lt;name&gt;</c>, <c>(?:</c>, <c>(</c>); -1 for any other <c>(?</c> construct (lookarounds,
    /// conditionals, back references, comments, flags).
    /// </summary>
    private static int GroupContent(string py, int open)
    {
        if (py.AsSpan(open).StartsWith("(?P<"))
        {
            int gt = py.IndexOf('>', open);
            return gt < 0 ? -1 : gt + 1;
        }
        if (py.AsSpan(open).StartsWith("(?:"))
        {
            return open + 3;
        }
        return open + 1 < py.Length && py[open + 1] != '?' ? open + 1 : -1;
    }

    /// <summary>Index after a quantifier starting at <paramref name="i"/> (with its lazy '?' or possessive '+'), or i when there is none.</summary>
    private static int SkipQuantifier(string py, int i)
    {
        if (i >= py.Length)
        {
            return i;
        }
        if (py[i] is '?' or '*' or '+')
        {
            i++;
        }
        else if (py[i] == '{')
        {
            int close = py.IndexOf('}', i);
            if (close < 0)
            {
                return i;
            }
            i = close + 1;
        }
        else
        {
            return i;
        }
        return i < py.Length && py[i] is '?' or '+' ? i + 1 : i;
    }

    /// <summary>Index of the ']' closing the class opened at <paramref name="open"/> (a leading '^' and a first ']' belong to it), or -1.</summary>
    private static int ClassEnd(string py, int open)
    {
        int j = open + 1;
        if (j < py.Length && py[j] == '^')
        {
            j++;
        }
        if (j < py.Length && py[j] == ']')
        {
            j++;
        }
        for (; j < py.Length; j++)
        {
            if (py[j] == '\\')
            {
                j++;
            }
            else if (py[j] == ']')
            {
                return j;
            }
        }
        return -1;
    }

    /// <summary>Python inline flags ((?i), (?x), (?s:...), ...) change what characters mean: no analysis then.</summary>
    private static bool HasInlineFlags(string py)
    {
        for (int i = py.IndexOf("(?", StringComparison.Ordinal); i >= 0 && i + 2 < py.Length; i = py.IndexOf("(?", i + 1, StringComparison.Ordinal))
        {
            if ("aiLmsux-".Contains(py[i + 2]))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Adds the first characters of the sequence py[i..end); false when unknown (or it may be empty).</summary>
    private static bool First(string py, int i, int end, SortedSet<char> set)
    {
        if (i >= end)
        {
            return false;
        }
        char c = py[i];
        int next;
        if (c == '(')
        {
            int inner = GroupContent(py, i);
            if (inner < 0 || inner > end)
            {
                return false;
            }
            int close = FindClose(py, i);
            if (close < 0 || close >= end)
            {
                return false;
            }
            // every alternative of the group must start with a known character
            int a = inner;
            foreach (int bar in TopLevelBars(py, inner, close))
            {
                if (!First(py, a, bar, set))
                {
                    return false;
                }
                a = bar + 1;
            }
            if (!First(py, a, close, set))
            {
                return false;
            }
            next = close + 1;
        }
        else if (c == '[')
        {
            int j = i + 1;
            if (j >= end || py[j] is '^' or ']' or '[')
            {
                return false;
            }
            while (j < end && py[j] != ']')
            {
                char lo;
                if (py[j] == '\\')
                {
                    if (j + 1 >= end || char.IsLetterOrDigit(py[j + 1]))
                    {
                        return false;
                    }
                    lo = py[j + 1];
                    j += 2;
                }
                else if (py[j] == '[')
                {
                    return false;
                }
                else
                {
                    lo = py[j];
                    j++;
                }
                if (j + 1 < end && py[j] == '-' && py[j + 1] != ']')
                {
                    char hi = py[j + 1];
                    if (hi == '\\' || hi < lo || hi - lo > 64)
                    {
                        return false;
                    }
                    for (char ch = lo; ch <= hi; ch++)
                    {
                        set.Add(ch);
                    }
                    j += 2;
                }
                else
                {
                    set.Add(lo);
                }
            }
            if (j >= end)
            {
                return false;
            }
            next = j + 1;
        }
        else if (c == '\\')
        {
            if (i + 1 >= end || char.IsLetterOrDigit(py[i + 1]))
            {
                return false;
            }
            set.Add(py[i + 1]);
            next = i + 2;
        }
        else if ("^$.|?*+{}[])".Contains(c))
        {
            return false;
        }
        else
        {
            set.Add(c);
            next = i + 1;
        }
        // an optional first item: what follows could start the match
        return !(next < py.Length && py[next] is '?' or '*' or '{');
    }

    /// <summary>Positions of the '|' at the top level of py[start..end).</summary>
    private static List<int> TopLevelBars(string p, int start, int end)
    {
        var bars = new List<int>();
        Scan(p, start, end, (i, depth) =>
        {
            if (p[i] == '|' && depth == 0)
            {
                bars.Add(i);
            }
            return false;
        });
        return bars;
    }

    /// <summary>Index of the ')' closing the group opened at <paramref name="open"/>, or -1.</summary>
    private static int FindClose(string p, int open) =>
        Scan(p, open, p.Length, (i, depth) => p[i] == ')' && depth == 0);

    private static bool HasTopLevelAlternation(string p, int start, int end) =>
        Scan(p, start, end, (i, depth) => p[i] == '|' && depth == 0) >= 0;

    /// <summary>
    /// Walks p[start..end) skipping escapes and character classes (a leading '^' and a first ']' belong to the
    /// class), and calls <paramref name="stop"/> for every '(', ')' and '|' with the group depth after it;
    /// returns the index where it returned true, or -1.
    /// </summary>
    private static int Scan(string p, int start, int end, Func<int, int, bool> stop)
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
                    continue;
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
                case '|':
                    break;
                default:
                    continue;
            }
            if (stop(i, depth))
            {
                return i;
            }
        }
        return -1;
    }
}

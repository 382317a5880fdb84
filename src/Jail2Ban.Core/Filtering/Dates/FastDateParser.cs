using System.Text.RegularExpressions;

namespace Jail2Ban.Core.Filtering.Dates;

/// <summary>What <see cref="FastDateParser.Match"/> could decide.</summary>
internal enum FastResult
{
    /// <summary>The template's regex finds no match: proven.</summary>
    NoMatch,
    /// <summary>The regex finds exactly this match, with these groups.</summary>
    Match,
    /// <summary>Not decided (a non-ASCII character was read, or the search ran too long): ask the regex.</summary>
    Unsure,
}

/// <summary>
/// The groups of one match found by <see cref="FastDateParser"/>, by .NET group number: reused from line to line,
/// so the fast path allocates nothing.
/// </summary>
internal sealed class DateCaptures
{
    internal int MatchIndex;
    internal int MatchEnd;
    internal int[] Start = new int[16];
    internal int[] End = new int[16];

    internal void Reset(int groups)
    {
        if (Start.Length < groups)
        {
            Start = new int[groups];
            End = new int[groups];
        }
        Array.Fill(Start, -1, 0, groups);
    }

    internal void Set(int group, int start, int end)
    {
        Start[group] = start;
        End[group] = end;
    }
}

/// <summary>
/// A hand-written matcher for the syslog date templates that nearly every log hits: fail2ban's default
/// <c>(?:%a )?%b %d %k:%M:%S(?:\.%f)?(?: %ExY)?</c> and <c>(?:%a )?%b %d %ExY %k:%M:%S(?:\.%f)?</c>, each as the
/// word-bounded original (a search) and as the <c>{^LN-BEG}</c> copy. It is used only when a template's .NET pattern
/// is exactly one of those (any %ExY year set), and returns what that regex returns: same match, same groups. The
/// regex's backtracking is reproduced choice by choice (see the comments in <see cref="Body"/>); where the regex's
/// Unicode classes (\d, \w, \W, \b, case folding) could see a non-ASCII character differently, the answer is
/// <see cref="FastResult.Unsure"/> and the caller runs the regex. A template it does not know gets no parser.
/// </summary>
internal sealed class FastDateParser
{
    private const string Days = "mon|tue|wed|thu|fri|sat|sun";
    private const string Months = "jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec";
    private const string DayNo = @"(?<d>[1-2]\d|[0 ]?[1-9]|3[0-1])";
    private const string Time = @"(?<H>[0-2]?\d):(?<M>[0-5]?\d):(?<S>[0-5]?\d|6[0-1])(?:\.(?<f>[0-9]{1,6}))?";
    private const string LineBeginPrefix = @"(?i)^(?:\W{0,2})?";
    private const string WordBeginPrefix = @"(?i)(?=^|\b|\W)";
    private const string WordEndGuard = @"(?=\b|\W|$)";

    // Month names, packed lower-case: "jan" = 'j' | 'a' << 8 | 'n' << 16.
    private static readonly int[] MonthKeys = [.. Months.Split('|').Select(Key)];
    private static readonly int[] DayKeys = [.. Days.Split('|').Select(Key)];

    private readonly bool lineBegin;
    private readonly bool yearAfterDay;
    private readonly int yearThirdDigits; // bit n: "20n" is an accepted year start
    private readonly int groupSlots;
    private readonly int gDate, gA, gB, gD, gY, gH, gM, gS, gF;

    private FastDateParser(bool lineBegin, bool yearAfterDay, int yearThirdDigits, Func<string, int> group)
    {
        this.lineBegin = lineBegin;
        this.yearAfterDay = yearAfterDay;
        this.yearThirdDigits = yearThirdDigits;
        gDate = group("__g1");
        gA = group("a");
        gB = group("b");
        gD = group("d");
        gY = group("Y");
        gH = group("H");
        gM = group("M");
        gS = group("S");
        gF = group("f");
        groupSlots = new[] { gDate, gA, gB, gD, gY, gH, gM, gS, gF }.Max() + 1;
    }

    /// <summary>True: the template is line-anchored (<c>^</c>), so only a search from position 0 can match.</summary>
    internal bool IsLineBegin => lineBegin;

    /// <summary>The parser for a template's .NET pattern, or null when the pattern is not one this parser knows.</summary>
    /// <param name="dotNetPattern">The template's translated pattern.</param>
    /// <param name="groupNumber">Its .NET group numbers by name (-1 = no such group).</param>
    internal static FastDateParser? TryCreate(string dotNetPattern, Func<string, int> groupNumber)
    {
        bool lineBegin;
        string rest;
        if (dotNetPattern.StartsWith(LineBeginPrefix, StringComparison.Ordinal))
        {
            lineBegin = true;
            rest = dotNetPattern[LineBeginPrefix.Length..];
        }
        else if (dotNetPattern.StartsWith(WordBeginPrefix, StringComparison.Ordinal))
        {
            lineBegin = false;
            rest = dotNetPattern[WordBeginPrefix.Length..];
        }
        else
        {
            return null;
        }
        // %ExY: "(?<Y>20[<digits>]\d)", or "(?<Y>20<digit>\d)" when the accepted years share their decade.
        const string YearOpen = "(?<Y>20";
        int y = rest.IndexOf(YearOpen, StringComparison.Ordinal);
        if (y < 0)
        {
            return null;
        }
        int from = y + YearOpen.Length, to = rest.IndexOf(@"\d)", from, StringComparison.Ordinal);
        if (to < 0)
        {
            return null;
        }
        var third = rest.AsSpan(from, to - from);
        if (third.Length > 2 && third[0] == '[' && third[^1] == ']')
        {
            third = third[1..^1];
        }
        else if (third.Length != 1)
        {
            return null;
        }
        int mask = 0;
        foreach (char c in third)
        {
            if (c is < '0' or > '9' || (mask & (1 << (c - '0'))) != 0)
            {
                return null;
            }
            mask |= 1 << (c - '0');
        }
        string year = rest[y..(to + 3)];
        string head = $"(?<__g1>(?:(?<a>{Days}) )?(?<b>{Months}) {DayNo}";
        bool yearAfterDay;
        if (rest == $"{head}  ?{Time}(?: {year})?){WordEndGuard}")
        {
            yearAfterDay = false;
        }
        else if (rest == $"{head} {year}  ?{Time}){WordEndGuard}")
        {
            yearAfterDay = true;
        }
        else
        {
            return null;
        }
        var parser = new FastDateParser(lineBegin, yearAfterDay, mask, groupNumber);
        return new[] { parser.gDate, parser.gA, parser.gB, parser.gD, parser.gY, parser.gH, parser.gM, parser.gS, parser.gF }.Any(g => g < 0)
            ? null
            : parser;
    }

    /// <summary>The parser for a template, using the group numbers of its own regex.</summary>
    internal static FastDateParser? TryCreate(string dotNetPattern)
    {
        if (!dotNetPattern.StartsWith(LineBeginPrefix, StringComparison.Ordinal) && !dotNetPattern.StartsWith(WordBeginPrefix, StringComparison.Ordinal))
        {
            return null;
        }
        Regex regex;
        try
        {
            regex = new Regex(dotNetPattern, RegexOptions.CultureInvariant);
        }
        catch (ArgumentException)
        {
            return null;
        }
        return TryCreate(dotNetPattern, regex.GroupNumberFromName);
    }

    /// <summary>
    /// Python's <c>regex.search(line, pos, endpos)</c> as the detector runs it on the .NET regex (the text cut at
    /// <paramref name="endpos"/>, the search starting at <paramref name="pos"/>, lookbehind seeing the text before it).
    /// </summary>
    internal FastResult Match(string line, int pos, int endpos, DateCaptures caps)
    {
        int end = Math.Min(endpos, line.Length);
        pos = Math.Max(pos, 0);
        if (pos > end)
        {
            return FastResult.NoMatch;
        }
        caps.Reset(groupSlots);
        var r = new Reader(line, end);
        if (lineBegin)
        {
            // ^(?:\W{0,2})? : only at 0. The body starts with a letter, so giving back a \W never helps: the
            // regex's only way through takes as many (up to two) as there are.
            if (pos != 0)
            {
                return FastResult.NoMatch;
            }
            int k = 0;
            while (k < 2 && r.IsNonWord(k))
            {
                k++;
            }
            int e = Body(ref r, k, caps);
            if (r.Unsure)
            {
                return FastResult.Unsure;
            }
            if (e < 0)
            {
                return FastResult.NoMatch;
            }
            caps.Set(gDate, k, e);
            caps.MatchIndex = 0;
            caps.MatchEnd = e;
            return FastResult.Match;
        }
        // (?=^|\b|\W) then a letter: a start at 0 or after a non-word character.
        for (int p = pos; p < end; p++)
        {
            char c = line[p];
            if (c >= 0x80)
            {
                if (FoldsToStartLetter(c))
                {
                    return FastResult.Unsure; // the regex's case folding could start a name here
                }
                continue;
            }
            if (!IsStartLetter(c) || (p > 0 && r.IsWord(p - 1)))
            {
                if (r.Unsure)
                {
                    return FastResult.Unsure;
                }
                continue;
            }
            int e = Body(ref r, p, caps);
            if (r.Unsure)
            {
                return FastResult.Unsure;
            }
            if (e >= 0)
            {
                caps.Set(gDate, p, e);
                caps.MatchIndex = p;
                caps.MatchEnd = e;
                return FastResult.Match;
            }
            caps.Reset(groupSlots);
        }
        return FastResult.NoMatch;
    }

    /// <summary>
    /// Whether .NET's case-insensitive, culture-invariant matching takes a non-ASCII character for one of the names'
    /// first letters: for none (not even the Kelvin sign or the long s; FastDateParserTests checks this against the
    /// regex engine on every UTF-16 code unit), so a search skips non-ASCII text without giving up.
    /// </summary>
    internal static bool FoldsToStartLetter(char c) => c < 0x80 && IsStartLetter(c);

    // The first letters of the day and month names, either case.
    private static bool IsStartLetter(int c) => (c | 0x20) is 'm' or 't' or 'w' or 'f' or 's' or 'j' or 'a' or 'o' or 'n' or 'd';

    /// <summary>The body from <paramref name="p"/> (group 1 and the end guard): its end, or -1.</summary>
    private int Body(ref Reader r, int p, DateCaptures caps)
    {
        int q = p;
        // (?:(?<a>day) )? : taken when there. Giving it back leaves a day name where a month name must match: fails.
        if (Name(ref r, q, DayKeys) >= 0 && r.At(q + 3) == ' ')
        {
            caps.Set(gA, q, q + 3);
            q += 4;
        }
        if (Name(ref r, q, MonthKeys) < 0 || r.At(q + 3) != ' ')
        {
            return -1;
        }
        caps.Set(gB, q, q + 3);
        q += 4;
        // (?<d>[1-2]\d|[0 ]?[1-9]|3[0-1]) then " ": each alternative needs a different first (or second) character,
        // so at most one of them is followed by the space; the first valid one that is, is the regex's.
        int d = DayEnd(ref r, q);
        if (d < 0)
        {
            return -1;
        }
        caps.Set(gD, q, d);
        q = d + 1;
        if (yearAfterDay)
        {
            if (!Year(ref r, q))
            {
                return -1;
            }
            caps.Set(gY, q, q + 4);
            q += 4;
            if (r.At(q) != ' ')
            {
                return -1;
            }
            q++;
        }
        // "  ?": the second space when there (without it, %k would have to start with a space: fails).
        if (r.At(q) == ' ')
        {
            q++;
        }
        // %k and %M: [0-2]?\d / [0-5]?\d then ":": two digits when followed by ':', else one.
        int h = TwoOrOne(ref r, q, '2');
        if (h < 0)
        {
            return -1;
        }
        caps.Set(gH, q, h);
        q = h + 1;
        int m = TwoOrOne(ref r, q, '5');
        if (m < 0)
        {
            return -1;
        }
        caps.Set(gM, q, m);
        q = m + 1;
        // %S = [0-5]?\d|6[0-1]: the three ways in the regex's order, each followed by the rest.
        int c0 = r.At(q), c1 = r.At(q + 1);
        if (c0 is >= '0' and <= '5' && r.IsDigit(q + 1) && Rest(ref r, q, q + 2, caps) is var e1 and >= 0)
        {
            return e1;
        }
        if (r.IsDigit(q) && Rest(ref r, q, q + 1, caps) is var e2 and >= 0)
        {
            return e2;
        }
        if (c0 == '6' && c1 is '0' or '1' && Rest(ref r, q, q + 2, caps) is var e3 and >= 0)
        {
            return e3;
        }
        return -1;
    }

    /// <summary>After %S ending at <paramref name="e"/>: <c>(?:\.(?&lt;f&gt;[0-9]{1,6}))?(?: %ExY)?</c> and the end guard.</summary>
    private int Rest(ref Reader r, int sStart, int e, DateCaptures caps)
    {
        caps.Set(gS, sStart, e);
        if (r.At(e) == '.')
        {
            int k = 0;
            while (k < 6 && r.At(e + 1 + k) is >= '0' and <= '9')
            {
                k++;
            }
            // greedy, giving back one digit at a time
            for (; k >= 1; k--)
            {
                int end = YearAndGuard(ref r, e + 1 + k, caps);
                if (end >= 0)
                {
                    caps.Set(gF, e + 1, e + 1 + k);
                    return end;
                }
            }
        }
        caps.Start[gF] = -1;
        return YearAndGuard(ref r, e, caps);
    }

    private int YearAndGuard(ref Reader r, int e, DateCaptures caps)
    {
        if (!yearAfterDay)
        {
            if (r.At(e) == ' ' && Year(ref r, e + 1) && r.WordEnd(e + 5))
            {
                caps.Set(gY, e + 1, e + 5);
                return e + 5;
            }
            caps.Start[gY] = -1;
        }
        return r.WordEnd(e) ? e : -1;
    }

    /// <summary>%ExY: 20[set]\d.</summary>
    private bool Year(ref Reader r, int q) =>
        r.At(q) == '2' && r.At(q + 1) == '0' && r.At(q + 2) is var c and >= '0' and <= '9'
        && (yearThirdDigits & (1 << (c - '0'))) != 0 && r.IsDigit(q + 3);

    private static int DayEnd(ref Reader r, int q)
    {
        int c0 = r.At(q), c1 = r.At(q + 1);
        if (c0 is '1' or '2' && r.IsDigit(q + 1) && r.At(q + 2) == ' ')
        {
            return q + 2;
        }
        if (c0 is '0' or ' ' && c1 is >= '1' and <= '9' && r.At(q + 2) == ' ')
        {
            return q + 2;
        }
        if (c0 is >= '1' and <= '9' && c1 == ' ')
        {
            return q + 1;
        }
        if (c0 == '3' && c1 is '0' or '1' && r.At(q + 2) == ' ')
        {
            return q + 2;
        }
        return -1;
    }

    /// <summary>[0-max]?\d followed by ':': the end of the number, or -1.</summary>
    private static int TwoOrOne(ref Reader r, int q, char max)
    {
        int c0 = r.At(q);
        if (c0 >= '0' && c0 <= max && r.IsDigit(q + 1) && r.At(q + 2) == ':')
        {
            return q + 2;
        }
        return r.IsDigit(q) && r.At(q + 1) == ':' ? q + 1 : -1;
    }

    /// <summary>Index of the three-letter name at <paramref name="q"/> (ASCII case-insensitive), or -1.</summary>
    private static int Name(ref Reader r, int q, int[] keys)
    {
        int a = r.At(q), b = r.At(q + 1), c = r.At(q + 2);
        if (a < 0 || b < 0 || c < 0)
        {
            return -1;
        }
        int key = (a | 0x20) | (b | 0x20) << 8 | (c | 0x20) << 16;
        for (int i = 0; i < keys.Length; i++)
        {
            if (keys[i] == key)
            {
                // "| 0x20" also maps '@' to '`' etc.: only letters make a name
                return char.IsAsciiLetter((char)a) && char.IsAsciiLetter((char)b) && char.IsAsciiLetter((char)c) ? i : -1;
            }
        }
        return -1;
    }

    private static int Key(string name) => name[0] | name[1] << 8 | name[2] << 16;

    /// <summary>Reads the line up to the cut; notes any non-ASCII character read (then the answer is Unsure).</summary>
    private ref struct Reader(string line, int end)
    {
        private readonly string line = line;
        private readonly int end = end;
        internal bool Unsure;

        /// <summary>The character at <paramref name="i"/>, or -1 outside [0, end).</summary>
        internal int At(int i)
        {
            if ((uint)i >= (uint)end)
            {
                return -1;
            }
            char c = line[i];
            if (c >= 0x80)
            {
                Unsure = true;
            }
            return c;
        }

        /// <summary>\d (ASCII here; a non-ASCII character marks the result unsure).</summary>
        internal bool IsDigit(int i) => At(i) is >= '0' and <= '9';

        /// <summary>\w at <paramref name="i"/> (false outside the text).</summary>
        internal bool IsWord(int i)
        {
            int c = At(i);
            return c >= 0 && (char.IsAsciiLetterOrDigit((char)c) || c == '_');
        }

        /// <summary>\W at <paramref name="i"/>: a character that is not a word character (false outside the text).</summary>
        internal bool IsNonWord(int i)
        {
            int c = At(i);
            return c >= 0 && !(char.IsAsciiLetterOrDigit((char)c) || c == '_');
        }

        /// <summary>(?=\b|\W|$) at <paramref name="p"/> (p &gt; 0: something was matched before).</summary>
        internal bool WordEnd(int p)
        {
            if (p >= end)
            {
                return true;
            }
            return !IsWord(p) || !IsWord(p - 1);
        }
    }
}

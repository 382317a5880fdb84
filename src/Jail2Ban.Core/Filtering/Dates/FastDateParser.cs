using System.Text.RegularExpressions;

namespace Jail2Ban.Core.Filtering.Dates;

/// <summary>What <see cref="FastDateParser.Match"/> could decide.</summary>
internal enum FastResult
{
    /// <summary>The template's regex finds no match: proven.</summary>
    NoMatch,
    /// <summary>The regex finds exactly this match, with these groups.</summary>
    Match,
    /// <summary>Not decided (a non-ASCII character was read, which the regex's Unicode classes might take differently): ask the regex.</summary>
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
    /// <summary>One past the last index the parser read (of a line-anchored match): the result depends on nothing after it.</summary>
    internal int ReadEnd;
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
/// A hand-written matcher for the date templates that nearly every log hits, among fail2ban's defaults:
/// <c>(?:%a )?%b %d %k:%M:%S(?:\.%f)?(?: %ExY)?</c> and <c>(?:%a )?%b %d %ExY %k:%M:%S(?:\.%f)?</c> (syslog),
/// <c>%ExY(?P&lt;_sep&gt;[-/.])%m(?P=_sep)%d(?:T|  ?)%H:%M:%S(?:[.,]%f)?(?:\s*%z)?</c> (ISO 8601) and
/// <c>%d(?P&lt;_sep&gt;[-/])%b(?P=_sep)%ExY[ :]?%H:%M:%S(?:\.%f)?(?: %z)?</c> (Apache), each as the word-bounded original
/// (a search) and as the <c>{^LN-BEG}</c> copy. It is used only when a template's .NET pattern is exactly one of those
/// (any %ExY year set), and returns what that regex returns: same match, same groups. The regex's backtracking is
/// reproduced choice by choice (see the comments below); where the regex's Unicode classes (\d, \s, \w, \W, \b, case
/// folding) could see a non-ASCII character differently, the answer is <see cref="FastResult.Unsure"/> and the caller
/// runs the regex. A template it does not know gets no parser.
/// </summary>
internal sealed class FastDateParser
{
    private enum Shape { Syslog, SyslogYearFirst, Iso, Apache }

    private const string Days = "mon|tue|wed|thu|fri|sat|sun";
    private const string Months = "jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec";
    private const string DayNo = @"(?<d>[1-2]\d|[0 ]?[1-9]|3[0-1])";
    private const string Hour23 = @"(?<H>[0-1]?\d|2[0-3])";
    private const string MinSec = @":(?<M>[0-5]?\d):(?<S>[0-5]?\d|6[0-1])";
    private const string Zone = @"(?<z>Z|UTC|GMT|[+-][01]\d(?::?\d{2})?)";
    private const string LineBeginPrefix = @"^(?:\W{0,2})?";
    private const string WordBeginPrefix = @"(?=^|\b|\W)";
    private const string IgnoreCase = "(?i)";
    private const string WordEndGuard = @"(?=\b|\W|$)";

    // Names, packed lower-case: "jan" = 'j' | 'a' << 8 | 'n' << 16.
    private static readonly int[] MonthKeys = [.. Months.Split('|').Select(Key)];
    private static readonly int[] DayKeys = [.. Days.Split('|').Select(Key)];

    private readonly Shape shape;
    private readonly bool lineBegin;
    private readonly int yearThirdDigits; // bit n: "20n" is an accepted year start
    private readonly int groupSlots;
    private readonly int gDate, gA, gB, gM0, gD, gY, gH, gM, gS, gF, gZ;

    private FastDateParser(Shape shape, bool lineBegin, int yearThirdDigits, Func<string, int> group)
    {
        this.shape = shape;
        this.lineBegin = lineBegin;
        this.yearThirdDigits = yearThirdDigits;
        gDate = group("__g1");
        gA = group("a");
        gB = group("b");
        gM0 = group("m");
        gD = group("d");
        gY = group("Y");
        gH = group("H");
        gM = group("M");
        gS = group("S");
        gF = group("f");
        gZ = group("z");
        groupSlots = new[] { gDate, gA, gB, gM0, gD, gY, gH, gM, gS, gF, gZ }.Max() + 1;
    }

    /// <summary>True: the template is line-anchored (<c>^</c>), so only a search from position 0 can match.</summary>
    internal bool IsLineBegin => lineBegin;

    private int[] RequiredGroups => shape switch
    {
        Shape.Syslog or Shape.SyslogYearFirst => [gDate, gA, gB, gD, gY, gH, gM, gS, gF],
        Shape.Iso => [gDate, gY, gM0, gD, gH, gM, gS, gF, gZ],
        _ => [gDate, gD, gB, gY, gH, gM, gS, gF, gZ],
    };

    /// <summary>The parser for a template's .NET pattern, or null when the pattern is not one this parser knows.</summary>
    /// <param name="dotNetPattern">The template's translated pattern.</param>
    /// <param name="groupNumber">Its .NET group numbers by name (-1 = no such group).</param>
    internal static FastDateParser? TryCreate(string dotNetPattern, Func<string, int> groupNumber)
    {
        bool ignoreCase = dotNetPattern.StartsWith(IgnoreCase, StringComparison.Ordinal);
        string rest = ignoreCase ? dotNetPattern[IgnoreCase.Length..] : dotNetPattern;
        bool lineBegin;
        if (rest.StartsWith(LineBeginPrefix, StringComparison.Ordinal))
        {
            lineBegin = true;
            rest = rest[LineBeginPrefix.Length..];
        }
        else if (rest.StartsWith(WordBeginPrefix, StringComparison.Ordinal))
        {
            lineBegin = false;
            rest = rest[WordBeginPrefix.Length..];
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
        string syslog = $"(?<__g1>(?:(?<a>{Days}) )?(?<b>{Months}) {DayNo}";
        string syslogTime = @"(?<H>[0-2]?\d)" + MinSec + @"(?:\.(?<f>[0-9]{1,6}))?";
        Shape shape;
        if (ignoreCase && rest == $"{syslog}  ?{syslogTime}(?: {year})?){WordEndGuard}")
        {
            shape = Shape.Syslog;
        }
        else if (ignoreCase && rest == $"{syslog} {year}  ?{syslogTime}){WordEndGuard}")
        {
            shape = Shape.SyslogYearFirst;
        }
        else if (!ignoreCase && rest == $@"(?<__g1>{year}(?<_sep>[-/.])(?<m>0?[1-9]|1[0-2])\k<_sep>{DayNo}(?:T|  ?){Hour23}{MinSec}(?:[.,](?<f>[0-9]{{1,6}}))?(?:[\s\x1c-\x1f]*{Zone})?){WordEndGuard}")
        {
            shape = Shape.Iso;
        }
        else if (ignoreCase && rest == $@"(?<__g1>{DayNo}(?<_sep>[-/])(?<b>{Months})\k<_sep>{year}[ :]?{Hour23}{MinSec}(?:\.(?<f>[0-9]{{1,6}}))?(?: {Zone})?){WordEndGuard}")
        {
            shape = Shape.Apache;
        }
        else
        {
            return null;
        }
        var parser = new FastDateParser(shape, lineBegin, mask, groupNumber);
        return parser.RequiredGroups.Any(g => g < 0) ? null : parser;
    }

    /// <summary>The parser for a template, using the group numbers of its own regex.</summary>
    internal static FastDateParser? TryCreate(string dotNetPattern)
    {
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
            // ^(?:\W{0,2})? : only at 0. Every body starts with a word character (a letter or a digit) or, for the
            // Apache day " 1", a space that the prefix takes first: see Prefix.
            if (pos != 0)
            {
                return FastResult.NoMatch;
            }
            int e = -1, k = 0;
            while (k < 2 && r.IsNonWord(k))
            {
                k++;
            }
            // Greedy: the most \W first, giving back one at a time. Only an Apache body can start with a \W
            // (the space of " 1"); for the others a shorter prefix leaves a \W where a word character must be.
            for (; k >= 0 && !r.Unsure; k--)
            {
                e = Body(ref r, k, caps);
                if (e >= 0 || shape != Shape.Apache)
                {
                    break;
                }
                caps.Reset(groupSlots);
            }
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
            caps.ReadEnd = r.ReadEnd;
            return FastResult.Match;
        }
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
            if (!MayStart(c))
            {
                continue;
            }
            // (?=^|\b|\W) before a word character: at 0 or after a non-word character; before a \W: always.
            if (p > 0 && c != ' ' && r.IsWord(p - 1))
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

    /// <summary>Can the body start with this (ASCII) character?</summary>
    private bool MayStart(char c) => shape switch
    {
        Shape.Syslog or Shape.SyslogYearFirst => IsStartLetter(c),
        Shape.Iso => c == '2',
        _ => c is (>= '0' and <= '9') or ' ',
    };

    /// <summary>The body from <paramref name="p"/> (group 1 and the end guard): its end, or -1.</summary>
    private int Body(ref Reader r, int p, DateCaptures caps) => shape switch
    {
        Shape.Syslog or Shape.SyslogYearFirst => SyslogBody(ref r, p, caps),
        Shape.Iso => IsoBody(ref r, p, caps),
        _ => ApacheBody(ref r, p, caps),
    };

    private int SyslogBody(ref Reader r, int p, DateCaptures caps)
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
        int d = DayEnd(ref r, q, ' ', ' ');
        if (d < 0)
        {
            return -1;
        }
        caps.Set(gD, q, d);
        q = d + 1;
        if (shape == Shape.SyslogYearFirst)
        {
            if (!Year(ref r, q) || r.At(q + 4) != ' ')
            {
                return -1;
            }
            caps.Set(gY, q, q + 4);
            q += 5;
        }
        // "  ?": the second space when there (without it, %k would have to start with a space: fails).
        if (r.At(q) == ' ')
        {
            q++;
        }
        // %k = [0-2]?\d then ":": two digits when followed by ':', else one.
        int h = TwoOrOne(ref r, q, '2');
        return h < 0 ? -1 : MinutesOn(ref r, q, h, caps);
    }

    private int IsoBody(ref Reader r, int p, DateCaptures caps)
    {
        int q = p;
        if (!Year(ref r, q))
        {
            return -1;
        }
        caps.Set(gY, q, q + 4);
        q += 4;
        int sep = r.At(q);
        if (sep is not ('-' or '/' or '.'))
        {
            return -1;
        }
        q++;
        // (?<m>0?[1-9]|1[0-2]) then the separator again: the ways end at different characters, so at most one is
        // followed by the separator (a non-digit).
        int c0 = r.At(q), c1 = r.At(q + 1), m;
        if (c0 == '0' && c1 is >= '1' and <= '9' && r.At(q + 2) == sep)
        {
            m = q + 2;
        }
        else if (c0 is >= '1' and <= '9' && c1 == sep)
        {
            m = q + 1;
        }
        else if (c0 == '1' && c1 is >= '0' and <= '2' && r.At(q + 2) == sep)
        {
            m = q + 2;
        }
        else
        {
            return -1;
        }
        caps.Set(gM0, q, m);
        q = m + 1;
        int d = DayEnd(ref r, q, 'T', ' ');
        if (d < 0)
        {
            return -1;
        }
        caps.Set(gD, q, d);
        q = d;
        // (?:T|  ?): one 'T', or one or two spaces (fewer spaces would leave one where %H must start: fails).
        if (r.At(q) == 'T')
        {
            q++;
        }
        else
        {
            q++;
            if (r.At(q) == ' ')
            {
                q++;
            }
        }
        int h = Hour23End(ref r, q);
        return h < 0 ? -1 : MinutesOn(ref r, q, h, caps);
    }

    private int ApacheBody(ref Reader r, int p, DateCaptures caps)
    {
        int q = p;
        int d = DayEnd(ref r, q, '-', '/');
        if (d < 0)
        {
            return -1;
        }
        caps.Set(gD, q, d);
        int sep = r.At(d);
        q = d + 1;
        if (Name(ref r, q, MonthKeys) < 0 || r.At(q + 3) != sep)
        {
            return -1;
        }
        caps.Set(gB, q, q + 3);
        q += 4;
        if (!Year(ref r, q))
        {
            return -1;
        }
        caps.Set(gY, q, q + 4);
        q += 4;
        // [ :]? : taken when there (without it, %H would have to start with it: fails).
        if (r.At(q) is ' ' or ':')
        {
            q++;
        }
        int h = Hour23End(ref r, q);
        return h < 0 ? -1 : MinutesOn(ref r, q, h, caps);
    }

    /// <summary>From the hour [<paramref name="hStart"/>, <paramref name="hEnd"/>) (a ':' follows): minutes, seconds and the rest.</summary>
    private int MinutesOn(ref Reader r, int hStart, int hEnd, DateCaptures caps)
    {
        caps.Set(gH, hStart, hEnd);
        int q = hEnd + 1;
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

    /// <summary>After %S ending at <paramref name="e"/>: the optional fraction, the shape's tail and the end guard.</summary>
    private int Rest(ref Reader r, int sStart, int e, DateCaptures caps)
    {
        caps.Set(gS, sStart, e);
        int c = r.At(e);
        if (c == '.' || (c == ',' && shape == Shape.Iso))
        {
            int k = 0;
            while (k < 6 && r.At(e + 1 + k) is >= '0' and <= '9')
            {
                k++;
            }
            // greedy, giving back one digit at a time
            for (; k >= 1; k--)
            {
                int end = Tail(ref r, e + 1 + k, caps);
                if (end >= 0)
                {
                    caps.Set(gF, e + 1, e + 1 + k);
                    return end;
                }
            }
        }
        caps.Start[gF] = -1;
        return Tail(ref r, e, caps);
    }

    /// <summary>The optional year (syslog) or zone (ISO, Apache) after the seconds, then the end guard.</summary>
    private int Tail(ref Reader r, int e, DateCaptures caps)
    {
        switch (shape)
        {
            case Shape.Syslog:
                if (r.At(e) == ' ' && Year(ref r, e + 1) && r.WordEnd(e + 5))
                {
                    caps.Set(gY, e + 1, e + 5);
                    return e + 5;
                }
                caps.Start[gY] = -1;
                break;
            case Shape.Iso:
                {
                    // [\s\x1c-\x1f]* takes all the spaces: giving some back leaves one where the zone must start.
                    int p = e;
                    while (IsSpace(r.At(p)))
                    {
                        p++;
                    }
                    if (ZoneAndGuard(ref r, p, caseInsensitive: false, caps) is var z and >= 0)
                    {
                        return z;
                    }
                    break;
                }
            case Shape.Apache:
                if (r.At(e) == ' ' && ZoneAndGuard(ref r, e + 1, caseInsensitive: true, caps) is var za and >= 0)
                {
                    return za;
                }
                break;
        }
        if (gZ >= 0)
        {
            caps.Start[gZ] = -1;
        }
        return r.WordEnd(e) ? e : -1;
    }

    /// <summary><c>(?&lt;z&gt;Z|UTC|GMT|[+-][01]\d(?::?\d{2})?)</c> at <paramref name="p"/> followed by the end guard: the end, or -1.</summary>
    private int ZoneAndGuard(ref Reader r, int p, bool caseInsensitive, DateCaptures caps)
    {
        int c = r.At(p);
        int fold = caseInsensitive && c is >= 'a' and <= 'z' ? c - 0x20 : c;
        int end = -1;
        if (fold == 'Z')
        {
            end = r.WordEnd(p + 1) ? p + 1 : -1;
        }
        else if (fold is 'U' or 'G')
        {
            string name = fold == 'U' ? "UTC" : "GMT";
            if (Letter(ref r, p + 1, name[1], caseInsensitive) && Letter(ref r, p + 2, name[2], caseInsensitive) && r.WordEnd(p + 3))
            {
                end = p + 3;
            }
        }
        else if (c is '+' or '-' && r.At(p + 1) is '0' or '1' && r.IsDigit(p + 2))
        {
            int b = p + 3;
            // (?::?\d{2})? : ":dd", else "dd", else nothing; the first that the end guard accepts.
            if (r.At(b) == ':' && r.IsDigit(b + 1) && r.IsDigit(b + 2) && r.WordEnd(b + 3))
            {
                end = b + 3;
            }
            else if (r.IsDigit(b) && r.IsDigit(b + 1) && r.WordEnd(b + 2))
            {
                end = b + 2;
            }
            else if (r.WordEnd(b))
            {
                end = b;
            }
        }
        if (end >= 0)
        {
            caps.Set(gZ, p, end);
        }
        return end;
    }

    private static bool Letter(ref Reader r, int i, char upper, bool caseInsensitive)
    {
        int c = r.At(i);
        return c == upper || (caseInsensitive && c == upper + 0x20);
    }

    /// <summary>[\s\x1c-\x1f] for ASCII.</summary>
    private static bool IsSpace(int c) => c is ' ' or (>= '\t' and <= '\r') or (>= '\x1c' and <= '\x1f');

    /// <summary>%ExY: 20[set]\d.</summary>
    private bool Year(ref Reader r, int q) =>
        r.At(q) == '2' && r.At(q + 1) == '0' && r.At(q + 2) is var c and >= '0' and <= '9'
        && (yearThirdDigits & (1 << (c - '0'))) != 0 && r.IsDigit(q + 3);

    /// <summary>
    /// (?&lt;d&gt;[1-2]\d|[0 ]?[1-9]|3[0-1]) followed by <paramref name="next1"/> or <paramref name="next2"/> (never a
    /// digit): each way needs a different first (or second) character, so at most one of them is followed by it,
    /// and the first valid one that is, is the regex's. Returns the day's end, or -1.
    /// </summary>
    private static int DayEnd(ref Reader r, int q, char next1, char next2)
    {
        int c0 = r.At(q), c1 = r.At(q + 1);
        int c2 = -2;
        if ((c0 is '1' or '2' && r.IsDigit(q + 1)) || (c0 is '0' or ' ' && c1 is >= '1' and <= '9') || (c0 == '3' && c1 is '0' or '1'))
        {
            c2 = r.At(q + 2);
            if (c2 == next1 || c2 == next2)
            {
                return q + 2;
            }
        }
        if (c0 is >= '1' and <= '9' && (c1 == next1 || c1 == next2))
        {
            return q + 1;
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

    /// <summary>%H = [0-1]?\d|2[0-3] followed by ':' (the ways end at different characters: at most one fits).</summary>
    private static int Hour23End(ref Reader r, int q)
    {
        int c0 = r.At(q), c1 = r.At(q + 1);
        if (c0 is '0' or '1' && r.IsDigit(q + 1) && r.At(q + 2) == ':')
        {
            return q + 2;
        }
        if (r.IsDigit(q) && c1 == ':')
        {
            return q + 1;
        }
        return c0 == '2' && c1 is >= '0' and <= '3' && r.At(q + 2) == ':' ? q + 2 : -1;
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
        /// <summary>One past the highest index read (inside or outside the text).</summary>
        internal int ReadEnd;

        /// <summary>The character at <paramref name="i"/>, or -1 outside [0, end).</summary>
        internal int At(int i)
        {
            if (i >= ReadEnd)
            {
                ReadEnd = i + 1;
            }
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

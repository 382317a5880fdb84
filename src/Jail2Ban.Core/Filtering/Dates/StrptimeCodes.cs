using System.Collections.Frozen;

namespace Jail2Ban.Core.Filtering.Dates;

/// <summary>
/// The <c>%</c> codes of a datepattern: the regex fragment each expands to (fail2ban's extended
/// Python <c>TimeRE</c>, C/English locale) and the display word used in template names (spec §3.1).
/// </summary>
internal static class StrptimeCodes
{
    private const string Abbr = "[A-Z](?:[A-Z]{2,4})?";

    /// <summary>(regex, display name) per code; <c>ExY</c> is added per year (see <see cref="Build"/>).</summary>
    private static readonly (string Code, string Regex, string Name)[] Table =
    [
        ("%", "%", "%"),
        ("A", "(?P<A>wednesday|thursday|saturday|tuesday|monday|friday|sunday)", "DAYNAME"),
        ("B", "(?P<B>september|february|november|december|january|october|august|march|april|june|july|may)", "MONTH"),
        ("ExH", @"(?P<H>[0-1]\d|2[0-3])", "Ex24hour"),
        ("ExM", @"(?P<M>[0-5]\d)", "ExMinute"),
        ("ExS", @"(?P<S>[0-5]\d|6[0-1])", "ExSecond"),
        ("ExZ", $"(?P<Z>{Abbr})", "ExZone name"),
        ("Exd", @"(?P<d>[1-2]\d|0[1-9]|3[0-1])", "ExDay"),
        ("Exk", @" ?(?P<H>[0-1]?\d|2[0-3])", "Ex%k"),
        ("Exl", @" ?(?P<I>1[0-2]|\d)", "Ex%l"),
        ("Exm", "(?P<m>0[1-9]|1[0-2])", "ExMonth"),
        ("Exy", @"(?P<y>\d{2})", "ExYear2"),
        ("Exz", $@"(?P<z>(?:{Abbr})?[+-][01]\d(?::?\d{{2}})?|{Abbr})", "ExZone offset"),
        ("G", @"(?P<G>\d\d\d\d)", "%G"),
        ("H", @"(?P<H>[0-1]?\d|2[0-3])", "24hour"),
        ("I", "(?P<I>1[0-2]|0[1-9]|[1-9])", "12hour"),
        ("M", @"(?P<M>[0-5]?\d)", "Minute"),
        ("S", @"(?P<S>[0-5]?\d|6[0-1])", "Second"),
        ("U", @"(?P<U>5[0-3]|[0-4]\d|\d)", "Yearweek"),
        ("V", @"(?P<V>5[0-3]|0[1-9]|[1-4]\d|\d)", "%V"),
        ("W", @"(?P<W>5[0-3]|[0-4]\d|\d)", "Yearweek"),
        ("X", @"(?P<H>2[0-3]|[0-1]\d|\d):(?P<M>[0-5]\d|\d):(?P<S>6[0-1]|[0-5]\d|\d)", "%X"),
        ("Y", @"(?P<Y>\d{4})", "Year"),
        ("Z", "(?P<Z>Z|[A-Z]{3,5})", "Zone name"),
        ("a", "(?P<a>mon|tue|wed|thu|fri|sat|sun)", "DAY"),
        ("b", "(?P<b>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)", "MON"),
        ("c", @"(?P<a>mon|tue|wed|thu|fri|sat|sun)\s+(?P<b>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\s+(?P<d>3[0-1]|[1-2]\d|0[1-9]|[1-9]| [1-9])\s+(?P<H>2[0-3]|[0-1]\d|\d):(?P<M>[0-5]\d|\d):(?P<S>6[0-1]|[0-5]\d|\d)\s+(?P<Y>\d\d\d\d)", "%c"),
        ("d", @"(?P<d>[1-2]\d|[0 ]?[1-9]|3[0-1])", "Day"),
        ("f", "(?P<f>[0-9]{1,6})", "Microseconds"),
        ("j", @"(?P<j>36[0-6]|3[0-5]\d|[1-2]\d\d|0[1-9]\d|00[1-9]|[1-9]\d|0[1-9]|[1-9])", "Yearday"),
        ("k", @" ?(?P<H>[0-2]?\d)", "%k"),
        ("l", @" ?(?P<I>1?\d)", "%l"),
        ("m", "(?P<m>0?[1-9]|1[0-2])", "Month"),
        ("p", "(?P<p>am|pm)", "AMPM"),
        ("u", "(?P<u>[1-7])", "%u"),
        ("w", "(?P<w>[0-6])", "Weekday"),
        ("x", @"(?P<m>1[0-2]|0[1-9]|[1-9])/(?P<d>3[0-1]|[1-2]\d|0[1-9]|[1-9]| [1-9])/(?P<y>\d\d)", "%x"),
        ("y", @"(?P<y>\d\d)", "Year2"),
        ("z", @"(?P<z>Z|UTC|GMT|[+-][01]\d(?::?\d{2})?)", "Zone offset"),
    ];

    internal sealed record Code(string Regex, string Name);

    /// <summary>
    /// The code table for a given current year. <c>%ExY</c> accepts the years from 2000 up to the
    /// decade of (current year + 3): fail2ban computes this once at start-up from the real clock.
    /// </summary>
    internal static FrozenDictionary<string, Code> Build(int currentYear)
    {
        var d = Table.ToDictionary(t => t.Code, t => new Code(t.Regex, t.Name), StringComparer.Ordinal);
        d["ExY"] = new Code($"(?P<Y>{CenturyRegex(currentYear)}\\d)", "ExYear");
        return d.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>
    /// The first three digits of the accepted years: those of 2000..(year+3) in 3-year steps, the
    /// previous year and year+3 (fail2ban's century regex, with its test "alternate now" of 2001).
    /// </summary>
    internal static string CenturyRegex(int year)
    {
        var set = new SortedSet<string>(StringComparer.Ordinal)
        {
            Cent(year - 1),
            Cent(year + 3),
        };
        for (int y = 2001 - 1; y < 2001 + (year - 2001 + 1); y += 3)
        {
            set.Add(Cent(y));
        }
        var list = set.ToList();
        if (list.Count == 1)
        {
            return list[0];
        }
        // Same "20" prefix (every year 2000..2099): one character class, as fail2ban prints it.
        if (list.All(c => c.Length == 3 && c.StartsWith("20", StringComparison.Ordinal)))
        {
            return "20[" + string.Concat(list.Select(c => c[2])) + "]";
        }
        return "(?:" + string.Join('|', list) + ")";

        static string Cent(int y)
        {
            var s = y.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return s.Length >= 3 ? s[..3] : s;
        }
    }

    /// <summary>
    /// Tries to read a code at <paramref name="at"/> (just after a <c>%</c>): the three-letter
    /// <c>Ex?</c> codes first, then single characters, like fail2ban's code regex.
    /// </summary>
    internal static bool TryReadCode(string pattern, int at, FrozenDictionary<string, Code> codes, out string key, out Code code)
    {
        if (at + 3 <= pattern.Length && pattern[at] == 'E' && pattern[at + 1] == 'x'
            && codes.TryGetValue(pattern.Substring(at, 3), out var c3))
        {
            key = pattern.Substring(at, 3);
            code = c3;
            return true;
        }
        if (at < pattern.Length && codes.TryGetValue(pattern.Substring(at, 1), out var c1))
        {
            key = pattern.Substring(at, 1);
            code = c1;
            return true;
        }
        key = "";
        code = null!;
        return false;
    }
}

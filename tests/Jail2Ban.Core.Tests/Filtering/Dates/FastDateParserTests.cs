using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Jail2Ban.Core.Filtering.Dates;

namespace Jail2Ban.Core.Tests.Filtering.Dates;

/// <summary>
/// The hand-written syslog date parser against the regex it stands in for: on every line of every compat log
/// and on generated edge cases, the parser's answer (when it gives one) must be the regex's match and groups, and a
/// detector using it must give the same hits and end in the same template state as one that does not.
/// </summary>
public sealed class FastDateParserTests
{
    private static readonly string[] Fields = ["__g1", "a", "b", "m", "d", "Y", "H", "M", "S", "f", "z"];

    /// <summary>Every line of the compat logs (comments too: they are text a detector may see), as UTF-8 and as Latin-1.</summary>
    private static List<string> CompatLines()
    {
        var files = Directory.GetFiles(DateFixtures.SampleLogsDir)
            .Concat(Directory.GetFiles(Path.Combine(DateFixtures.SharedDir, "compat", "fail2ban", "files"), "*.log"))
            .Order(StringComparer.Ordinal).ToList();
        Assert.True(files.Count > 100, $"{files.Count} logs");
        var lines = new List<string>();
        foreach (var file in files)
        {
            lines.AddRange(File.ReadLines(file, Encoding.UTF8));
            if (file.Contains("wrong-char", StringComparison.Ordinal))
            {
                lines.AddRange(File.ReadLines(file, Encoding.Latin1));
            }
        }
        return lines;
    }

    private static readonly Lazy<List<string>> Compat = new(CompatLines);
    private static readonly Lazy<List<string>> Edge = new(() => EdgeLines(20000));

    /// <summary>Syslog-like dates with every field near and past its limits, in odd surroundings.</summary>
    private static List<string> EdgeLines(int random)
    {
        var rng = new Random(4242);
        string[] months = ["Jan", "feb", "MAR", "Apr", "May", "jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jam", "Ja", "Sept"];
        string[] dayNames = ["", "Mon ", "tue ", "WED ", "Thu ", "Fri ", "Sat ", "Sun ", "Mon", "Xyz ", "Mon  "];
        string[] days = ["1", " 1", "01", "001", "9", "09", "10", "19", "20", "29", "30", "31", "32", "39", "40", "0", "00", " 0", "3", "1x", ""];
        string[] hours = ["0", "00", "9", "09", "12", "19", "20", "23", "24", "29", "30", "3", "000", ""];
        string[] minsecs = ["0", "00", "5", "05", "59", "60", "61", "62", "69", "6", "7", "99", "000", "6a", ""];
        string[] fracs = ["", ".", ".1", ".123456", ".1234567", ".12345678", ".x", ",5"];
        string[] years = ["", " 2005", " 2026", " 2029", " 2031", " 1999", " 20261", " 202", " 2026x", "  2026", " 2٠26"];
        string[] pre = ["", "[", "<>", "  ", "---", "x", "x ", "_", "é", "é ", "\u212Aan ", "host: ", "1", "-- ", "\t"];
        string[] post = ["", " host sshd[1]: x", "x", "_", ".", "é", "\u00A0", ":", "Z", "5", " 2026", "\n", " Jan  2 00:00:01"];
        string[] gaps = [" ", "  ", "   ", ""];
        var lines = new List<string>();
        string Pick(string[] a) => a[rng.Next(a.Length)];
        for (int i = 0; i < random; i++)
        {
            bool yearAfterDay = rng.Next(4) == 0;
            var date = yearAfterDay
                ? $"{Pick(dayNames)}{Pick(months)} {Pick(days)}{Pick(years)}{Pick(gaps)}{Pick(hours)}:{Pick(minsecs)}:{Pick(minsecs)}{Pick(fracs)}"
                : $"{Pick(dayNames)}{Pick(months)} {Pick(days)}{Pick(gaps)}{Pick(hours)}:{Pick(minsecs)}:{Pick(minsecs)}{Pick(fracs)}{Pick(years)}";
            lines.Add(Pick(pre) + date + Pick(post));
        }
        // ISO 8601 and Apache forms, with every part near and past its limits.
        string[] isoYears = ["2005", "2026", "2031", "1999", "2٠26", "20261", "205"];
        string[] isoSeps = ["-", "/", ".", ":"];
        string[] monthNos = ["1", "01", "9", "09", "10", "12", "13", "00", "0", "001", ""];
        string[] isoT = ["T", " ", "  ", "   ", "t", ""];
        string[] hours23 = ["0", "00", "9", "09", "19", "20", "23", "24", "29", "3", ""];
        string[] isoFracs = ["", ".5", ",123", ",1234567", ".", ",x"];
        string[] zones = ["", "Z", "z", " Z", "  UTC", "utc", " GMT", "+0100", "+01:00", "-0130", "+01:0", "+1", "+01", "\t+01:00",
            "\x1c+01", " +0100x", "Zulu", "+01:00:00", " CET", "\u00A0Z", " +21", "-1961"];
        string[] apacheZones = ["", " +0000", " -0130", " Z", " z", " utc", " GMT", " +01:00", " +01:0", "  +0000", " +0100x", " EST"];
        string[] apacheSeps = ["/", "-"];
        string[] apacheGlue = [":", " ", "", "::", "T"];
        for (int i = 0; i < random / 2; i++)
        {
            string sep = Pick(isoSeps), sep2 = rng.Next(8) == 0 ? Pick(isoSeps) : sep;
            lines.Add(Pick(pre) + $"{Pick(isoYears)}{sep}{Pick(monthNos)}{sep2}{Pick(days)}{Pick(isoT)}{Pick(hours23)}:{Pick(minsecs)}:{Pick(minsecs)}{Pick(isoFracs)}{Pick(zones)}" + Pick(post));
            string asep = Pick(apacheSeps), asep2 = rng.Next(8) == 0 ? Pick(apacheSeps) : asep;
            lines.Add(Pick(pre) + $"{Pick(days)}{asep}{Pick(months)}{asep2}{Pick(isoYears)}{Pick(apacheGlue)}{Pick(hours23)}:{Pick(minsecs)}:{Pick(minsecs)}{Pick(fracs)}{Pick(apacheZones)}" + Pick(post));
        }
        lines.AddRange(
        [
            "2026-01-01 00:00:01,123 fail2ban.filter [1]: INFO x", "2005-08-14T12:00:00.123456+02:00 y", "2024-02-29 01:02:03 leap",
            "2025-02-29 01:02:03 not leap", "2026-04-31 00:00:00", "2026-12-31 24:00:00", "2026/1/2 3:04:05", "2026.01.02T03:04:05Z",
            "1.2.3.4 - - [01/Jan/2026:00:00:01 +0000] \"GET / HTTP/1.1\" 200 1", "1.2.3.4 - - [ 1/Jan/2026:00:00:01 +0000]",
            "[31/Dec/2025:23:59:59 -0130] x", "01-Jan-2026 00:00:01.5 UTC", " 1/jan/2026 00:00:01", "  1/Jan/2026 00:00:01",
            "   1/Jan/2026 00:00:01", "- 1/Jan/2026 00:00:01",
        ]);
        // Systematic: every day 0..32 of every month, padded both ways, leap years and rollover dates.
        foreach (var m in months.Take(12))
        {
            for (int d = 0; d <= 32; d++)
            {
                lines.Add($"{m} {d,2} 23:59:59 host x");
                lines.Add($"{m} {d:D2} 00:00:00.5 2024 host x");
                lines.Add($"Mon {m} {d} 2025 12:00:00 host");
            }
        }
        lines.AddRange(
        [
            "Feb 29 12:00:00 2024 leap", "Feb 29 12:00:00 2025 not leap", "Feb 30 12:00:00", "Jan 32 12:00:00",
            "Dec 31 24:00:00", "Dec 31 23:59:60", "Dec 31 23:59:59", "Jan  1 00:00:00", "Feb 29 2024 01:02:03",
            "Apr 31 01:02:03", "Jan 1 1:2:3", "Jan 01 1:02:3.4", "Jan  1 00:00:01 web1 sshd[1]: Invalid user jörg from 1.2.3.4",
            "prefix Jan  1 00:00:01 in the middle", "aJan  1 00:00:01 glued", "Jan\u00A01 00:00:01", "Jan  １ 00:00:01",
            "Jan  1 00:00:0١", "JAN 1 12:34:56.123456 2026", "jan 1 12:34:56.1234567", "Sun Jan  1 00:00:01.000 2026 x",
            "Jan  1 00:00:01 2026 2027", "Jan  1 00:00:01 20260", "Jan  1 00:00:01.9_", "Jan  1 00:00:01,5",
        ]);
        return lines;
    }

    private static IEnumerable<DateTemplate> FastTemplates(int year) =>
        new DateTemplateFactory(year).DefaultAll.Where(t => t.Fast is not null);

    public static TheoryData<int> Years() => new(new[] { 2005, 2026, 2031, DateTime.Now.Year }.Distinct());

    [Theory]
    [MemberData(nameof(Years))]
    public void The_syslog_iso_and_apache_templates_get_a_parser_and_no_other(int year)
    {
        var f = new DateTemplateFactory(year);
        // DefaultPatterns 0 (ISO 8601), 1 and 2 (syslog), 4 (Apache): the originals and their {^LN-BEG} copies.
        var sources = new[] { 0, 1, 2, 4 }.Select(i => DateTemplateFactory.DefaultPatterns[i]).ToHashSet();
        var expected = f.DefaultAll.Where(t => t.Pattern is { } p && sources.Contains(p.Replace("{^LN-BEG}", "", StringComparison.Ordinal)))
            .Select(t => t.Name).ToList();
        Assert.Equal(8, expected.Count);
        Assert.Equal(expected, f.DefaultAll.Where(t => t.Fast is not null).Select(t => t.Name).ToList());
        Assert.Equal(4, f.DefaultAll.Count(t => t.Fast is { IsLineBegin: true }));
        // A custom entry with the same text is the same pattern: it gets the parser too; a different one does not.
        Assert.NotNull(f.Get(@"{^LN-BEG}(?:%a )?%b %d %k:%M:%S(?:\.%f)?(?: %ExY)?").Fast);
        Assert.Null(f.Get("%b %d %H:%M:%S").Fast);
        Assert.Null(f.Get("%Y-%m-%d %H:%M:%S").Fast);
        Assert.Null(FastDateParser.TryCreate(@"(?i)^(?:\W{0,2})?(?<__g1>(?<b>jan|feb) (?<d>\d+))"));
    }

    [Theory]
    [MemberData(nameof(Years))]
    public void Parser_gives_the_regex_match_and_groups_on_every_line(int year)
    {
        var caps = new DateCaptures();
        int matched = 0, unsure = 0, total = 0;
        foreach (var t in FastTemplates(year))
        {
            var regex = new Regex(t.DotNetPattern, RegexOptions.CultureInvariant);
            foreach (var (line, compat) in Compat.Value.Select(l => (l, true)).Concat(Edge.Value.Select(l => (l, false))))
            {
                total += compat ? 1 : 0;
                var r = t.Fast!.Match(line, 0, line.Length, caps);
                var m = regex.Match(line);
                switch (r)
                {
                    case FastResult.Unsure:
                        unsure += compat ? 1 : 0;
                        break;
                    case FastResult.NoMatch:
                        Assert.False(m.Success, $"{t.Name}: regex matches '{m.Value}' in: {line}");
                        break;
                    default:
                        matched++;
                        AssertSame(regex, m, line, caps, t.Name);
                        break;
                }
            }
        }
        Assert.True(matched > 3000, $"{matched} matches");
        // Unsure only where a non-ASCII character is read: rare in real logs.
        Assert.True(unsure * 100 < total, $"{unsure} unsure of {total} log lines");
    }

    [Fact]
    public void Parser_gives_the_regex_match_in_search_windows()
    {
        var rng = new Random(99);
        var caps = new DateCaptures();
        int matched = 0;
        foreach (var t in FastTemplates(2026))
        {
            var regex = new Regex(t.DotNetPattern, RegexOptions.CultureInvariant);
            foreach (var line in Edge.Value.Take(6000).Concat(Compat.Value.Where((_, i) => i % 7 == 0)))
            {
                int pos = rng.Next(-1, Math.Min(line.Length, 12) + 1);
                int endpos = rng.Next(0, 3) == 0 ? line.Length + 5 : rng.Next(0, line.Length + 1);
                var r = t.Fast!.Match(line, pos, endpos, caps);
                // Python's search(line, pos, endpos) as the detector runs it: text cut at endpos, search from pos.
                int e = Math.Min(endpos, line.Length), p = Math.Max(pos, 0);
                var m = p > e ? Match.Empty : regex.Match(line[..e], p);
                if (r == FastResult.NoMatch)
                {
                    Assert.False(m.Success, $"{t.Name} [{pos},{endpos}): regex matches '{m.Value}' in: {line}");
                }
                else if (r == FastResult.Match)
                {
                    matched++;
                    AssertSame(regex, m, line, caps, $"{t.Name} [{pos},{endpos})");
                }
            }
        }
        Assert.True(matched > 200, $"{matched} matches");
    }

    private static void AssertSame(Regex regex, Match m, string line, DateCaptures caps, string what)
    {
        Assert.True(m.Success, $"{what}: regex finds nothing in: {line}");
        Assert.True((m.Index, m.Index + m.Length) == (caps.MatchIndex, caps.MatchEnd),
            $"{what}: match {(m.Index, m.Index + m.Length)} != {(caps.MatchIndex, caps.MatchEnd)} in: {line}");
        foreach (var name in Fields)
        {
            int no = regex.GroupNumberFromName(name);
            if (no < 0)
            {
                continue;
            }
            var g = m.Groups[no];
            var fast = new FastDateGroups(line, caps);
            bool ok = fast.TryGet(no, out var v);
            Assert.True(g.Success == ok && (!ok || g.Value == v.ToString()),
                $"{what}: group {name}: regex {(g.Success ? g.Value : "-")} != {(ok ? v.ToString() : "-")} in: {line}");
        }
    }

    public static TheoryData<string[], double> Detectors() => new()
    {
        { Array.Empty<string>(), DateFixtures.SampleNow },
        { new[] { "{^LN-BEG}" }, DateFixtures.SampleNow },
        { new[] { "{^LN-BEG}" }, 1767225600 + 3600 }, // 2026-01-01 01:00 UTC: December dates roll back a year
        { Array.Empty<string>(), 1767225600 - 7200 }, // 2025-12-31 22:00 UTC: January dates are next year's, so last year's
        { new[] { @"(?:%a )?%b %d %k:%M:%S(?:\.%f)?(?: %ExY)?" }, DateFixtures.SampleNow },
        { new[] { @"{^LN-BEG}(?:%a )?%b %d %ExY %k:%M:%S(?:\.%f)?", "EPOCH" }, DateFixtures.SampleNow },
    };

    /// <summary>Differential: one detector with the fast path, one without; same hits line by line, same final template state.</summary>
    [Theory]
    [MemberData(nameof(Detectors))]
    public void Detector_with_the_fast_path_gives_the_same_results(string[] patterns, double now)
    {
        var clock = FixedClock.OracleDay;
        var fast = new DateDetector(patterns, localZone: DateFixtures.Zurich, clock: clock);
        var plain = new DateDetector(patterns, localZone: DateFixtures.Zurich, clock: clock) { UseFastPath = false };
        int found = 0, step = 0;
        // The edge cases one by one, then the logs, then the edge cases again (each batch after the other's learning),
        // each of those followed by itself with the text after the date changed (the detector's repeat shortcut).
        var again = Edge.Value.Take(3000).SelectMany(l => new[] { l, l + "7", l + " 2026", l.Length > 1 ? l[..^1] : l, l + "é" });
        foreach (var line in Edge.Value.Concat(Compat.Value).Concat(again))
        {
            step++;
            DateHit? a, b;
            try
            {
                b = plain.Find(line, now);
            }
            catch (DateConversionException e)
            {
                var e2 = Assert.ThrowsAny<DateConversionException>(() => fast.Find(line, now));
                Assert.Equal(e.Message, e2.Message);
                continue;
            }
            a = fast.Find(line, now);
            Assert.True(a == b, $"line {step}: {a} != {b} on: {line}");
            found += b is { Time: not null } ? 1 : 0;
            if (step % 997 == 0)
            {
                Assert.Equal(Order(plain), Order(fast));
            }
        }
        Assert.True(found > 300, $"{found} dates");
        Assert.Equal(Order(plain), Order(fast));
    }

    private static string Order(DateDetector d) =>
        string.Join('|', d.Templates.Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.Name}:{t.Hits}:{t.Weight}")));

    [Fact]
    public void Non_ascii_start_letters_are_those_the_regex_folds()
    {
        var first = new Regex("(?i)^[mtwfsjaond]$", RegexOptions.CultureInvariant);
        var folding = Enumerable.Range(0x80, 0x10000 - 0x80).Select(i => (char)i)
            .Where(c => first.IsMatch(c.ToString())).Select(c => ((int)c).ToString("X4", CultureInfo.InvariantCulture)).ToList();
        var claimed = Enumerable.Range(0x80, 0x10000 - 0x80).Select(i => (char)i)
            .Where(FastDateParser.FoldsToStartLetter).Select(c => ((int)c).ToString("X4", CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(folding, claimed);
    }

    [Theory]
    [InlineData(1, "Jan  1 00:00:01 web1 sshd[4756]: Connection closed", 0, 15)]
    [InlineData(1, "Sun Dec 31 23:59:59.123456 2028 x", 0, 31)]
    [InlineData(1, "[Feb 29 01:02:03] y", 1, 16)]
    [InlineData(2, "Mon Jan  1 2024 00:00:01 x", 0, 24)]
    [InlineData(0, "2026-01-01 00:00:01,123 fail2ban.filter [1]: INFO", 0, 23)]
    [InlineData(0, "2005-08-14T12:00:00.123456+02:00 x", 0, 32)]
    [InlineData(4, "[01/Jan/2026:00:00:01 +0000] GET /", 1, 27)]
    public void Common_lines_take_the_fast_path(int pattern, string line, int start, int end)
    {
        var t = new DateTemplateFactory(2026).DefaultAll.Single(t => t.Pattern == "{^LN-BEG}" + DateTemplateFactory.DefaultPatterns[pattern]);
        var caps = new DateCaptures();
        Assert.Equal(FastResult.Match, t.Fast!.Match(line, 0, line.Length, caps));
        Assert.Equal((start, end), (caps.Start[t.DateGroup], caps.End[t.DateGroup]));
    }

    [Theory]
    [InlineData("Jan 32 00:00:01 x", "NoMatch")]
    [InlineData("Jan 32 00:00:01 é", "NoMatch")]
    [InlineData("Jan  1 00:00:0١ x", "Unsure")]
    [InlineData("Jan  1 00:00:01é", "Unsure")]
    [InlineData("éJan  1 00:00:01", "Unsure")]
    public void Undecided_lines_are_left_to_the_regex(string line, string expected)
    {
        var t = new DateTemplateFactory(2026).DefaultAll.Single(t => t.Pattern == "{^LN-BEG}" + DateTemplateFactory.DefaultPatterns[1]);
        Assert.Equal(Enum.Parse<FastResult>(expected), t.Fast!.Match(line, 0, line.Length, new DateCaptures()));
    }
}

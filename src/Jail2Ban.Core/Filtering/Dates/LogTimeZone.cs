using System.Collections.Frozen;
using System.Text.RegularExpressions;

namespace Jail2Ban.Core.Filtering.Dates;

/// <summary>
/// fail2ban's fixed-offset time zones: the abbreviation table used by <c>%Z</c>/<c>%z</c>/<c>%Exz</c>
/// and the <c>logtimezone</c> jail option (spec §3.4). Offsets never follow DST: <c>CET</c> is
/// always +01:00.
/// </summary>
public static partial class LogTimeZone
{
    // Offset in hours, then the abbreviations with that offset (spec §3.4 table, 222 names).
    private static readonly (double Hours, string Names)[] AbbreviationRows =
    [
        (-12, "Y"), (-11, "X NUT SST"), (-10, "W CKT HAST HST TAHT TKT"), (-9.5, "MART MIT"),
        (-9, "V AKST GAMT GIT HADT HNY"), (-8, "U AKDT CIST HAY HNP PST PT"), (-7, "T HAP HNR MST PDT"),
        (-6, "S CST EAST GALT HAR HNC MDT"), (-5, "R CDT COT EASST ECT EST ET HAC HNE PET"), (-4.5, "HLV VET"),
        (-4, "Q AST BOT CLT COST EDT FKT GYT HAE HNA PYT"), (-3.5, "HNT NST NT"),
        (-3, "P ADT ART BRT CLST FKST GFT HAA PMST PYST SRT UYT WGT"), (-2.5, "HAT NDT"),
        (-2, "O BRST FNT PMDT UYST WGST"), (-1, "N AZOT CVT EGT"), (0, "Z EGST GMT UTC WET WT"),
        (1, "A CET DFT WAT WEDT WEST"), (2, "B CAT CEDT CEST EET SAST WAST"), (3, "C EAT EEDT EEST IDT MSK"),
        (3.5, "IRST"), (4, "D AMT AZT GET GST KUYT MSD MUT RET SAMT SCT"), (4.5, "AFT IRDT"),
        (5, "E AMST AQTT AZST HMT MAWT MVT PKT TFT TJT TMT UZT YEKT"), (5.5, "SLT"), (5.75, "NPT"),
        (6, "F ALMT BIOT BTT IOT KGT NOVT OMST YEKST"), (6.5, "CCT MMT"),
        (7, "G CXT DAVT HOVT ICT KRAT NOVST OMSST THA WIB"),
        (8, "H ACT AWST BDT BNT CAST HKT IRKT KRAST MYT PHT SGT ULAT WITA WST"),
        (9, "I AWDT IRKST JST KST PWT TLT WDT WIT YAKT"), (9.5, "ACST"), (10, "K AEST ChST PGT VLAT YAKST YAPT"),
        (10.5, "ACDT LHST"), (11, "L AEDT LHDT MAGT NCT PONT SBT VLAST VUT"), (11.5, "NFT"),
        (12, "M ANAST ANAT FJT GILT MAGST MHT NZST PETST PETT TVT WFT"), (13, "FJST NZDT"),
    ];

    private static readonly FrozenDictionary<string, int> OffsetMinutesByAbbreviation = BuildTable();

    private static FrozenDictionary<string, int> BuildTable()
    {
        var d = new Dictionary<string, int>(StringComparer.Ordinal) { [""] = 0 };
        foreach (var (hours, names) in AbbreviationRows)
        {
            foreach (var name in names.Split(' '))
            {
                d[name] = (int)(hours * 60); // truncated, as int(float(h) * 60)
            }
        }
        return d.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>Number of abbreviations known (without the empty one).</summary>
    internal static int AbbreviationCount => OffsetMinutesByAbbreviation.Count - 1;

    /// <summary>Offset in minutes of a known abbreviation (ordinal, case-sensitive).</summary>
    public static bool TryGetAbbreviationOffset(ReadOnlySpan<char> abbreviation, out int minutes) =>
        OffsetMinutesByAbbreviation.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(abbreviation, out minutes);

    // [ABBR][±hh[[:]mm]], anchored at both ends, case-sensitive (fail2ban's fixed-offset zone syntax).
    [GeneratedRegex(@"^([A-Z](?:[A-Z]{2,4})?)?([+-][01][0-9](?::?[0-9]{2})?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex FixedOffsetZoneRegex();

    internal enum ZoneParse { Ok, Invalid, UnknownAbbreviation }

    /// <summary>
    /// fail2ban's zone-to-offset rule for a matched <c>z</c>/<c>Z</c> group or a <c>logtimezone</c> value.
    /// Invalid syntax is fail2ban's ValueError; a well-formed but unknown abbreviation is its KeyError.
    /// </summary>
    internal static ZoneParse TryParseFixedOffset(ReadOnlySpan<char> value, out int minutes, out string? badAbbreviation)
    {
        minutes = 0;
        badAbbreviation = null;
        // Python's "$" also matches before one final "\n"; dates never contain one, but stay exact.
        if (value.Length > 0 && value[^1] == '\n')
        {
            value = value[..^1];
        }
        // Hand-written scan equivalent to FixedOffsetZoneRegex (no allocation on the hot path).
        int i = 0;
        while (i < value.Length && i < 5 && value[i] is >= 'A' and <= 'Z')
        {
            i++;
        }
        int abbrLen = i;
        if (abbrLen is 2)
        {
            // "AB" is not an abbreviation ([A-Z] or [A-Z]{3,5}); the regex would backtrack to "A" and then need an offset.
            abbrLen = 1;
        }
        var abbr = value[..abbrLen];
        var rest = value[abbrLen..];
        int offset = 0;
        if (rest.Length > 0)
        {
            if (rest.Length is not (3 or 5 or 6) || rest[0] is not ('+' or '-') || rest[1] is not ('0' or '1') || !IsAsciiDigit(rest[2]))
            {
                return ZoneParse.Invalid;
            }
            int hh = (rest[1] - '0') * 10 + (rest[2] - '0');
            int sign = rest[0] == '-' ? -1 : 1;
            if (rest.Length == 3)
            {
                offset = sign * hh * 60;
            }
            else
            {
                int mmAt = rest.Length == 6 ? 4 : 3;
                if (rest.Length == 6 && rest[3] != ':')
                {
                    return ZoneParse.Invalid;
                }
                if (!IsAsciiDigit(rest[mmAt]) || !IsAsciiDigit(rest[mmAt + 1]))
                {
                    return ZoneParse.Invalid;
                }
                offset = sign * (hh * 60 + (rest[mmAt] - '0') * 10 + (rest[mmAt + 1] - '0'));
            }
        }
        if (!TryGetAbbreviationOffset(abbr, out int abbrMinutes))
        {
            badAbbreviation = abbr.ToString();
            return ZoneParse.UnknownAbbreviation;
        }
        minutes = abbrMinutes + offset;
        return ZoneParse.Ok;
    }

    private static bool IsAsciiDigit(char c) => c is >= '0' and <= '9';

    /// <summary>
    /// Parses a <c>logtimezone</c> value. fail2ban's forms (<c>UTC</c>, <c>UTC+0200</c>, <c>GMT-01:00</c>,
    /// <c>CET</c>, <c>+0100</c>, <c>EST-05</c>) give a fixed-offset zone, exactly as fail2ban applies
    /// them. As an extension, an IANA/system zone name (<c>Europe/Zurich</c>) is also accepted: lines
    /// without a zone are then read as local time of that zone, DST included (fail2ban 1.0.2 rejects these).
    /// </summary>
    /// <exception cref="ArgumentException">"Unknown or unsupported time zone: 'value'".</exception>
    public static TimeZoneInfo Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        // The regex check first, so "EST"/"MST"/"UTC" mean fail2ban's fixed offsets, not tzdata zones.
        if (FixedOffsetZoneRegex().IsMatch(value) || value.Length == 0)
        {
            var r = TryParseFixedOffset(value, out int minutes, out var bad);
            if (r == ZoneParse.Ok)
            {
                // .NET zones stop at ±14:00; fail2ban would accept e.g. "Y-12" (-24:00), which no log uses.
                if (Math.Abs(minutes) > 14 * 60)
                {
                    throw new ArgumentException(
                        $"Unknown or unsupported time zone: '{value}' (offset {minutes / 60.0:+0.##;-0.##} h is beyond ±14 h)", nameof(value));
                }
                return CreateFixed(value, minutes);
            }
            throw new ArgumentException(
                r == ZoneParse.UnknownAbbreviation
                    ? $"Unknown or unsupported time zone: '{value}' (unknown abbreviation '{bad}')"
                    : $"Unknown or unsupported time zone: '{value}'", nameof(value));
        }
        if (value.Contains('/') && !value.Contains(".."))
        {
            try
            {
                return TimeZoneInfo.FindSystemTimeZoneById(value);
            }
            catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException or System.Security.SecurityException or IOException)
            {
                throw new ArgumentException($"Unknown or unsupported time zone: '{value}'", nameof(value), e);
            }
        }
        throw new ArgumentException($"Unknown or unsupported time zone: '{value}'", nameof(value));
    }

    /// <summary>A fixed-offset zone, the kind fail2ban's logtimezone produces.</summary>
    public static TimeZoneInfo CreateFixed(string id, int offsetMinutes) =>
        TimeZoneInfo.CreateCustomTimeZone(id.Length == 0 ? "UTC" : id, TimeSpan.FromMinutes(offsetMinutes), id, id);

    /// <summary>True for a zone without DST rules: fail2ban's subtract-the-offset semantics apply.</summary>
    internal static bool IsFixedOffset(TimeZoneInfo zone) =>
        !zone.SupportsDaylightSavingTime && zone.GetAdjustmentRules().Length == 0;
}

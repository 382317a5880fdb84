using System.Globalization;
using System.Text.RegularExpressions;

namespace Jail2Ban.Core.Filtering.Dates;

/// <summary>
/// fail2ban's date detector (spec §3): finds the date in a log line with a list of templates,
/// learns which template (and at which position) the log uses, reorders the list accordingly, and
/// converts the date text to epoch seconds. Stateful and not thread-safe: one instance per filter.
/// </summary>
public sealed class DateDetector
{
    private const int MaxDistance = 0x7fffffff;
    private const double UnusedTime = 300; // a template unused for 5 minutes can be displaced

    private static readonly Lazy<DateTemplateFactory> SystemFactory =
        new(() => new DateTemplateFactory(DateTime.Now.Year), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// Builds what every detector of this process shares (the template factory, fail2ban's default templates, the
    /// local time zone) ahead of the first detector: for a one-shot tool to run beside its start-up on another
    /// core. Thread-safe; the first detector then finds it built (or waits for it).
    /// </summary>
    public static void Prewarm()
    {
        _ = SystemFactory.Value.DefaultAll;
        _ = TimeZoneInfo.Local;
    }

    private sealed class Entry(DateTemplate template)
    {
        internal readonly DateTemplate Template = template;
        internal int Hits;
        internal double LastUsed;
        internal int Distance = MaxDistance;

        internal double Weight => Hits * Template.Weight / Math.Max(1, Distance);
    }

    private readonly DateTemplateFactory factory;
    private readonly List<Entry> templates = [];
    private readonly HashSet<string> knownNames = new(StringComparer.Ordinal);
    private readonly TimeProvider clock;
    private readonly LocalClock localClock;
    private readonly int? defaultOffsetMinutes;
    private readonly bool defaultsInUse;

    // Learned position of the last date: distance (start), char before it, char at it;
    // end position, char before the end, char at the end. -1 = no character.
    private int lastPos = 1;
    private int lastPosBefore = -1;
    private int lastPosAt = -1;
    private int lastEndPos = MaxDistance;
    private int lastEndBefore = -1;
    private int lastEndAt = -1;
    private int lastTemplIdx = MaxDistance;
    private int firstUnused;

    /// <summary>Creates a detector.</summary>
    /// <param name="datePatterns">The <c>datepattern</c> option split into entries (see <see cref="SplitDatePattern"/>);
    /// empty = fail2ban's default template set. Entries may be <c>{DEFAULT}</c>, <c>{^LN-BEG}</c>, <c>{NONE}</c>,
    /// <c>EPOCH</c>, <c>LEPOCH</c>, <c>TAI64N</c> (optionally <c>{^LN-BEG}</c>/<c>^</c>-prefixed), patterns with
    /// <c>{DATE}</c>, or strptime-like patterns.</param>
    /// <param name="logTimeZone">The jail's <c>logtimezone</c> (see <see cref="LogTimeZone.Parse"/>): applies to dates
    /// without an explicit zone. A fixed-offset zone behaves exactly as fail2ban; a zone with DST rules (an IANA name)
    /// makes zone-less dates local time of that zone. Null = none (dates are local time of <paramref name="localZone"/>).</param>
    /// <param name="localZone">The process time zone fail2ban would run in (TZ); null = <see cref="TimeZoneInfo.Local"/>.
    /// The sample tests use Europe/Zurich.</param>
    /// <param name="clock">Wall clock for the template "last used" times, and the year of <c>%ExY</c>; null = system.</param>
    /// <exception cref="DatePatternException">An invalid entry, or a duplicate template name.</exception>
    public DateDetector(IReadOnlyList<string> datePatterns, TimeZoneInfo? logTimeZone = null,
        TimeZoneInfo? localZone = null, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(datePatterns);
        this.clock = clock ?? TimeProvider.System;
        systemClock = this.clock == TimeProvider.System;
        factory = clock is null || clock == TimeProvider.System
            ? SystemFactory.Value
            : new DateTemplateFactory(clock.GetLocalNow().Year);
        var zone = localZone ?? TimeZoneInfo.Local;
        if (logTimeZone is not null)
        {
            if (LogTimeZone.IsFixedOffset(logTimeZone))
            {
                defaultOffsetMinutes = (int)logTimeZone.BaseUtcOffset.TotalMinutes;
            }
            else
            {
                zone = logTimeZone;
            }
        }
        localClock = new LocalClock(zone);
        // fail2ban builds its default templates when the list is empty or has a special entry; from
        // then on, custom entries equal to an anchored default share its weight of 100.
        defaultsInUse = datePatterns.Count == 0 || datePatterns.Any(p =>
        {
            var key = DateTemplateFactory.KeyOf(p);
            return key is "{^LN-BEG}" or "{DEFAULT}" || key.Contains("{DATE}", StringComparison.Ordinal);
        });
        foreach (var p in datePatterns)
        {
            AppendTemplate(p);
        }
        if (templates.Count == 0)
        {
            AddDefaultTemplates(null);
        }
    }

    /// <summary>
    /// Splits a <c>datepattern</c> option value the way fail2ban's filter does: on newlines,
    /// each entry stripped, empty entries dropped.
    /// </summary>
    public static IReadOnlyList<string> SplitDatePattern(string value) =>
        value.Split('\n').Select(s => s.Trim()).Where(s => s.Length > 0).ToArray();

    /// <summary>
    /// fail2ban-regex's "Use datepattern" description: (pattern, name) of the single template of a
    /// custom detector, or null (fail2ban: "Default Detectors") when there are none or more than two.
    /// </summary>
    public (string? Pattern, string Name)? Describe()
    {
        if (templates.Count == 0 || templates.Count > 2)
        {
            return null;
        }
        return (templates[0].Template.Pattern, templates[0].Template.Name);
    }

    /// <summary>The templates in their current order, with their hit counts (fail2ban-regex's report).</summary>
    public IReadOnlyList<DateTemplateInfo> Templates =>
        templates.Select(e => new DateTemplateInfo(e.Template.Name, e.Template.Pattern, e.Template.PythonRegex,
            e.Hits, e.Weight, e.Template.Weight)).ToArray();

    /// <summary>The template objects in their current order (for tests and diagnostics).</summary>
    internal IReadOnlyList<DateTemplate> TemplateObjects => templates.Select(e => e.Template).ToArray();

    /// <summary>
    /// Finds the date of one line (fail2ban's <c>matchTime</c> + <c>getTime</c>), learning from it.
    /// </summary>
    /// <param name="line">The log line (as the filter sees it).</param>
    /// <param name="now">Current time, epoch seconds: used for dates without a year or day, and the year rollover.
    /// When the date text repeats, the previous line's conversion is reused as long as every now-dependent decision
    /// (assumed year/day, rollover) would come out the same for this value.</param>
    /// <returns>Null when no template matches.</returns>
    /// <exception cref="DateConversionException">The date has an unknown zone abbreviation, or the pattern gives only one of month/day (fail2ban's uncaught KeyError/TypeError).</exception>
    public DateHit? Find(string line, double now)
    {
        if (TryRepeat(line, now, out var repeated))
        {
            return repeated;
        }
        repeatEntry = null;
        var (match, entry) = MatchTime(line);
        if (!match.Success)
        {
            return null;
        }
        var t = entry!.Template;
        DateHit hit;
        long nowFrom = long.MinValue, nowTo = long.MaxValue;
        if (match.Fast is { } caps)
        {
            // The fast parser's templates always capture a non-empty date.
            int gs = caps.Start[t.DateGroup];
            hit = new DateHit(gs, caps.End[t.DateGroup],
                StrptimeConverter.Convert(t, new FastDateGroups(line, caps), now, localClock, defaultOffsetMinutes, out nowFrom, out nowTo));
        }
        else
        {
            var m = match.Regex!;
            var g = m.Groups[t.DateGroup];
            if (g.Length == 0)
            {
                hit = new DateHit(g.Index, g.Index, null);
            }
            else
            {
                hit = new DateHit(g.Index, g.Index + g.Length, Convert(t, m, now, out nowFrom, out nowTo));
            }
        }
        if (t.IsContextSafe)
        {
            Remember(line, entry, match.Index, match.End, hit, nowFrom, nowTo,
                match.Fast is { } c && t.Fast is { IsLineBegin: true } ? c.ReadEnd : int.MaxValue);
        }
        return hit;
    }

    // --- Repeat of the previous line's date (a pure shortcut: results are identical) ---
    private Entry? repeatEntry;
    private int repeatStart, repeatEnd, repeatContextStart;
    private string repeatContext = "";
    private DateHit repeatHit;
    private long repeatNowFrom, repeatNowTo;

    // The fast parser read nothing at or after this index to find the remembered (line-anchored) match; MaxValue = unknown.
    private int repeatReadEnd = int.MaxValue;

    private void Remember(string line, Entry entry, int start, int end, DateHit hit, long nowFrom, long nowTo, int readEnd)
    {
        repeatReadEnd = readEnd;
        int cs = Math.Max(0, start - 1);
        int ce = Math.Min(line.Length, end + 2);
        repeatEntry = entry;
        repeatStart = start;
        repeatEnd = end;
        repeatContextStart = start - 1; // -1: the match started the line
        repeatContext = line.Substring(cs, ce - cs);
        repeatHit = hit;
        repeatNowFrom = nowFrom;
        repeatNowTo = nowTo;
    }

    /// <summary>
    /// When the last winning template matches this line at the same place, with the same text
    /// from one character before to two after, fail2ban would find the same match, groups and
    /// date: reuse the previous result, and only do matchTime's bookkeeping.
    /// </summary>
    private bool TryRepeat(string line, double now, out DateHit? hit)
    {
        hit = null;
        var entry = repeatEntry;
        int i = lastTemplIdx;
        if (entry is null || i >= templates.Count || !ReferenceEquals(templates[i], entry))
        {
            return false;
        }
        if (repeatNowFrom != long.MinValue || repeatNowTo != long.MaxValue)
        {
            // The previous result depended on now: still valid for this now?
            long n = localClock.NaiveNow(now).Ticks;
            if (n < repeatNowFrom || n >= repeatNowTo)
            {
                return false;
            }
        }
        // Cheap test first: the text around the previous date must be there again.
        int cs0 = Math.Max(0, repeatStart - 1);
        if (cs0 + repeatContext.Length > line.Length
            || !line.AsSpan(cs0, repeatContext.Length).SequenceEqual(repeatContext))
        {
            return false;
        }
        var t = entry.Template;
        int start, end;
        if (t.IsAnchored)
        {
            if (repeatReadEnd <= cs0 + repeatContext.Length)
            {
                // The fast parser found the previous match reading only text inside the context, which is the same
                // here: it would find the same match again.
                start = repeatStart;
                end = repeatEnd;
            }
            else if (!FirstMatch(t, line, 0, line.Length, out start, out end))
            {
                return false;
            }
        }
        else
        {
            int distance = lastPos, endpos = lastEndPos;
            if (!((CharAt(line, distance - 1) == lastPosBefore || (CharAt(line, distance) == lastPosAt && !IsAlnum(lastPosAt)))
                && (CharAt(line, endpos) == lastEndAt || (CharAt(line, endpos - 1) == lastEndBefore && !IsAlnum(lastEndBefore))))
                || !FirstMatch(t, line, distance, endpos, out start, out end)
                || start != lastPos || end != lastEndPos)
            {
                return false;
            }
        }
        if (start != repeatStart || end != repeatEnd)
        {
            return false;
        }
        int cs = Math.Max(0, start - 1);
        int ce = Math.Min(line.Length, end + 2);
        if (start - 1 != repeatContextStart || ce - cs != repeatContext.Length
            || !line.AsSpan(cs, ce - cs).SequenceEqual(repeatContext))
        {
            return false;
        }
        // matchTime's success bookkeeping; positions and boundary characters are unchanged.
        entry.Hits++;
        entry.LastUsed = WallNow();
        entry.Distance = start;
        if (firstUnused == i)
        {
            firstUnused++;
        }
        lastPos = start;
        lastPosBefore = CharAt(line, start - 1);
        lastPosAt = CharAt(line, start);
        lastEndPos = end;
        lastEndBefore = end == 0 ? CharAt(line, line.Length - 1) : CharAt(line, end - 1);
        lastEndAt = CharAt(line, end);
        hit = repeatHit;
        return true;
    }

    private readonly bool systemClock;
    private long wallTick = long.MinValue;
    private double wallNow;

    /// <summary>
    /// The wall clock for the templates' "last used" times (fail2ban's time.time() on each match). With the system
    /// clock, read again only when the coarse millisecond tick has moved: a few milliseconds are nothing next to the
    /// 5-minute "unused" test, and reading the precise clock for every line cost about 5% of the date detection.
    /// </summary>
    private double WallNow()
    {
        if (systemClock)
        {
            long tick = Environment.TickCount64;
            if (tick == wallTick)
            {
                return wallNow;
            }
            wallTick = tick;
        }
        wallNow = clock.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;
        return wallNow;
    }

    /// <summary>Span of the first match of Python's <c>search(line, pos, endpos)</c>, without allocating.</summary>
    private bool FirstMatch(DateTemplate t, string line, int pos, int endpos, out int start, out int end)
    {
        start = end = 0;
        if (UseFastPath && t.Fast is { } fast)
        {
            switch (fast.Match(line, pos, endpos, captures))
            {
                case FastResult.Match:
                    start = captures.MatchIndex;
                    end = captures.MatchEnd;
                    return true;
                case FastResult.NoMatch:
                    return false;
            }
        }
        var regex = t.Regex;
        endpos = Math.Min(endpos, line.Length);
        pos = Math.Max(pos, 0);
        if (pos > endpos)
        {
            return false;
        }
        foreach (var m in regex.EnumerateMatches(line.AsSpan(0, endpos), pos))
        {
            start = m.Index;
            end = m.Index + m.Length;
            return true;
        }
        return false;
    }

    private double? Convert(DateTemplate t, Match m, double now, out long nowFrom, out long nowTo)
    {
        nowFrom = long.MinValue;
        nowTo = long.MaxValue;
        switch (t.Kind)
        {
            case DateTemplateKind.Pattern:
                return StrptimeConverter.Convert(t, m, now, localClock, defaultOffsetMinutes, out nowFrom, out nowTo);
            case DateTemplateKind.Epoch:
            case DateTemplateKind.LongEpoch:
                {
                    var v = m.Groups[t.ValueGroup].ValueSpan;
                    if (!TryParseFloat(v, out double value))
                    {
                        return null;
                    }
                    if (t.Kind == DateTemplateKind.LongEpoch && v.Length >= 13)
                    {
                        value = v.Length >= 16 && !v.Contains('.') ? value / 1000000 : value / 1000;
                    }
                    return value;
                }
            case DateTemplateKind.Tai64n:
                {
                    // hex digits 2..16 of "@4000000041f43f4f...": the seconds, no TAI-UTC correction
                    var v = m.Groups[t.DateGroup].ValueSpan;
                    return v.Length >= 17 && long.TryParse(v[2..17], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out long s)
                        ? s
                        : null;
                }
            default:
                return null;
        }
    }

    /// <summary>Python <c>float(text)</c> for the epoch digits (Unicode decimal digits included).</summary>
    private static bool TryParseFloat(ReadOnlySpan<char> v, out double value)
    {
        Span<char> buf = stackalloc char[Math.Min(v.Length, 64)];
        if (v.Length > 64)
        {
            value = 0;
            return false;
        }
        for (int i = 0; i < v.Length; i++)
        {
            char c = v[i];
            if (c is not ('.' or (>= '0' and <= '9')))
            {
                int d = CharUnicodeInfo.GetDecimalDigitValue(c);
                if (d < 0)
                {
                    value = 0;
                    return false;
                }
                c = (char)('0' + d);
            }
            buf[i] = c;
        }
        return double.TryParse(buf, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value);
    }

    private void AppendTemplate(string pattern)
    {
        var key = DateTemplateFactory.KeyOf(pattern);
        if (key is "{^LN-BEG}" or "{DEFAULT}")
        {
            AddDefaultTemplates(key == "{^LN-BEG}" ? t => (t.Flags & DateTemplateFlags.LineBegin) != 0 : null);
            return;
        }
        if (key.Contains("{DATE}", StringComparison.Ordinal))
        {
            AddDefaultTemplates(null, preMatch: pattern);
            return;
        }
        var template = key == "{NONE}" ? factory.Get("{UNB}^", key) : factory.Get(pattern, key);
        DateTemplateFactory.Validate(template);
        if (defaultsInUse)
        {
            template = factory.WithDefaultWeight(template, key);
        }
        Append(template, ignoreDuplicate: false);
    }

    private void AddDefaultTemplates(Func<DateTemplate, bool>? filter, string? preMatch = null)
    {
        bool ignoreDuplicate = templates.Count > 0;
        foreach (var t0 in preMatch is null ? factory.DefaultAll : factory.DefaultOriginals)
        {
            if (filter is not null && !filter(t0))
            {
                continue;
            }
            var t = preMatch is null ? t0 : factory.WithPreMatch(t0, preMatch);
            Append(t, ignoreDuplicate);
        }
    }

    private void Append(DateTemplate template, bool ignoreDuplicate)
    {
        if (!knownNames.Add(template.Name))
        {
            if (ignoreDuplicate)
            {
                return;
            }
            throw new DatePatternException($"There is already a template with name {template.Name}");
        }
        templates.Add(new Entry(template));
    }

    // ---------------------------------------------------------------------------------------
    // matchTime (spec §3.3)

    private static int CharAt(string s, int i) => (uint)i < (uint)s.Length ? s[i] : -1;

    private static bool IsAlnum(int c) => c >= 0 && (char.IsLetterOrDigit((char)c) || char.IsNumber((char)c));

    /// <summary>Python <c>regex.search(line, pos, endpos)</c>.</summary>
    private static Match SearchWindow(Regex regex, string line, int pos, int endpos)
    {
        if (endpos > line.Length)
        {
            endpos = line.Length;
        }
        if (pos < 0)
        {
            pos = 0;
        }
        if (pos > endpos)
        {
            return Match.Empty;
        }
        // .NET's Match(s, beginning, length) would hide the text before pos from lookbehind and let ^
        // match at pos; Python does neither. Cut only the end.
        return endpos == line.Length ? regex.Match(line, pos) : regex.Match(line[..endpos], pos);
    }

    /// <summary>One template's match: from the regex, or from its fast parser (groups in a <see cref="DateCaptures"/>).</summary>
    private readonly struct TemplateMatch
    {
        internal readonly Match? Regex;
        internal readonly DateCaptures? Fast;
        internal readonly int Index;
        internal readonly int End;

        internal TemplateMatch(Match m)
        {
            Regex = m.Success ? m : null;
            Index = m.Index;
            End = m.Index + m.Length;
        }

        internal TemplateMatch(DateCaptures c)
        {
            Fast = c;
            Index = c.MatchIndex;
            End = c.MatchEnd;
        }

        internal bool Success => Regex is not null || Fast is not null;
    }

    // The fast parser's groups: "captures" takes the next match; the other one may hold the reserved candidate.
    private DateCaptures captures = new();
    private DateCaptures spareCaptures = new();

    /// <summary>False: never use the templates' fast parsers (the differential tests' reference).</summary>
    internal bool UseFastPath { get; init; } = FastPathByDefault;

    /// <summary>J2B_NO_FAST_DATES=1 runs every date template's regex (to measure the difference).</summary>
    private static readonly bool FastPathByDefault = Environment.GetEnvironmentVariable("J2B_NO_FAST_DATES") != "1";

    /// <summary>The template's search over the whole line (<paramref name="window"/> false) or over [pos, endpos).</summary>
    private TemplateMatch Search(DateTemplate t, string line, bool window, int pos, int endpos)
    {
        if (UseFastPath && t.Fast is { } fast)
        {
            var r = window ? fast.Match(line, pos, endpos, captures) : fast.Match(line, 0, line.Length, captures);
            if (r == FastResult.Match)
            {
                return new TemplateMatch(captures);
            }
            if (r == FastResult.NoMatch)
            {
                return default;
            }
        }
        return new TemplateMatch(window ? SearchWindow(t.Regex, line, pos, endpos) : t.Regex.Match(line));
    }

    /// <summary>Keeps a match as the reserved candidate: its groups must survive the next searches.</summary>
    private TemplateMatch Reserve(TemplateMatch m)
    {
        if (m.Fast is not null && ReferenceEquals(m.Fast, captures))
        {
            (captures, spareCaptures) = (spareCaptures, captures);
        }
        return m;
    }

    private (TemplateMatch Match, Entry? Entry) MatchTime(string line)
    {
        TemplateMatch match = default;
        Entry? entry = null;
        TemplateMatch found = default;
        int foundDistance = MaxDistance, foundEnd = MaxDistance, foundIdx = -1;
        int ignoreBySearch = MaxDistance;
        int i = lastTemplIdx;
        int distance = 0, endpos = 0;

        // 1. The last winning template first.
        if (i < templates.Count)
        {
            entry = templates[i];
            var t = entry.Template;
            if (t.IsAnchored)
            {
                match = Search(t, line, false, 0, 0);
                ignoreBySearch = i;
            }
            else
            {
                distance = lastPos;
                endpos = lastEndPos;
                // Same boundaries left and right: outside equal, or inside equal and not alphanumeric.
                if ((CharAt(line, distance - 1) == lastPosBefore || (CharAt(line, distance) == lastPosAt && !IsAlnum(lastPosAt)))
                    && (CharAt(line, endpos) == lastEndAt || (CharAt(line, endpos - 1) == lastEndBefore && !IsAlnum(lastEndBefore))))
                {
                    match = Search(t, line, true, distance, endpos);
                }
                else
                {
                    match = Search(t, line, false, 0, 0);
                    ignoreBySearch = i;
                }
            }
            if (match.Success)
            {
                distance = match.Index;
                endpos = match.End;
                if (!(templates.Count == 1 || t.IsAnchored || (distance == lastPos && endpos == lastEndPos)))
                {
                    // Different position: maybe a pattern switch. Keep as candidate and search.
                    found = Reserve(match);
                    foundDistance = distance;
                    foundEnd = endpos;
                    foundIdx = i;
                    match = default;
                }
            }
        }

        // 2. Scan all templates (unless the gate proves none but the one skipped can match: same result).
        if (!match.Success)
        {
            int start = ScanMayMatch(line, ignoreBySearch) ? 0 : templates.Count;
            for (i = start; i < templates.Count; i++)
            {
                if (i == ignoreBySearch)
                {
                    continue;
                }
                entry = templates[i];
                var t = entry.Template;
                var m = Search(t, line, false, 0, 0);
                if (!m.Success)
                {
                    continue;
                }
                distance = m.Index;
                endpos = m.End;
                match = m;
                if (i + 1 >= templates.Count || t.IsAnchored)
                {
                    break;
                }
                // (fail2ban's "distance 0, has hits, next unused" shortcut accepts exactly what the
                // test below accepts at distance 0, so it is left out.)
                if (distance > entry.Distance || distance > lastPos)
                {
                    // Possibly a date-like text inside the message: remember the nearest, go on.
                    if (distance < foundDistance)
                    {
                        found = Reserve(m);
                        foundDistance = distance;
                        foundEnd = endpos;
                        foundIdx = i;
                    }
                    match = default;
                    continue;
                }
                break;
            }
            // 3. Otherwise the reserved candidate with the smallest distance.
            if (!match.Success && found.Success)
            {
                match = found;
                distance = foundDistance;
                endpos = foundEnd;
                i = foundIdx;
                entry = templates[i];
            }
        }
        if (!match.Success)
        {
            return (default, null);
        }

        // 4. Learn.
        entry!.Hits++;
        entry.LastUsed = WallNow();
        entry.Distance = distance;
        if (firstUnused == i)
        {
            firstUnused++;
        }
        lastPos = distance;
        lastPosBefore = CharAt(line, distance - 1);
        lastPosAt = CharAt(line, distance);
        lastEndPos = endpos;
        // Python's line[endpos - 1] wraps to the last character when endpos is 0.
        lastEndBefore = endpos == 0 ? CharAt(line, line.Length - 1) : CharAt(line, endpos - 1);
        lastEndAt = CharAt(line, endpos);
        if (i != 0 && i != lastTemplIdx)
        {
            i = Reorder(i);
        }
        lastTemplIdx = i;
        return (match, entry);
    }

    // --- Scan gate (see DateScanGate): per skipped template (by name; "" = none), built once the scan is hot ---
    private readonly Dictionary<string, Regex?> scanGates = new(StringComparer.Ordinal);
    private int fullScans;

    /// <summary>Full scans before a gate is built (a detector that rarely scans never pays for one); 0 = at once.</summary>
    internal int GateAfterScans { get; init; } = 64;

    /// <summary>False: never gate the scan (the differential tests' reference).</summary>
    internal bool UseScanGate { get; init; } = true;

    /// <summary>False only when some template other than the skipped one could match <paramref name="line"/>: see <see cref="DateScanGate"/>.</summary>
    private bool ScanMayMatch(string line, int ignoreBySearch)
    {
        if (!UseScanGate || fullScans < GateAfterScans)
        {
            fullScans++;
            return true;
        }
        string key = ignoreBySearch < templates.Count ? templates[ignoreBySearch].Template.Name : "";
        if (!scanGates.TryGetValue(key, out var gate))
        {
            gate = factory.ScanGate(templates.Where((e, j) => j != ignoreBySearch).Select(e => e.Template));
            scanGates[key] = gate;
        }
        return gate is null || gate.IsMatch(line);
    }

    /// <summary>Bubble the winning template up (spec §3.3 "Reorder").</summary>
    private int Reorder(int num)
    {
        var e = templates[num];
        double untime = e.LastUsed - UnusedTime;
        double weight = e.Weight;
        int pos = firstUnused < num ? firstUnused : num / 2;
        bool Movable() => weight > templates[pos].Weight || untime > templates[pos].LastUsed;
        if (!Movable())
        {
            if (pos == num - 1)
            {
                return num;
            }
            pos = num - 1;
            if (!Movable())
            {
                return num;
            }
        }
        templates.RemoveAt(num);
        templates.Insert(pos, e);
        while (firstUnused < templates.Count && templates[firstUnused].Hits > 0)
        {
            firstUnused++;
        }
        return pos;
    }
}

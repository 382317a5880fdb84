using System.Text;
using System.Text.RegularExpressions;

namespace Jail2Ban.Core.Filtering;

/// <summary>
/// The failure finder of one filter (fail2ban's Filter.processLine/findFailure, §2.3-2.6): feed it one line at a
/// time with the current time; it returns the failures found. Stateful (multi-line buffer, mlfid cache, last
/// date), so one instance per jail / per fail2ban-regex run. Not thread-safe, except <see cref="Scan(string, Jail2Ban.Core.Filtering.Dates.DateHit?, LineScan)"/>
/// (the regex work of a maxlines = 1 line, which other threads may do ahead of ProcessLine).
/// </summary>
public sealed class Filter
{
    private readonly IDateFinder _dates;
    private readonly IHostResolver _resolver;
    private readonly MlfidCache _mlfid;
    private readonly Action<string>? _warn;
    private readonly FilterRegex[] _fail;
    private readonly FilterRegex[] _ignore;
    private readonly FilterRegex? _pref;
    private readonly int _maxLines;
    private List<LineTuple> _lineBuffer = [];
    private double? _lastDate;
    // the last date text, cut out of its line only when a dateless line needs it
    private string? _lastTimeText = "";
    private string? _lastTimeLine;
    private int _lastTimeStart, _lastTimeEnd;
    private bool _noTimeWarned;

    // maxlines = 1: the buffer fail2ban would hold after the last line (see LineBuffer), kept as positions
    private SingleBuffer _single = SingleBuffer.Empty;
    private LineRef _singleLine;
    private string _singleText = "";
    private int _singleStart, _singleLength;
    private LineRef? _processed;
    private LineTuple? _singleTuple;

    private enum SingleBuffer
    {
        Empty,
        Line,
        Content,
    }

    /// <summary>
    /// A line split around its date without the substrings: <see cref="LineTuple"/>(Line[..Start], DateText ??
    /// Line[Start..End], Line[End..]). Most lines produce no failure, so the tuple is only built for those that do.
    /// </summary>
    private readonly record struct LineRef(string Line, int Start, int End, string? DateText)
    {
        public LineTuple ToTuple() => new(Line[..Start], DateText ?? Line[Start..End], Line[End..]);

        /// <summary>Prefix + Suffix.</summary>
        public string Text => Start == End ? Line : string.Concat(Line.AsSpan(0, Start), Line.AsSpan(End));

        /// <summary>fail2ban's one-line buffer text: Prefix + Suffix + "\n".</summary>
        public string BufferText() => string.Concat(Line.AsSpan(0, Start), Line.AsSpan(End), "\n");
    }

    private string LastTimeText => _lastTimeText ??= _lastTimeLine![_lastTimeStart.._lastTimeEnd];

    /// <summary>maxlines = 1: the current line's tuple, built when first needed.</summary>
    private LineTuple SingleTuple() => _singleTuple ??= _singleLine.ToTuple();

    /// <summary>
    /// The matched lines of a failregex match: given (general path), or the current line's tuple, only built when the
    /// merge keeps them (a nofail + forget match does not).
    /// </summary>
    private readonly struct MatchedLines(List<LineTuple>? list, Filter? single, bool keep)
    {
        /// <summary>
        /// A new list: <paramref name="first"/>'s lines, <paramref name="then"/>'s, and these lines unless
        /// <paramref name="add"/> is false (or the behavior keeps no matched lines).
        /// </summary>
        public List<LineTuple> After(IReadOnlyList<LineTuple>? first, IReadOnlyList<LineTuple>? then = null, bool add = true)
        {
            var to = new List<LineTuple>((first?.Count ?? 0) + (then?.Count ?? 0) + 1);
            if (first is not null)
            {
                to.AddRange(first);
            }
            if (then is not null)
            {
                to.AddRange(then);
            }
            if (add && keep)
            {
                if (list is not null)
                {
                    to.AddRange(list);
                }
                else
                {
                    to.Add(single!.SingleTuple());
                }
            }
            return to;
        }
    }

    public Filter(FilterSettings options, IDateFinder dates, FilterBehavior? behavior = null,
        FilterRegexCompiler? compiler = null, IHostResolver? resolver = null, TimeProvider? clock = null,
        Action<string>? warn = null)
    {
        if (options.MaxLines < 1)
        {
            throw new FilterRegexException($"maxlines must be >= 1, got {options.MaxLines}");
        }
        Options = options;
        Behavior = behavior ?? FilterBehavior.Daemon;
        compiler ??= new FilterRegexCompiler();
        _dates = dates;
        _resolver = resolver ?? new NoHostResolver();
        _mlfid = new MlfidCache(clock ?? TimeProvider.System);
        _warn = warn;
        _maxLines = options.MaxLines;
        _pref = string.IsNullOrEmpty(options.PrefRegex) ? null : compiler.Compile(options.PrefRegex, options.UseDns);
        _fail = options.FailRegex.Select(r => compiler.CompileFailRegex(r, options.UseDns, _maxLines > 1, _pref)).ToArray();
        _failByFirst = FailCandidates(_fail);
        _ignore = options.IgnoreRegex.Select(r => compiler.Compile(r, options.UseDns)).ToArray();
    }

    public FilterSettings Options { get; }

    /// <summary>The date finder this filter uses (see the two-argument ProcessLine overload).</summary>
    public IDateFinder DateFinder => _dates;

    public FilterBehavior Behavior { get; }

    public IReadOnlyList<FilterRegex> FailRegexes => _fail;

    public IReadOnlyList<FilterRegex> IgnoreRegexes => _ignore;

    public FilterRegex? PrefRegex => _pref;

    /// <summary>Production: true once the initial read of old log content is done (§3.6 rule 4).</summary>
    public bool InOperation { get; set; } = true;

    /// <summary>Called with the index of each ignoreregex that matched (fail2ban-regex statistics).</summary>
    public Action<int>? OnIgnoreRegex { get; set; }

    /// <summary>Whether the prefregex matched the last processed buffer, and its groups.</summary>
    public bool PrefRegexMatched { get; private set; }

    public FailData? PrefRegexGroups => PrefRegexMatched && _lastPrefMatch is { } m ? _pref!.GetGroups(m) : null;

    private Match? _lastPrefMatch;

    /// <summary>Tests: maxlines = 1 through the general (multi-line) code instead of its fast path, for differential checks.</summary>
    internal bool GenericPath { get; set; }

    /// <summary>The multi-line buffer as it stands (a copy).</summary>
    public IReadOnlyList<LineTuple> LineBuffer => _maxLines > 1 || GenericPath ? [.. _lineBuffer] : _single switch
    {
        SingleBuffer.Line => [_singleLine.ToTuple()],
        SingleBuffer.Content => [new LineTuple("", "", _singleText.Substring(_singleStart, _singleLength - 1))],
        _ => [],
    };

    /// <summary>The last processed line with its date text removed.</summary>
    public string ProcessedLine => _processed is { } p ? p.Text : "";

    /// <summary>Processes one raw log line (no terminator). <paramref name="now"/> is epoch seconds.</summary>
    public IReadOnlyList<Failure> ProcessLine(string line, double now)
    {
        Jail2Ban.Core.Filtering.Dates.DateHit? hit;
        try
        {
            hit = _dates.Find(line, now);
        }
        catch (Jail2Ban.Core.Filtering.Dates.DateConversionException e)
        {
            // fail2ban's server drops such a line ("Failed to process line"); so do we, with a warning
            _warn?.Invoke($"Failed to process line: {line}: {e.Message}");
            return [];
        }
        return ProcessLine(line, hit, now);
    }

    /// <summary>
    /// Processes a line whose date the caller already looked up with this filter's date finder, in line order
    /// (lets a reader thread run the date detector ahead of the regex work; <see cref="DateFinder"/>).
    /// </summary>
    public IReadOnlyList<Failure> ProcessLine(string line, Jail2Ban.Core.Filtering.Dates.DateHit? hit, double now) =>
        ProcessLine(line, hit, now, null);

    /// <summary>
    /// <see cref="ProcessLine(string, Jail2Ban.Core.Filtering.Dates.DateHit?, double)"/> with the line's regex work
    /// done ahead (<see cref="Scan(string, Jail2Ban.Core.Filtering.Dates.DateHit?, LineScan)"/> with the same line and
    /// hit, possibly on another thread; the caller makes the scan visible to this thread, e.g. through a lock). Same
    /// results as without it; a scan that does not fit (another line, a date cut this line does not get, a filter
    /// without the maxlines = 1 path, already used) is ignored and the line searched here.
    /// </summary>
    public IReadOnlyList<Failure> ProcessLine(string line, Jail2Ban.Core.Filtering.Dates.DateHit? hit, double now, LineScan? scan)
    {
        bool noDate = false;
        double? date = null;
        LineRef tuple;
        if (hit is { } h)
        {
            tuple = new LineRef(line, h.Start, h.End, null);
            if (h.End > h.Start)
            {
                if (h.Time is double t)
                {
                    date = t;
                    _lastTimeText = null;
                    _lastTimeLine = line;
                    _lastTimeStart = h.Start;
                    _lastTimeEnd = h.End;
                    _lastDate = t;
                }
                else
                {
                    _warn?.Invoke($"findFailure failed to parse timeText: {line[h.Start..h.End]}");
                }
            }
            else if (_lastDate is double ld && ld != 0 && ld > now - 60)
            {
                tuple = new LineRef(line, 0, 0, LastTimeText);
                date = ld;
            }
            else
            {
                date = now;
            }
        }
        else
        {
            tuple = new LineRef(line, 0, 0, "");
        }
        if (date is null)
        {
            noDate = true;
            if (_lastDate is double ld && ld != 0 && ld > now - 60)
            {
                tuple = new LineRef(line, 0, 0, LastTimeText);
                date = ld;
            }
            else if (Behavior.CheckFindTime && InOperation)
            {
                date = now;
            }
        }
        return ProcessTuple(tuple, date, noDate, now, scan);
    }

    /// <summary>Processes an entry whose date is already known (journal): the triple is ('', dateText, message).</summary>
    public IReadOnlyList<Failure> ProcessEntry(string dateText, string message, double date, double now)
    {
        _lastTimeText = dateText;
        _lastDate = date;
        return ProcessTuple(new LineRef(message, 0, 0, dateText), date, false, now, null);
    }

    private IReadOnlyList<Failure> ProcessTuple(LineRef tuple, double? date, bool noDate, double now, LineScan? scan)
    {
        if (Behavior.CheckFindTime && date is double d)
        {
            if (InOperation)
            {
                if (Math.Abs(Math.Truncate(d - now)) > 60)
                {
                    date = now;
                    _lastDate = now;
                }
            }
            else if (d < now - Behavior.FindTime)
            {
                return [];
            }
        }
        _processed = tuple;
        return _maxLines > 1 || GenericPath ? FindFailure(tuple.ToTuple(), date, noDate) : FindFailureSingle(tuple, date, noDate, scan);
    }

    private static string BufferText(List<LineTuple> lines)
    {
        if (lines.Count == 1)
        {
            var t = lines[0];
            return string.Concat(t.Prefix, t.Suffix, "\n");
        }
        var sb = new StringBuilder();
        foreach (var t in lines)
        {
            sb.Append(t.Prefix).Append(t.Suffix).Append('\n');
        }
        return sb.ToString();
    }

    private IReadOnlyList<Failure> FindFailure(LineTuple tuple, double? date, bool noDate)
    {
        // allocated with the first failure: most lines have none
        List<Failure>? failList = null;
        bool checkAll = Behavior.CheckAllRegex;
        List<LineTuple> orgBuffer;
        if (_maxLines > 1)
        {
            _lineBuffer.Add(tuple);
            if (_lineBuffer.Count > _maxLines)
            {
                _lineBuffer.RemoveRange(0, _lineBuffer.Count - _maxLines);
            }
            orgBuffer = _lineBuffer;
        }
        else
        {
            orgBuffer = _lineBuffer = [tuple];
        }
        string? buf = BufferText(orgBuffer);
        PrefRegexMatched = false;
        _lastPrefMatch = null;

        // early ignoreregex: only when there are clearly more failregexes than ignoreregexes
        if (_ignore.Length > 0 && _ignore.Length < _fail.Length - 2 && IgnoreLine(buf, orgBuffer, null) is not null)
        {
            return (IReadOnlyList<Failure>?)failList ?? [];
        }

        // prefregex groups are only materialised when a failregex matches (most lines do not)
        FailData? preGroups = null;
        Match? prefMatch = null;
        if (_pref is not null)
        {
            prefMatch = _pref.Search(buf);
            if (!prefMatch.Success)
            {
                return (IReadOnlyList<Failure>?)failList ?? [];
            }
            PrefRegexMatched = true;
            _lastPrefMatch = prefMatch;
            if (_pref.ContentGroup is int cg && prefMatch.Groups[cg] is { Success: true, Length: > 0 } content)
            {
                _lineBuffer = [new LineTuple("", "", content.Value)];
                buf = null;
            }
        }

        for (int idx = 0; idx < _fail.Length; idx++)
        {
            var failRegex = _fail[idx];
            buf ??= BufferText(_lineBuffer);
            if (failRegex.RequiredPrefix is { } prefix && !buf.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }
            var m = failRegex.Search(buf);
            if (!m.Success)
            {
                continue;
            }
            var fail = failRegex.GetGroups(m);
            var (matched, unmatched) = SplitMatch(m, buf, orgBuffer, failRegex);
            if (_ignore.Length > 0 && IgnoreLine(buf, orgBuffer, (matched, unmatched)) is not null)
            {
                buf = null;
                if (!checkAll)
                {
                    break;
                }
                continue;
            }
            if (noDate && SkipUndatedMatch(tuple.DateText, date))
            {
                continue;
            }
            if (!checkAll || _maxLines > 1)
            {
                _lineBuffer = unmatched;
                buf = null;
            }
            if (AddFailures(idx, failRegex, fail, new MatchedLines(matched, null, Behavior.KeepMatchedLines), prefMatch, ref preGroups, date, buf, ref failList))
            {
                break;
            }
        }
        return (IReadOnlyList<Failure>?)failList ?? [];
    }

    /// <summary>
    /// A new, empty <see cref="LineScan"/> for this filter, for <see cref="Scan(string, Jail2Ban.Core.Filtering.Dates.DateHit?, LineScan)"/>
    /// (one per line in flight; reusable once applied).
    /// </summary>
    public LineScan NewScan() => new(this, _fail.Length, _ignore.Length);

    /// <summary>Whether <see cref="Scan(string, Jail2Ban.Core.Filtering.Dates.DateHit?, LineScan)"/> does anything for this filter (maxlines = 1).</summary>
    public bool CanScan => _maxLines == 1 && !GenericPath;

    /// <summary>
    /// The stateless, thread-safe part of the failure search of one line (maxlines = 1 filters), for a caller that
    /// runs it ahead on other threads: <paramref name="hit"/> is what this filter's <see cref="DateFinder"/> found
    /// for the line (as passed to <see cref="ProcessLine(string, Jail2Ban.Core.Filtering.Dates.DateHit?, double, LineScan?)"/>
    /// later). Reads only the compiled regexes; may run concurrently with other scans and with ProcessLine. Throws
    /// what the regexes throw (a timeout); the scan is then left unusable and ProcessLine searches itself.
    /// </summary>
    public void Scan(string line, Jail2Ban.Core.Filtering.Dates.DateHit? hit, LineScan into)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (!ReferenceEquals(into.Owner, this))
        {
            throw new ArgumentException("the scan belongs to another filter", nameof(into));
        }
        if (!CanScan)
        {
            into.Reset(line, 0, 0);
            return;
        }
        // the cut ProcessLine makes when the date is used; when it is not (a dateless or unparsable hit), the line
        // is searched whole, and ProcessLine notices the different cut (see ScanFits)
        var (cs, ce) = hit is { } h ? (h.Start, h.End) : (0, 0);
        ScanCore(line, cs, ce, into, groups: true);
    }

    /// <summary><see cref="Scan(string, Jail2Ban.Core.Filtering.Dates.DateHit?, LineScan)"/> into a new <see cref="LineScan"/>.</summary>
    public LineScan Scan(string line, Jail2Ban.Core.Filtering.Dates.DateHit? hit)
    {
        var s = NewScan();
        Scan(line, hit, s);
        return s;
    }

    /// <summary>
    /// The scan of a line whose buffer text is line[..cutStart] + line[cutEnd..] + "\n". Pure: regexes and the
    /// filter's immutable settings only. <paramref name="groups"/>: also build the fail data of the matches (and the
    /// prefregex's), work the apply step would otherwise do on its thread (except where the stateless "forget"
    /// shortcut may make it unnecessary).
    /// </summary>
    private void ScanCore(string line, int cutStart, int cutEnd, LineScan s, bool groups)
    {
        s.Reset(line, cutStart, cutEnd);
        bool checkAll = Behavior.CheckAllRegex;
        // what fail2ban's buffer joins: Prefix + Suffix + "\n"
        string text = new LineRef(line, cutStart, cutEnd, null).BufferText();
        int start = 0, length = text.Length;
        s.Text = text;
        s.Length = length;

        // early ignoreregex: only when there are clearly more failregexes than ignoreregexes
        if (EarlyIgnore)
        {
            s.EarlyIgnored = SearchIgnores(text, s.EarlyIgnore, checkAll);
            if (s.EarlyIgnored)
            {
                s.Ready = true;
                return;
            }
        }

        Match? prefMatch = null;
        if (_pref is not null)
        {
            prefMatch = _pref.Search(text);
            s.Pref = prefMatch;
            if (!prefMatch.Success)
            {
                s.Ready = true;
                return;
            }
            // read without Match.Groups (which builds every group's object): this runs for nearly every line
            if (_pref.ContentGroup is int cg && FilterRegex.TryGetGroup(prefMatch, cg, out int cIndex, out int cLength) && cLength > 0)
            {
                // fail2ban's buffer becomes content + "\n": usually the tail of the text already (content ends
                // the line), else a string of its own
                if (cIndex + cLength == text.Length - 1)
                {
                    start = cIndex;
                    length = text.Length - start;
                }
                else
                {
                    text = string.Concat(text.AsSpan(cIndex, cLength), "\n");
                    length = text.Length;
                }
                s.Content = true;
                s.Text = text;
                s.Start = start;
                s.Length = length;
            }
        }

        // the failregexes whose literal pre-check the text's first character leaves (all for a non-ASCII or empty text)
        int[]? candidates = length > 0 && text[start] < FirstCharTable ? _failByFirst[text[start]] : null;
        int count = candidates?.Length ?? _fail.Length;
        // how many failregexes (in order) the scan settled: all, or up to the first match
        int idx = _fail.Length;
        for (int k = 0; k < count; k++)
        {
            int i = candidates is null ? k : candidates[k];
            var m = SearchFail(_fail[i], text, start, length);
            if (m is null)
            {
                continue;
            }
            s.Fail[i] = m;
            s.Hits[s.HitCount++] = i;
            if (!checkAll)
            {
                // the search goes on after this match only in rare cases, on another buffer: the apply step does it
                idx = i + 1;
                break;
            }
        }
        s.Searched = idx;
        if (!s.AnyFail)
        {
            s.Ready = true;
            return;
        }
        if (_ignore.Length > 0)
        {
            s.ContentIgnored = SearchIgnores(text.AsSpan(start, length), s.ContentIgnore, checkAll);
            s.ContentIgnoreKnown = true;
        }
        // an ignored content drops every match of the line: no fail data needed
        if (groups && !s.ContentIgnored)
        {
            bool any = false;
            // each match's groups go straight into a fresh copy of the prefregex's, as the apply step would merge them
            bool merge = prefMatch is not null;
            for (int k = 0; k < s.HitCount; k++)
            {
                int i = s.Hits[k];
                if (s.Fail[i] is { } m && (checkAll || !ForgetCandidate(_fail[i], m, prefMatch)))
                {
                    if (merge && _fail[i].PlainGroups)
                    {
                        var merged = PrefGroups(prefMatch!, room: _fail[i].GroupNames.Count);
                        _fail[i].MergeGroupsInto(merged, m);
                        s.Groups[i] = merged;
                        s.GroupsMerged[i] = true;
                        continue;
                    }
                    s.Groups[i] = _fail[i].GetGroups(m);
                    any = true;
                }
            }
            if (any && prefMatch is not null)
            {
                s.PreGroups = PrefGroups(prefMatch);
            }
        }
        s.Ready = true;
    }

    /// <summary>
    /// The prefregex's fail data of a match, without its content (fail2ban pops it: the group is left out rather than
    /// copied), with <paramref name="room"/> more entries for a failregex's groups.
    /// </summary>
    private FailData PrefGroups(Match prefMatch, int room = 0) => _pref!.GetGroups(prefMatch, skip: _pref.ContentGroup, room);

    // For each ASCII first character of a searched text, the failregexes whose literal pre-check it passes, in order:
    // the scan skips the others without a call each (Debian's sshd: 1 to 3 of its 22 for most first characters).
    private const int FirstCharTable = 128;
    private readonly int[][] _failByFirst;

    private static int[][] FailCandidates(FilterRegex[] fail)
    {
        var table = new int[FirstCharTable][];
        for (int c = 0; c < FirstCharTable; c++)
        {
            table[c] = Enumerable.Range(0, fail.Length).Where(i => MayStartWith(fail[i], (char)c)).ToArray();
        }
        return table;
    }

    /// <summary>Whether a text starting with <paramref name="c"/> passes the pre-check of <see cref="SearchFail"/>.</summary>
    private static bool MayStartWith(FilterRegex r, char c) =>
        r.RequiredPrefix is { } prefix ? prefix.Length == 0 || prefix[0] == c : r.FirstChars is not { } first || first.Contains(c);

    private bool EarlyIgnore => _ignore.Length > 0 && _ignore.Length < _fail.Length - 2;

    /// <summary>The literal pre-checks, then the search of text[start..start+length]; null when it does not match.</summary>
    private static Match? SearchFail(FilterRegex failRegex, string text, int start, int length)
    {
        if (failRegex.RequiredPrefix is { } prefix
            ? !text.AsSpan(start, length).StartsWith(prefix, StringComparison.Ordinal)
            : failRegex.FirstChars is { } first && (length == 0 || !first.Contains(text[start])))
        {
            return null;
        }
        if (failRegex.RequiredLiteral is { } literal && !text.AsSpan(start, length).Contains(literal, StringComparison.Ordinal))
        {
            return null;
        }
        var m = failRegex.Search(text, start, length);
        return m.Success ? m : null;
    }

    /// <summary>Whether a scan was made from exactly the text this line is searched in, and not used yet.</summary>
    private bool ScanFits(LineScan s, LineRef line) =>
        s.Ready && ReferenceEquals(s.Owner, this) && ReferenceEquals(s.Line, line.Line) &&
        (s.CutStart == s.CutEnd ? line.Start == line.End : s.CutStart == line.Start && s.CutEnd == line.End);

    /// <summary>
    /// <see cref="FindFailure"/> for maxlines = 1, with the same results, without the per-line strings: the buffer
    /// text is built once, the failregexes search the prefregex's content inside it (Regex.Match(text, start,
    /// length) sees exactly that range, as if it were a string of its own: ^, $, \b and lookbehinds stop at its
    /// ends) and the line's <see cref="LineTuple"/> is only built when a failregex matches. The regex work is the
    /// line's <see cref="LineScan"/> (given by the caller, computed ahead, or made here); this is the stateful rest,
    /// in line order.
    /// </summary>
    private IReadOnlyList<Failure> FindFailureSingle(LineRef line, double? date, bool noDate, LineScan? scan)
    {
        if (scan is null || !ScanFits(scan, line))
        {
            // on this thread: no fail data ahead (the "forget" shortcut below may make it unnecessary)
            var inline = _inlineScan ??= NewScan();
            ScanCore(line.Line, line.Start, line.End, inline, groups: false);
            return ApplySingle(line, date, noDate, inline);
        }
        ScansUsed++;
        try
        {
            return ApplySingle(line, date, noDate, scan);
        }
        finally
        {
            // a caller's scans wait for reuse in long-lived rings: what they hold would survive GCs (and get promoted)
            scan.Release();
        }
    }

    /// <summary><see cref="FindFailureSingle"/> with the line's scan: the stateful part, in line order.</summary>
    private IReadOnlyList<Failure> ApplySingle(LineRef line, double? date, bool noDate, LineScan scan)
    {
        scan.Ready = false;
        List<Failure>? failList = null;
        bool checkAll = Behavior.CheckAllRegex;
        _single = SingleBuffer.Line;
        _singleLine = line;
        _singleTuple = null;
        PrefRegexMatched = false;
        _lastPrefMatch = null;

        if (scan.EarlyIgnored)
        {
            IgnoreSingle(scan.EarlyIgnore, default, false);
            return [];
        }

        FailData? preGroups = scan.PreGroups;
        Match? prefMatch = scan.Pref;
        if (prefMatch is not null)
        {
            if (!prefMatch.Success)
            {
                return [];
            }
            PrefRegexMatched = true;
            _lastPrefMatch = prefMatch;
            if (scan.Content)
            {
                _single = SingleBuffer.Content;
                _singleText = scan.Text;
                _singleStart = scan.Start;
                _singleLength = scan.Length;
            }
        }
        if (!scan.AnyFail && scan.Searched == _fail.Length)
        {
            return [];
        }

        string text = scan.Text;
        int start = scan.Start, length = scan.Length;
        // whether the buffer is still the scanned one
        bool scanned = true;
        // every failregex tried on the scanned buffer (fail2ban-regex's check of all): only those that matched, in order
        bool hitsOnly = checkAll && scan.Searched == _fail.Length;
        int count = hitsOnly ? scan.HitCount : _fail.Length;
        for (int k = 0; k < count; k++)
        {
            int idx = hitsOnly ? scan.Hits[k] : k;
            var failRegex = _fail[idx];
            bool fromScan = scanned && idx < scan.Searched;
            var m = fromScan ? scan.Fail[idx] : SearchFail(failRegex, text, start, length);
            if (m is null)
            {
                continue;
            }
            if (_ignore.Length > 0 && (fromScan && scan.ContentIgnoreKnown
                    ? IgnoreSingle(scan.ContentIgnore, default, true)
                    : IgnoreSingle(text.AsSpan(start, length), true)) is not null)
            {
                if (!checkAll)
                {
                    break;
                }
                continue;
            }
            if (noDate && SkipUndatedMatch(_noTimeWarned ? "" : SingleTuple().DateText, date))
            {
                continue;
            }
            if (!checkAll)
            {
                // fail2ban keeps the unmatched lines (none): later failregexes search ""
                _single = SingleBuffer.Empty;
                text = "";
                start = length = 0;
                scanned = false;
                if (ForgetsWithoutState(failRegex, m, prefMatch))
                {
                    break;
                }
            }
            var fail = (fromScan ? scan.Groups[idx] : null) ?? failRegex.GetGroups(m);
            // the scan's merged groups already hold the prefregex's: nothing to merge
            bool scanMerged = fromScan && scan.GroupsMerged[idx];
            if (AddFailures(idx, failRegex, fail, new MatchedLines(null, this, Behavior.KeepMatchedLines), prefMatch, ref preGroups, date, text.AsSpan(start, length), ref failList, scanMerged))
            {
                break;
            }
        }
        return (IReadOnlyList<Failure>?)failList ?? [];
    }

    /// <summary>
    /// A scan's ignoreregex searches: marks in <paramref name="matched"/> each ignoreregex that matches
    /// <paramref name="text"/>, up to the first unless every regex is checked; true when one matched.
    /// </summary>
    private bool SearchIgnores(ReadOnlySpan<char> text, bool[] matched, bool checkAll)
    {
        bool any = false;
        for (int i = 0; i < _ignore.Length; i++)
        {
            if (_ignore[i].IsMatch(text))
            {
                matched[i] = true;
                any = true;
                if (!checkAll)
                {
                    break;
                }
            }
        }
        return any;
    }

    private LineScan? _inlineScan;

    /// <summary>Tests: how many lines used a scan given to ProcessLine (rather than searching themselves).</summary>
    internal int ScansUsed { get; private set; }

    /// <summary>
    /// True when this match is a non-failure that ends a connection nobody has state for: a captured F-MLFFORGET with
    /// a captured F-NOFAIL or F-MLFGAINED, the prefregex's mlfid not in the cache. Stopping at the first match,
    /// fail2ban's merge then forgets nothing, stores nothing and returns "nofail": the search ends without a failure.
    /// Checked from the groups alone, before the fail data, matched lines and mlfid string are built (sshd's
    /// "Connection closed", "Received disconnect ...: 11:", "Accepted" lines). Plain groups only (see
    /// <see cref="FilterRegex.PlainMlfGroups"/>); the mlfid must come from the prefregex.
    /// </summary>
    private bool ForgetsWithoutState(FilterRegex failRegex, Match m, Match? prefMatch) =>
        ForgetCandidate(failRegex, m, prefMatch) &&
        (_mlfid.Count == 0 || _mlfid.Get(FilterRegex.GroupSpan(prefMatch!, _pref!.MlfidGroup)) is null);

    /// <summary>
    /// The stateless part of <see cref="ForgetsWithoutState"/>: everything but the cache lookup (the prefregex's mlfid
    /// group captured). Groups are read without <see cref="Match.Groups"/>, which would build all of them.
    /// </summary>
    private bool ForgetCandidate(FilterRegex failRegex, Match m, Match? prefMatch)
    {
        if (prefMatch is null || _pref is not { PlainMlfGroups: true, MlfidGroup: >= 0 } pref || !failRegex.PlainMlfGroups ||
            failRegex.MlfidGroup >= 0 || failRegex.MlfForgetGroup < 0)
        {
            return false;
        }
        if (!Captured(m, failRegex.MlfForgetGroup) || !(Captured(m, failRegex.NoFailGroup) || Captured(m, failRegex.MlfGainedGroup)))
        {
            return false;
        }
        return FilterRegex.TryGetGroup(prefMatch, pref.MlfidGroup, out _, out _);

        static bool Captured(Match m, int n) => n >= 0 && FilterRegex.TryGetGroup(m, n, out _, out int length) && length > 0;
    }

    /// <summary><see cref="IgnoreLine"/> for maxlines = 1: searches <paramref name="text"/>.</summary>
    private int? IgnoreSingle(ReadOnlySpan<char> text, bool failMatched) => IgnoreSingle(null, text, failMatched);

    /// <summary>
    /// <see cref="IgnoreLine"/> for maxlines = 1, from a scan's results when <paramref name="scanned"/> is given (the
    /// ignoreregexes already searched on another thread), else searching <paramref name="text"/>: the same callbacks,
    /// in the same order, either way.
    /// </summary>
    private int? IgnoreSingle(bool[]? scanned, ReadOnlySpan<char> text, bool failMatched)
    {
        int? found = null;
        for (int i = 0; i < _ignore.Length; i++)
        {
            if (!(scanned is not null ? scanned[i] : _ignore[i].IsMatch(text)))
            {
                continue;
            }
            found = i;
            OnIgnoreRegex?.Invoke(i);
            if (!Behavior.CheckAllRegex)
            {
                if (failMatched)
                {
                    _single = SingleBuffer.Empty;
                }
                break;
            }
        }
        return found;
    }

    /// <summary>
    /// The failures of one failregex match (fail2ban's findFailure after the match: prefregex groups, mlfid merge,
    /// failure id); true when the search stops here. <paramref name="scanMerged"/>: <paramref name="fail"/> already holds
    /// the prefregex's groups (a scan merged them).
    /// </summary>
    private bool AddFailures(int idx, FilterRegex failRegex, FailData fail, MatchedLines matched, Match? prefMatch,
        ref FailData? preGroups, double? date, ReadOnlySpan<char> buf, ref List<Failure>? failList, bool scanMerged = false)
    {
        bool checkAll = Behavior.CheckAllRegex;
        bool defRaw = Options.UseDns == UseDns.Raw || Behavior.ReturnRawHost;
        if (prefMatch is not null && preGroups is null && !scanMerged)
        {
            preGroups = PrefGroups(prefMatch);
        }
        if (preGroups is { Count: > 0 } && !scanMerged)
        {
            // merged in place unless every failregex is tried (a later match needs them again); when the search goes
            // on anyway ("No group found"), they are rebuilt
            var merged = checkAll ? preGroups.Copy() : preGroups;
            if (!checkAll)
            {
                preGroups = null;
            }
            foreach (var kv in fail)
            {
                merged.MergeGroup(kv.Key, kv.Value);
            }
            fail = merged;
        }
        string? mlfid = fail.GetString("mlfid");
        bool shared = false;
        if (mlfid is not null)
        {
            fail = MergeFailure(mlfid, fail, matched, out shared);
            if (fail.IsTruthy("nofail") && !checkAll)
            {
                return true;
            }
        }
        else
        {
            fail["matches"] = matched.After(fail.Matches);
        }

        // failure id
        string? fid = fail.GetString("fid");
        string? ip = fail.GetString("ip4");
        int? cidr = null;
        bool raw = defRaw;
        bool family = false;
        if (ip is not null)
        {
            cidr = ParseCidr(fail.GetString("cidr"));
            raw = true;
            family = true;
        }
        else if ((ip = fail.GetString("ip6")) is not null)
        {
            cidr = ParseCidr(fail.GetString("cidr"));
            raw = true;
            family = true;
        }
        else if ((ip = fail.GetString("dns")) is null)
        {
            if (fid is null && mlfid is null)
            {
                // fail2ban raises "No group found" here and logs it: the regex yields nothing
                _warn?.Invoke($"No group found in '{buf}' using '{failRegex.Expanded}'");
                return false;
            }
            ip = fid;
            raw = true;
        }

        // one failure id (null: pending), or a resolved host's addresses (no list for the usual single id)
        FailureId? single = null;
        List<FailureId>? resolved = null;
        if (ip is null)
        {
            fail["mlfpending"] = 1;
            if (!checkAll && Behavior.IgnorePending)
            {
                return true;
            }
        }
        else if (raw)
        {
            // an ip4/ip6 capture is parsed as an address (family-specific); fid/dns text in raw mode stays a string
            bool keepText = defRaw || !Behavior.ParseFailureIds;
            var ipId = family && Behavior.ParseFailureIds ? FailureId.From(ip, cidr) : FailureId.From(ip, null, raw: keepText);
            if (fid is null || fid == ip)
            {
                single = ipId;
            }
            else
            {
                fail["ip"] = ipId;
                single = FailureId.From(fid, null, raw: keepText);
            }
        }
        else
        {
            resolved = ResolveHost(ip).Select(a => FailureId.From(a.ToString())).ToList();
        }
        // the mlfid cache keeps this object and changes it with later lines: the failure gets a copy (not needed when
        // the merge neither found nor stored it)
        if (checkAll && mlfid is not null && shared)
        {
            fail = fail.Copy();
        }
        if (resolved is null)
        {
            (failList ??= new List<Failure>(1)).Add(new Failure(idx, single, date, fail));
        }
        else
        {
            foreach (var id in resolved)
            {
                (failList ??= []).Add(new Failure(idx, id, date, fail));
            }
        }
        return !checkAll;
    }

    /// <summary>
    /// A failregex matched a line without a date: fail2ban warns once, and drops the match when findtime applies and
    /// no date could be substituted.
    /// </summary>
    private bool SkipUndatedMatch(string dateText, double? date)
    {
        if (!_noTimeWarned)
        {
            _noTimeWarned = true;
            _warn?.Invoke($"Found a match but no valid date/time found for '{dateText}'. Please try setting a custom date pattern (see man page jail.conf(5)).");
        }
        return date is null && Behavior.CheckFindTime;
    }

    private static int? ParseCidr(string? s) =>
        !string.IsNullOrEmpty(s) && int.TryParse(s, System.Globalization.NumberStyles.None, null, out int c) ? c : null;

    private IEnumerable<System.Net.IPAddress> ResolveHost(string host)
    {
        if (IpText.TryParse(host, out var a))
        {
            return [a];
        }
        if (Options.UseDns is UseDns.Yes or UseDns.Warn)
        {
            if (Options.UseDns == UseDns.Warn)
            {
                _warn?.Invoke($"Determined IP using DNS Lookup: {host}");
            }
            return _resolver.Resolve(host);
        }
        return [];
    }

    /// <summary>Matched lines (minus SKIPLINES) and unmatched lines of a match in the buffer (Regex.search in fail2ban).</summary>
    private static (List<LineTuple> Matched, List<LineTuple> Unmatched) SplitMatch(Match m, string buf, List<LineTuple> orgLines, FilterRegex r)
    {
        if (orgLines.Count <= 1)
        {
            return ([.. orgLines], []);
        }
        int lineStart = m.Index + 1 > 0 ? buf.LastIndexOf('\n', Math.Min(m.Index, buf.Length - 1)) + 1 : 0;
        int endIdx = buf.IndexOf('\n', Math.Max(m.Index + m.Length - 1, 0));
        int lineEnd = endIdx < 0 ? buf.Length : endIdx + 1;
        int count1 = CountNl(buf, lineStart);
        int count2 = CountNl(buf, lineEnd);
        count1 = Math.Min(count1, orgLines.Count);
        count2 = Math.Min(Math.Max(count2, count1), orgLines.Count);
        var matched = orgLines.GetRange(count1, count2 - count1);
        var unmatched = orgLines.GetRange(0, count1);
        if (r.SkipLinesGroups > 0)
        {
            var skipped = new StringBuilder();
            for (int i = 0; i < r.SkipLinesGroups; i++)
            {
                var g = m.Groups["skiplines" + i];
                if (g.Success)
                {
                    skipped.Append(g.Value);
                }
            }
            int n = 0;
            foreach (string skippedLine in SplitLines(skipped.ToString()))
            {
                for (int k = n; k < matched.Count; k++)
                {
                    if (matched[k].Text == skippedLine)
                    {
                        unmatched.Add(matched[k]);
                        matched.RemoveAt(k);
                        n = k;
                        break;
                    }
                }
            }
        }
        unmatched.AddRange(orgLines.GetRange(count2, orgLines.Count - count2));
        return (matched, unmatched);
    }

    private static int CountNl(string s, int end)
    {
        int c = 0;
        for (int i = 0; i < end && i < s.Length; i++)
        {
            if (s[i] == '\n')
            {
                c++;
            }
        }
        return c;
    }

    private static IEnumerable<string> SplitLines(string s)
    {
        // Python str.splitlines() for the separators that can occur here
        int start = 0;
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (c is '\n' or '\r' or '\v' or '\f' or '\x1c' or '\x1d' or '\x1e' or '\x85' or '\u2028' or '\u2029')
            {
                yield return s[start..i];
                if (c == '\r' && i + 1 < s.Length && s[i + 1] == '\n')
                {
                    i++;
                }
                start = i + 1;
            }
        }
        if (start < s.Length)
        {
            yield return s[start..];
        }
    }

    private int? IgnoreLine(string buf, List<LineTuple> orgBuffer, (List<LineTuple> Matched, List<LineTuple> Unmatched)? failMatch)
    {
        if (failMatch is { } fm && _maxLines > 1)
        {
            buf = BufferText(fm.Matched);
        }
        int? found = null;
        for (int i = 0; i < _ignore.Length; i++)
        {
            if (!_ignore[i].IsMatch(buf))
            {
                continue;
            }
            found = i;
            OnIgnoreRegex?.Invoke(i);
            if ((!Behavior.CheckAllRegex || _maxLines > 1) && failMatch is { } f)
            {
                _lineBuffer = f.Unmatched;
            }
            if (!Behavior.CheckAllRegex)
            {
                break;
            }
        }
        return found;
    }

    /// <summary>The mlfid state machine (§2.5): merges this match into the connection's cached failure.</summary>
    private FailData MergeFailure(string mlfid, FailData fail, MatchedLines matchedLines, out bool shared)
    {
        var cached = _mlfid.Count > 0 ? _mlfid.Get(mlfid) : null;
        // whether the returned object is (or was) the cache's
        shared = cached is not null;
        HashSet<string>? users = null;
        int flags = 0;
        if (fail.IsTruthy("mlfgained"))
        {
            flags |= 8 | 1;
            if (!fail.IsTruthy("nofail"))
            {
                fail["nofail"] = fail["mlfgained"];
            }
        }
        else if (fail.IsTruthy("nofail"))
        {
            flags |= 1;
        }
        if (FailData.Truthy(fail.Pop("mlfforget")))
        {
            flags |= 2;
        }
        if (cached is not null)
        {
            users = UpdateUsers(cached, fail.GetString("user"));
            if (FailData.Truthy(cached.Pop("nofail")))
            {
                flags |= 4;
            }
            if (FailData.Truthy(cached.Pop("mlfgained")))
            {
                flags |= 4;
            }
            if ((flags & 8) != 0)
            {
                cached.Pop("mlfpending");
            }
            if ((flags & 4) == 0 && !cached.IsTruthy("mlfpending"))
            {
                cached.Pop("matches");
            }
            foreach (var kv in fail)
            {
                if (kv.Value is not null)
                {
                    cached[kv.Key] = kv.Value;
                }
            }
            fail = cached;
            if ((flags & 2) != 0)
            {
                _mlfid.Unset(mlfid);
            }
        }
        else if ((flags & 2) == 0)
        {
            users = UpdateUsers(fail, fail.GetString("user"));
            _mlfid.Set(mlfid, fail);
            shared = true;
        }
        if (FailData.Truthy(fail.Pop("mlfpending")) || users is { Count: > 1 })
        {
            fail.Pop("nofail");
            fail.Pop("mlfgained");
            flags &= ~(8 | 1);
        }
        if ((flags & 1) == 0)
        {
            // nofail-matches + matches (+ these lines)
            var nofail = fail.Pop("nofail-matches") as List<LineTuple>;
            fail["matches"] = matchedLines.After(nofail, fail.Matches, add: (flags & 8) == 0);
        }
        else if ((flags & 3) == 1)
        {
            fail["nofail-matches"] = matchedLines.After(fail.Get("nofail-matches") as List<LineTuple>);
        }
        return fail;
    }

    private static HashSet<string>? UpdateUsers(FailData fail, string? user)
    {
        var users = fail.Get("users") as HashSet<string>;
        if (!string.IsNullOrEmpty(user))
        {
            if (users is null || users.Count == 0)
            {
                fail["users"] = users = new HashSet<string>(StringComparer.Ordinal);
            }
            users.Add(user);
        }
        return users;
    }
}

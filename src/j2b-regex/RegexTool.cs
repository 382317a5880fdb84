using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Jail2Ban.Core.Configuration;
using Jail2Ban.Core.Filtering;
using Jail2Ban.Core.Filtering.Dates;

namespace Jail2Ban.Regex;

/// <summary>
/// fail2ban-regex re-implemented: reads the regexes (a filter or a literal regex), runs the log through a
/// <see cref="Filter"/> and prints fail2ban-regex's report (or one record per failure with --out).
/// </summary>
internal sealed partial class RegexTool(TextWriter stdout, TextWriter stderr, TimeProvider clock, IHostResolver resolver, TimeSpan? matchTimeout = null,
    Action<RegexTimeoutException>? endOnTimeout = null)
{
    private const int ExitError = 255;

    [GeneratedRegex(@"^/{0,3}[\w/_\-.]+(?:\[.*\])?$", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial System.Text.RegularExpressions.Regex FilterNameLike();

    private sealed class RegexStat(string regex)
    {
        public string Regex { get; } = regex;

        public int Hits { get; set; }

        public List<(Failure Failure, bool Multiple)> Found { get; } = [];
    }

    private sealed class LineStats
    {
        public int Tested, Matched, Missed, Ignored;
        public List<string> MatchedLines { get; } = [];
        public List<string> MissedLines { get; } = [];
        public List<string> IgnoredLines { get; } = [];
    }

    private RegexToolOptions _o = null!;
    private int _maxLinesPrint = 20;
    private int? _maxLines;
    private string? _datePattern;
    private bool _datePatternSet;
    private string? _prefRegex;
    private List<RegexStat> _fail = [];
    private List<RegexStat> _ignore = [];
    private readonly LineStats _stats = new();
    private int _prefMatched;
    private readonly List<FailData> _prefGroups = [];
    private bool _lineIgnored;
    private Filter _filter = null!;
    private DateDetector _detector = null!;

    /// <summary>
    /// Threads doing the regex work of a maxlines = 1 filter, the main thread included (tests: both pipeline shapes);
    /// null: <see cref="LinePipeline.DefaultWorkers"/> (processors, or J2B_REGEX_THREADS).
    /// </summary>
    internal int? ScanThreads { get; init; }

    private void Output(string s)
    {
        if (_o.Out is null)
        {
            stdout.WriteLine(s);
        }
    }

    public int Run(RegexToolOptions o, CancellationToken ct)
    {
        _o = o;
        // the one-shot tool may end on a runaway search: the timeout is kept from outside the regex engine
        using var watchdog = endOnTimeout is null ? null : new RegexWatchdog(matchTimeout ?? FilterRegexCompiler.DefaultTimeout, endOnTimeout);
        try
        {
            return RunCore(watchdog, ct);
        }
        catch (RegexTimeoutException e)
        {
            stderr.WriteLine($"ERROR: {e.Message}");
            return ExitError;
        }
        catch (FilterRegexException e)
        {
            stdout.WriteLine($"ERROR: {e.Message}");
            return ExitError;
        }
        catch (DatePatternException e)
        {
            stdout.WriteLine($"ERROR: {e.Message}");
            return ExitError;
        }
        catch (ArgumentException e)
        {
            stdout.WriteLine($"ERROR: {e.Message}");
            return ExitError;
        }
    }

    private int RunCore(RegexWatchdog? watchdog, CancellationToken ct)
    {
        Output("");
        Output("Running tests");
        Output("=============");
        Output("");
        if (_o.MaxLines > 0)
        {
            _maxLinesPrint = _o.MaxLines;
            SetMaxLines(_o.MaxLines);
        }
        TimeZoneInfo? logTz = _o.TimeZone is { Length: > 0 } tz ? LogTimeZone.Parse(tz) : null;
        if (_o.DatePattern is not null)
        {
            SetDatePattern(_o.DatePattern, logTz);
        }
        if (!ReadFailRegex(_o.Regex, logTz))
        {
            return ExitError;
        }
        if (_o.IgnoreRegex is not null)
        {
            Output($"Use {"ignoreregex",11} line : {ShortStr(_o.IgnoreRegex)}");
            _ignore = [new RegexStat(_o.IgnoreRegex)];
        }

        var useDns = FilterSettings.ParseUseDns(_o.UseDns ?? "warn");
        var settings = new FilterSettings
        {
            FailRegex = _fail.Select(r => r.Regex).ToArray(),
            IgnoreRegex = _ignore.Select(r => r.Regex).ToArray(),
            PrefRegex = _prefRegex,
            MaxLines = _maxLines ?? 1,
            DatePattern = _datePattern is null ? [] : DateDetector.SplitDatePattern(_datePattern),
            UseDns = useDns,
        };
        _detector ??= new DateDetector(settings.DatePattern, logTz);
        var behavior = new FilterBehavior
        {
            CheckAllRegex = _o.CheckAllRegex && _o.Out is null,
            ReturnRawHost = _o.Raw,
            CheckFindTime = false,
            IgnorePending = _o.Out is not null,
            // only --out and -v show failure ids, only --out their matched lines
            ParseFailureIds = _o.Out is not null || _o.Verbose > 0,
            KeepMatchedLines = _o.Out is not null,
        };
        Action<string>? warn = _o.Verbose > 0 ? msg => Output("W: " + msg) : null;
        _filter = new Filter(settings, new DetectorDateFinder(_detector), behavior, new FilterRegexCompiler(matchTimeout ?? FilterRegexCompiler.DefaultTimeout, watchdog: watchdog), resolver, clock, warn)
        {
            OnIgnoreRegex = i =>
            {
                _lineIgnored = true;
                _ignore[i].Hits++;
            },
        };

        IEnumerable<string> lines;
        Stream? file = null;
        if (File.Exists(_o.Log))
        {
            try
            {
                file = new FileStream(_o.Log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16);
            }
            catch (IOException e)
            {
                stdout.WriteLine(e.Message);
                return ExitError;
            }
            catch (UnauthorizedAccessException e)
            {
                stdout.WriteLine(e.Message);
                return ExitError;
            }
            Output($"Use         log file : {_o.Log}");
            Output($"Use         encoding : {_o.Encoding}");
            lines = LogLines.Read(file, GetEncoding(_o.Encoding));
        }
        else if (settings.MaxLines <= 1 && !_o.Log.Contains('\n'))
        {
            Output($"Use      single line : {ShortStr(_o.Log.Replace("\n", "\\n"))}");
            lines = [_o.Log];
        }
        else
        {
            var split = _o.Log.Split('\n');
            Output($"Use      multi line : {split.Length} line(s)");
            for (int i = 0; i < split.Length; i++)
            {
                if (i >= 5)
                {
                    Output("| ...");
                    break;
                }
                Output($"| {Math.Min(i + 1, 99),2}: {ShortStr(split[i])}");
            }
            Output("`-");
            lines = split;
        }
        Output("");
        if (watchdog is not null)
        {
            // a runaway search ends the process from the watchdog's thread, which must not touch this writer while
            // the report is being written: what it would lose is after the header
            stdout.Flush();
        }
        using (file)
        {
            Process(lines, file, ct);
        }
        PrintStats();
        if (Environment.GetEnvironmentVariable("J2B_REGEX_STATS") == "1")
        {
            // measuring aid (scripts/bench, perf work): allocation and GC figures do not depend on machine load
            stderr.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"j2b-regex stats: {_stats.Tested} lines, {GC.GetTotalAllocatedBytes(false) / Math.Max(1, _stats.Tested)} B allocated/line, gc0 {GC.CollectionCount(0)} gc1 {GC.CollectionCount(1)} gc2 {GC.CollectionCount(2)}, gc pause {GC.GetTotalPauseDuration().TotalSeconds:0.00} s, jit {System.Runtime.JitInfo.GetCompilationTime(false).TotalSeconds:0.00} s ({System.Runtime.JitInfo.GetCompiledMethodCount(false)} methods), processed {Elapsed.TotalSeconds:0.00} s, {_pipelineStats?.Invoke()}"));
        }
        return 0;
    }

    private static Encoding GetEncoding(string name)
    {
        try
        {
            return name.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || name.Equals("utf8", StringComparison.OrdinalIgnoreCase)
                ? new UTF8Encoding(false, false)
                : Encoding.GetEncoding(name);
        }
        catch (ArgumentException)
        {
            throw new ArgumentException($"unknown encoding: {name}");
        }
    }

    private void SetMaxLines(int v)
    {
        if (_maxLines is null)
        {
            if (v < 1)
            {
                throw new ArgumentException($"maxlines must be >= 1, got {v}");
            }
            _maxLines = v;
            Output($"Use         maxlines : {v}");
        }
    }

    private void SetDatePattern(string pattern, TimeZoneInfo? logTz)
    {
        if (_datePatternSet)
        {
            return;
        }
        _datePatternSet = true;
        _datePattern = pattern;
        _detector = new DateDetector(DateDetector.SplitDatePattern(pattern), logTz);
        var d = _detector.Describe();
        Output($"Use      datepattern : {pattern} : {(d is { } x ? x.Name : "Default Detectors")}");
    }

    private static string ShortStr(string s, int l = 53) => s.Length > l ? s[..(l - 3)] + "..." : s;

    private bool ReadFailRegex(string value, TimeZoneInfo? logTz)
    {
        string basedir = _o.Config;
        string? fltFile = null;
        string fltName = value;
        OrderedDictionary<string, string> fltOpt = [];
        if (FilterNameLike().IsMatch(value))
        {
            try
            {
                (fltName, fltOpt) = OptionSpec.Parse(value);
            }
            catch (FormatException e)
            {
                stdout.WriteLine($"ERROR: Wrong filter name or options: {e.Message}");
                stdout.WriteLine($"       while parsing: {value}");
                return false;
            }
            string tail = fltName.Length > 6 ? fltName[^6..] : fltName;
            string[] tryNames = tail.Contains('.') ? [fltName] : [fltName, fltName + ".conf", fltName + ".local"];
            foreach (string name in tryNames)
            {
                string candidate = name;
                if (!candidate.Contains('/'))
                {
                    candidate = Path.GetFileName(basedir.TrimEnd('/')) == "filter.d"
                        ? Path.Combine(basedir, candidate) : Path.Combine(basedir, "filter.d", candidate);
                }
                else
                {
                    basedir = Path.GetDirectoryName(candidate) ?? "";
                }
                if (File.Exists(candidate))
                {
                    fltFile = candidate;
                    break;
                }
            }
        }
        if (fltFile is null)
        {
            Output($"Use {"failregex",11} line : {ShortStr(value)}");
            _fail = [new RegexStat(value)];
            return true;
        }
        string tail6 = fltName.Length > 6 ? fltName[^6..] : fltName;
        string readName;
        string readDir;
        if (basedir == _o.Config || Path.GetFileName(basedir.TrimEnd('/')) == "filter.d" || (!tail6.Contains('.') && !fltName.Contains('/')))
        {
            if (Path.GetFileName(basedir.TrimEnd('/')) == "filter.d")
            {
                basedir = Path.GetDirectoryName(basedir.TrimEnd('/')) ?? basedir;
            }
            readName = Path.GetFileNameWithoutExtension(fltName);
            readDir = basedir;
            Output($"Use {"failregex",11} filter file : {readName}, basedir: {basedir}");
        }
        else
        {
            Output($"Use {"failregex",11} file : {fltName}");
            readName = Path.GetFullPath(fltFile);
            readDir = Path.GetDirectoryName(readName) ?? ".";
        }
        if (fltOpt.Count > 0)
        {
            Output($"Use   filter options : {PyRepr.Repr(fltOpt.ToDictionary(kv => kv.Key, kv => (object?)kv.Value))}");
        }
        Jail2Ban.Core.Configuration.FilterOptions read;
        try
        {
            read = FilterReader.Read(readDir, readName, fltOpt.ToDictionary(kv => kv.Key, kv => kv.Value), "fail2ban-regex-jail", backend: "auto");
        }
        catch (ConfigException e)
        {
            stdout.WriteLine($"Wrong config file: {Fail2banConfigError(e.Message)}");
            stdout.WriteLine($"ERROR: failed to load filter {value}");
            return false;
        }
        catch (IOException e)
        {
            stdout.WriteLine($"Wrong config file: {e.Message}");
            stdout.WriteLine($"ERROR: failed to load filter {value}");
            return false;
        }
        // apply the reader's command stream in order, as fail2ban-regex does
        foreach (var cmd in read.Commands)
        {
            if (cmd.Count < 4 || cmd[2] is not string key)
            {
                continue;
            }
            var vals = cmd[0] as string == "multi-set" && cmd[3] is System.Collections.IEnumerable e and not string
                ? e.Cast<object?>().Select(v => v?.ToString() ?? "").ToList()
                : cmd.Skip(3).Select(v => v?.ToString() ?? "").ToList();
            switch (key)
            {
                case "prefregex":
                    _prefRegex = vals.LastOrDefault();
                    break;
                case "addfailregex":
                    _fail.AddRange(vals.Select(v => new RegexStat(v)));
                    break;
                case "addignoreregex":
                    _ignore.AddRange(vals.Select(v => new RegexStat(v)));
                    break;
                case "maxlines":
                    foreach (string v in vals)
                    {
                        SetMaxLines(int.Parse(v, CultureInfo.InvariantCulture));
                    }
                    break;
                case "datepattern":
                    foreach (string v in vals)
                    {
                        SetDatePattern(v, logTz);
                    }
                    break;
            }
        }
        if (string.IsNullOrEmpty(_prefRegex))
        {
            _prefRegex = null;
        }
        return true;
    }

    /// <summary>
    /// The reader's error text as fail2ban-regex 1.0.2 prints it: its "Base configuration directory X does not exist "
    /// ends with a space. (That is what `fail2ban-regex LOG filter.d/sshd.conf` prints from a directory holding
    /// filter.d: 1.0.2 takes the parent of a relative "filter.d" as the base directory, which is "".)
    /// </summary>
    internal static string Fail2banConfigError(string message) =>
        message.StartsWith("Base configuration directory ", StringComparison.Ordinal) && message.EndsWith(" does not exist", StringComparison.Ordinal)
            ? message + " "
            : message;

    private void Process(IEnumerable<string> lines, Stream? file, CancellationToken ct)
    {
        // a person at a terminal sees how far a long file is; the meter writes nothing in the first second
        var progress = _o.Progress && file is { CanSeek: true } ? new ProgressMeter(stderr, file.Length, clock) : null;
        try
        {
            Process(lines, file, progress, ct);
        }
        finally
        {
            progress?.Done();
        }
    }

    private void Process(IEnumerable<string> lines, Stream? file, ProgressMeter? progress, CancellationToken ct)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        long seen = 0;
        double? fixedNow = _o.Now;
        var json = _o.Out == "json";
        int lineNo = 0;
        bool multi = (_maxLines ?? 1) > 1;
        var outWriter = _o.Out is null ? null : new FailureWriter(stdout, _o.Out);
        var retBuffer = new List<Failure>(); // one line's failures, used before the next line
        // maxlines = 1: the regex work runs ahead on the scan threads (LinePipeline), the rest here in line order
        using var pipeline = new LinePipeline(lines, _filter.DateFinder, () => fixedNow ?? clock.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0,
            _filter.CanScan ? _filter : null, ScanThreads is int n ? Math.Max(1, n) - 1 : LinePipeline.DefaultWorkers(), ct);
        pipeline.Start();
        _pipelineStats = () => pipeline.Stats;
        foreach (var (item, scan) in pipeline.Lines())
        {
            (lineNo, string line, var hit, bool drop, double now) = item;
            if (progress is not null && (++seen & 4095) == 0)
            {
                // the reader thread moves the position meanwhile: an estimate is all a progress line needs
                progress.Update(file!.Position, lineNo);
            }
            if (drop)
            {
                // fail2ban's uncaught date conversion error: the line is dropped (the server does so)
                continue;
            }
            List<LineTuple>? orgBuffer = multi ? [.. _filter.LineBuffer] : null;
            bool fullBuffer = orgBuffer is not null && orgBuffer.Count >= (_maxLines ?? 1);
            _lineIgnored = false;
            bool isIgnored = false;
            var found = _filter.ProcessLine(line, hit, now, scan);
            var ret = retBuffer;
            ret.Clear();
            // indexed: foreach over the interface would box an enumerator for every line
            for (int fi = 0; fi < found.Count; fi++)
            {
                var f = found[fi];
                if (_o.Out is null)
                {
                    var st = _fail[f.RegexIndex];
                    st.Hits++;
                    if (_o.Verbose > 0)
                    {
                        st.Found.Add((f, ret.Count > 1));
                    }
                }
                if (!f.IsNoFail)
                {
                    ret.Add(f);
                }
                else
                {
                    isIgnored = true;
                }
            }
            if (outWriter is not null)
            {
                if (json)
                {
                    outWriter.WriteJson(lineNo, found.Where(f => !_lineIgnored), _filter.FailRegexes);
                }
                else if (ret.Count > 0 && !isIgnored && !_lineIgnored)
                {
                    outWriter.Write(ret);
                }
                continue;
            }
            if (_filter.PrefRegex is not null && _filter.PrefRegexMatched)
            {
                _prefMatched++;
                if (_o.Verbose > 0 && _prefGroups.Count <= _maxLinesPrint && _filter.PrefRegexGroups is { } g)
                {
                    _prefGroups.Add(g);
                }
            }
            if (orgBuffer is not null)
            {
                var now2 = _filter.LineBuffer;
                foreach (var bufLine in orgBuffer.Skip(fullBuffer ? 1 : 0))
                {
                    if (!now2.Contains(bufLine))
                    {
                        int idx = _stats.MissedLines.IndexOf(bufLine.ToString());
                        if (idx >= 0)
                        {
                            _stats.MissedLines.RemoveAt(idx);
                        }
                        if (_o.PrintAllMatched)
                        {
                            _stats.MatchedLines.Add(bufLine.ToString());
                        }
                        _stats.Matched++;
                        _stats.Missed--;
                    }
                }
            }
            isIgnored |= _lineIgnored;
            if (isIgnored)
            {
                _stats.Ignored++;
                if (!_o.PrintNoIgnored && (_o.PrintAllIgnored || _stats.Ignored <= _maxLinesPrint + 1))
                {
                    _stats.IgnoredLines.Add(line);
                }
            }
            else if (ret.Count > 0)
            {
                _stats.Matched++;
                if (_o.PrintAllMatched)
                {
                    _stats.MatchedLines.Add(line);
                }
            }
            else
            {
                _stats.Missed++;
                if (!_o.PrintNoMissed && (_o.PrintAllMissed || _stats.Missed <= _maxLinesPrint + 1))
                {
                    _stats.MissedLines.Add(line);
                }
            }
            _stats.Tested++;
        }
        Elapsed = sw.Elapsed;
    }

    private TimeSpan Elapsed { get; set; }

    private Func<string>? _pipelineStats;

    private void PrintList(List<string> l, string? header = null)
    {
        if (l.Count == 0)
        {
            return;
        }
        string s = header is null ? "" : $"|- {header}\n";
        Output(s + "|  " + string.Join("\n|  ", l) + "\n`-");
    }

    private void PrintStats()
    {
        if (_o.Out is not null)
        {
            return;
        }
        Output("");
        Output("Results");
        Output("=======");
        if (_filter.PrefRegex is { } pre)
        {
            var outl = new List<string> { pre.Expanded };
            if (_o.Verbose > 0)
            {
                outl.AddRange(_prefGroups.Select(g => "    " + PyDict(g)));
            }
            Output($"\nPrefregex: {_prefMatched} total");
            PrintList(outl);
        }
        PrintRegexes("Failregex", _fail);
        PrintRegexes("Ignoreregex", _ignore);
        Output("\nDate template hits:");
        var dl = new List<string>();
        foreach (var t in _detector.Templates)
        {
            if (_o.Verbose > 0 || t.Hits > 0)
            {
                dl.Add($"[{t.Hits}] {t.Name}");
            }
        }
        PrintList(dl, "[# of hits] date format");
        Output($"\nLines: {_stats.Tested} lines, {_stats.Ignored} ignored, {_stats.Matched} matched, {_stats.Missed} missed");
        Output(string.Create(CultureInfo.InvariantCulture, $"[processed in {Elapsed.TotalSeconds:0.00} sec]"));
        Output("");
        if (_o.PrintAllMatched)
        {
            PrintLines("matched", _stats.Matched, _stats.MatchedLines, _o.PrintAllMatched);
        }
        if (!_o.PrintNoIgnored)
        {
            PrintLines("ignored", _stats.Ignored, _stats.IgnoredLines, _o.PrintAllIgnored);
        }
        if (!_o.PrintNoMissed)
        {
            PrintLines("missed", _stats.Missed, _stats.MissedLines, _o.PrintAllMissed);
        }
    }

    private void PrintRegexes(string title, List<RegexStat> list)
    {
        int total = 0;
        var outl = new List<string>();
        for (int i = 0; i < list.Count; i++)
        {
            var r = list[i];
            total += r.Hits;
            if (r.Hits > 0 || _o.Verbose > 0)
            {
                outl.Add($"{i + 1,2}) [{r.Hits}] {r.Regex}");
            }
            if (_o.Verbose > 0)
            {
                foreach (var (f, multiple) in r.Found)
                {
                    outl.Add($"    {f.Id?.Text ?? "None"}  {FormatTime(f.Time)}{(multiple ? " (multiple regex matched)" : "")}");
                }
            }
        }
        Output($"\n{title}: {total} total");
        PrintList(outl, " #) [# of hits] regular expression");
    }

    private string FormatTime(double? t)
    {
        double secs = t ?? clock.GetUtcNow().ToUnixTimeSeconds();
        var local = TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Floor(secs * 1000)), TimeZoneInfo.Local);
        return local.ToString("ddd MMM dd HH:mm:ss yyyy", CultureInfo.InvariantCulture);
    }

    private void PrintLines(string ltype, int count, List<string> l, bool printAll)
    {
        if (count == 0)
        {
            return;
        }
        string header = char.ToUpperInvariant(ltype[0]) + ltype[1..] + " line(s):";
        if (count < _maxLinesPrint || printAll)
        {
            PrintList(l.Select(x => x.TrimEnd()).ToList(), header);
        }
        else
        {
            Output($"{header} too many to print.  Use --print-all-{ltype} to print all {count} lines");
        }
    }

    internal static string PyDict(FailData d)
    {
        var sb = new StringBuilder("{");
        bool first = true;
        foreach (var (k, v) in d)
        {
            if (!first)
            {
                sb.Append(", ");
            }
            first = false;
            sb.Append(PyRepr.Repr(k)).Append(": ").Append(v is string or null ? PyRepr.Repr(v) : PyRepr.Repr(v.ToString()));
        }
        return sb.Append('}').ToString();
    }
}

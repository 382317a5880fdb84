using System.Globalization;
using System.Threading.Channels;
using Jail2Ban.Core.Actions;
using Jail2Ban.Core.Banning;
using Jail2Ban.Core.Configuration;
using Jail2Ban.Core.Filtering;
using Jail2Ban.Core.Filtering.Dates;
using Jail2Ban.Core.Net;
using Jail2Ban.Core.Time;
using Jail2Ban.Server.Builtin;
using Jail2Ban.Server.Logging;
using Jail2Ban.Server.Logs;
using Jail2Ban.Server.Persistence;
using CoreActionDefinition = Jail2Ban.Core.Actions.ActionDefinition;

namespace Jail2Ban.Server.Jails;

/// <summary>What every jail shares: clock, server log, action runner, built-ins, log sources, database.</summary>
internal sealed record JailServices(
    TimeProvider Time,
    ServerLog Log,
    IActionRunner Runner,
    BuiltinActionFactory Builtins,
    LogSourceFactory Sources)
{
    /// <summary>The ban database, null when persistence is off (dbfile = :memory: is still a store).</summary>
    public BanStore? Store { get; set; }
}

/// <summary>
/// One running jail (spec §2.1, §3): its log source feeds the filter (one stateful filter per jail),
/// failures pass the ignore checks into the fail manager, tickets reaching maxretry are queued to the
/// actions loop, which bans everything queued at once (bulk, §3.7) and unbans expired tickets.
/// Two loops, like fail2ban's filter and actions threads; the managers have their own locks.
/// </summary>
internal sealed class Jail : IActionJailContext, IAsyncDisposable
{
    private const string FilterLogger = "fail2ban.filter";
    private const string ActionsLogger = "fail2ban.actions";
    private const string JailLogger = "fail2ban.jail";

    private readonly JailServices _s;
    private readonly Channel<Ticket> _queue = Channel.CreateUnbounded<Ticket>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _actionGate = new(1, 1);
    private readonly Lock _filterLock = new();
    // Copy-on-write: the actions loop iterates a snapshot while the control socket adds/removes.
    private volatile IJailAction[] _actions = [];
    private readonly List<(string Path, bool Tail)> _logPaths = [];
    private readonly List<IReadOnlyList<string>> _journalMatches = [];
    private readonly FilterRegexCompiler _compiler = new();
    private FilterSettings _settings;
    private string? _logTimeZone;
    private string? _encoding;
    private CancellationTokenSource? _cts;
    private Task? _filterLoop;
    private Task? _actionsLoop;
    private ILogSource? _source;
    private readonly bool _dockerJson;
    private readonly Dictionary<string, DockerJsonLogAssembler> _dockerAssemblers = new(StringComparer.Ordinal);
    private double _lastCleanup;
    private int _pendingBatches;
    // The filter thread's log lines of the batch being processed (see ProcessFileLines), and that thread.
    private readonly List<LogRecord> _filterLogBuffer = [];
    private int _filterLogThread;

    public Jail(JailDefinition definition, JailServices services)
    {
        Definition = definition;
        _s = services;
        Name = definition.Name;
        Backend = definition.Backend;
        // A systemd jail whose journal cannot be read fails here, as fail2ban's does when it opens the journal.
        services.Sources.Validate(Backend);
        string? Opt(string key) => definition.Options.TryGetValue(key, out var v) ? OptionText(v) : null;

        var filterOptions = definition.Filter ?? throw new JailConfigException($"Jail '{Name}': no filter");
        _settings = FilterSettings.FromConfig(filterOptions, Opt("usedns"));
        _logTimeZone = Opt("logtimezone");
        var zone = string.IsNullOrWhiteSpace(_logTimeZone) ? null : LogTimeZone.Parse(_logTimeZone);
        Detector = new DateDetector(_settings.DatePattern, zone);
        Filter = NewFilter(_settings, Detector, Seconds(Opt("findtime"), 600));
        _encoding = Opt("logencoding") is { Length: > 0 } enc && enc.Trim() != "auto" ? enc.Trim() : null;
        if (!string.IsNullOrWhiteSpace(filterOptions.JournalMatch))
        {
            foreach (var line in filterOptions.JournalMatch.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                AddJournalMatchCore(ShellSplit.Split(line));
            }
        }

        // Unset in the jail: fail2ban 1.0.2 sends nothing and its FailManager keeps 3 and 5
        // (the stock jail.conf sets maxretry = 5 and maxmatches = %(maxretry)s itself).
        Fail.MaxRetry = ParseInt(Opt("maxretry"), 3, "maxretry");
        Fail.FindTime = Seconds(Opt("findtime"), 600);
        Fail.MaxMatches = ParseInt(Opt("maxmatches"), 5, "maxmatches");
        Bans.SetBanTime(TimeSpec.ToSeconds(Opt("bantime") ?? "600"));
        Ignore = new IgnoreFilter(_s.Time);
        Ignore.IgnoreSelf = Opt("ignoreself") is not { } self || F2bBool.Parse(self);
        foreach (var ip in IgnoreList.SplitValue(Opt("ignoreip")))
        {
            Ignore.IgnoreIp.Add(ip);
        }
        if (Opt("ignorecommand") is { Length: > 0 } cmd) Ignore.IgnoreCommand = cmd;
        if (IgnoreCacheOptions.Parse(Opt("ignorecache")) is { } cache) Ignore.Cache = cache;
        Increment = BanTimeIncrement.Create(
            Opt("bantime.increment") is { } inc && F2bBool.Parse(inc),
            Opt("bantime.factor"), Opt("bantime.formula"), Opt("bantime.multipliers"),
            Opt("bantime.maxtime"), Opt("bantime.rndtime"),
            Opt("bantime.overalljails") is { } oa && F2bBool.Parse(oa));
        _dockerJson = ParseLogFormat(Name, Opt("logformat"));
        _logPaths.AddRange(definition.LogPaths.Select(p => (p.Path, p.Position == "tail")));
        _actions = [.. definition.Actions.Select(CreateAction)];
    }

    /// <summary>
    /// A jail created by <c>add &lt;jail&gt; [backend]</c> (the stock client's start stream, or a user):
    /// no filter regexes, no log paths, no actions, fail2ban's server defaults (maxretry 3, findtime 600,
    /// bantime 600, maxmatches 5); the <c>set</c> commands that follow fill it in.
    /// </summary>
    public static Jail CreateEmpty(string name, string backend, JailServices services) => new(new JailDefinition
    {
        Name = name,
        Backend = backend,
        Filter = new FilterOptions
        {
            FailRegex = [],
            IgnoreRegex = [],
            Combined = new Dictionary<string, string?>(),
            Commands = [],
            Files = [],
        },
        Options = new Dictionary<string, object?> { ["maxretry"] = "3", ["maxmatches"] = "5" },
    }, services);

    private Filter NewFilter(FilterSettings settings, DateDetector detector, double findTime) =>
        new(settings, new DetectorDateFinder(detector), FilterBehavior.Daemon with { FindTime = findTime }, _compiler,
            new SystemHostResolver(), _s.Time, w => FilterLog(LogLevels.Warning, w));

    /// <summary>The filter's settings as they stand (regex lists, prefregex, maxlines, datepattern, usedns).</summary>
    public FilterSettings FilterSettings
    {
        get
        {
            lock (_filterLock) return _settings;
        }
    }

    public string? LogTimeZoneText
    {
        get
        {
            lock (_filterLock) return _logTimeZone;
        }
    }

    /// <summary>
    /// Run-time filter change (<c>set &lt;jail&gt; addfailregex|prefregex|maxlines|datepattern|usedns|
    /// logtimezone ...</c>): a new filter and date detector are built from the new settings first, so a
    /// bad regex, pattern or zone throws and leaves the running ones untouched; otherwise they replace the
    /// old ones between two batches (the next line read uses them). The multi-line buffer starts empty.
    /// </summary>
    internal void Reconfigure(FilterSettings settings, string? logTimeZone)
    {
        DateDetector detector;
        lock (_filterLock)
        {
            detector = Detector;
        }
        // a regex-only change keeps the detector and what it learned about the log's dates
        if (!settings.DatePattern.SequenceEqual(FilterSettings.DatePattern) || logTimeZone != LogTimeZoneText)
        {
            var zone = string.IsNullOrWhiteSpace(logTimeZone) ? null : LogTimeZone.Parse(logTimeZone);
            detector = new DateDetector(settings.DatePattern, zone);
        }
        var filter = NewFilter(settings, detector, Fail.FindTime);
        lock (_filterLock)
        {
            _settings = settings;
            _logTimeZone = logTimeZone;
            Detector = detector;
            Filter = filter;
        }
    }

    /// <summary><c>set &lt;jail&gt; findtime</c>: the fail manager's window and the filter's old-line cut-off.</summary>
    internal void SetFindTime(double seconds)
    {
        Fail.FindTime = seconds;
        lock (_filterLock)
        {
            Filter = NewFilter(_settings, Detector, seconds);
        }
    }

    /// <summary>The logencoding as set (null = auto).</summary>
    public string? LogEncoding => _encoding;

    /// <summary><c>set &lt;jail&gt; logencoding</c>: validated, then applied to the files followed now and later.</summary>
    internal void SetLogEncoding(string name)
    {
        var value = name.Trim();
        LogEncodings.Resolve(value); // throws "unknown encoding: <name>"
        _encoding = value.Equals("auto", StringComparison.OrdinalIgnoreCase) ? null : value;
        if (_source is IFileLogSource files) files.SetEncoding(value);
    }

    public IReadOnlyList<IReadOnlyList<string>> JournalMatches
    {
        get
        {
            lock (_journalMatches) return [.. _journalMatches];
        }
    }

    /// <summary>fail2ban's addJournalMatch: "+" separates OR groups; every group is appended.</summary>
    internal void AddJournalMatch(IReadOnlyList<string> terms)
    {
        if (_source is IJournalLogSource journal) journal.AddMatch(terms);
        AddJournalMatchCore(terms);
    }

    private void AddJournalMatchCore(IReadOnlyList<string> terms)
    {
        var groups = new List<List<string>> { new() };
        foreach (var t in terms)
        {
            if (t == "+") groups.Add([]);
            else groups[^1].Add(t);
        }
        lock (_journalMatches) _journalMatches.AddRange(groups);
    }

    /// <summary>fail2ban's delJournalMatch: no terms = all; else the equal group, or ValueError when there is none.</summary>
    internal void DelJournalMatch(IReadOnlyList<string> terms)
    {
        lock (_journalMatches)
        {
            if (terms.Count == 0)
            {
                _journalMatches.Clear();
            }
            else
            {
                var i = _journalMatches.FindIndex(g => g.SequenceEqual(terms));
                if (i < 0) throw new ArgumentException($"Match [{string.Join(", ", terms.Select(t => $"'{t}'"))}] not found");
                _journalMatches.RemoveAt(i);
            }
        }
        if (_source is IJournalLogSource journal)
        {
            journal.DelMatch(terms.Count == 0 ? null : terms);
        }
    }

    /// <summary><c>set &lt;jail&gt; addaction &lt;name&gt;</c>: an empty command action (its properties follow).</summary>
    internal void AddAction(string name)
    {
        if (_actions.Any(a => a.Name == name)) throw new ArgumentException($"Action {name} already exists");
        var action = CreateAction(new Core.Configuration.ActionDefinition { Name = name, File = name });
        _actions = [.. _actions, action];
    }

    /// <summary><c>set &lt;jail&gt; delaction</c>: removed without running actionstop, as fail2ban 1.0.2 does.</summary>
    internal bool DelAction(string name)
    {
        var kept = _actions.Where(a => a.Name != name).ToArray();
        if (kept.Length == _actions.Length) return false;
        _actions = kept;
        return true;
    }

    /// <summary>
    /// Reload of a kept jail (same backend, no --restart): fail2ban keeps the jail object, so the
    /// fail manager (its tickets, "Currently failed" and "Total failed") carries on with the new settings.
    /// </summary>
    internal void AdoptFailures(Jail old)
    {
        var fail = old.Fail;
        fail.MaxRetry = Fail.MaxRetry;
        fail.FindTime = Fail.FindTime;
        fail.MaxMatches = Fail.MaxMatches;
        Fail = fail;
    }

    /// <summary><c>bantime.&lt;x&gt;</c> options fail2ban stores without using (e.g. a typo): echoed by get.</summary>
    internal Dictionary<string, string> OtherBanTimeOptions { get; } = new(StringComparer.Ordinal);

    public string Name { get; }

    public string Backend { get; }

    public JailDefinition Definition { get; }

    public DateDetector Detector { get; private set; }

    public Filter Filter { get; private set; }

    public FailManager Fail { get; private set; } = new();

    public BanManager Bans { get; } = new();

    public IgnoreFilter Ignore { get; }

    public BanTimeIncrement Increment { get; set; }

    public bool Idle { get; set; }

    /// <summary>File lines skipped because they were not Docker JSON log entries (logformat = docker-json).</summary>
    public long UnparsableLines => Interlocked.Read(ref _unparsableLines);

    private long _unparsableLines;

    public IReadOnlyList<IJailAction> Actions => _actions;

    public IReadOnlyList<string> LogPaths
    {
        get
        {
            lock (_logPaths) return [.. _logPaths.Select(p => p.Path)];
        }
    }

    public bool IsRunning => _cts is not null;

    private double Now => TimeFormat.Now(_s.Time);

    // IActionJailContext
    public long JailBanTime => Bans.BanTime;

    public int BannedCount => Bans.Count;

    public int BannedTotal => (int)Bans.BanTotal;

    public int FoundCount => Fail.Count;

    public int FoundTotal => (int)Fail.FailTotal;

    /// <summary>True while lines or tickets are still being processed (tests wait for it to clear).</summary>
    public bool Busy => Volatile.Read(ref _pendingBatches) > 0 || _queue.Reader.TryPeek(out _); // a single-reader channel has no Count

    private IJailAction CreateAction(Core.Configuration.ActionDefinition a)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in a.Options)
        {
            if (OptionText(v) is { } text) options[k] = text;
        }
        if (a.IsPython)
        {
            throw new JailConfigException($"Jail '{Name}': python action '{a.File}' is not supported");
        }
        if (BuiltinActionFactory.BuiltinNameOf(options) is { } builtin)
        {
            return new BuiltinJailAction(Name, _s.Builtins.Create(Name, builtin, options), options, () => Bans.BanTime);
        }
        var command = new CommandAction(Name, new CoreActionDefinition(a.Name, options), this, _s.Runner, _s.Time,
            log: (level, message) => _s.Log.Log(ActionsLogger, MapLevel(level), message));
        return new CommandJailAction(command, () => Bans.BanTime);
    }

    private static int MapLevel(ActionLogLevel level) => level switch
    {
        ActionLogLevel.Debug => LogLevels.Debug,
        ActionLogLevel.Info => LogLevels.Info,
        ActionLogLevel.Notice => LogLevels.Notice,
        ActionLogLevel.Warning => LogLevels.Warning,
        ActionLogLevel.Error => LogLevels.Error,
        _ => LogLevels.Critical,
    };

    internal static string? OptionText(object? v) => v switch
    {
        null => null,
        string s => s,
        bool b => b ? "True" : "False",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString(),
    };

    /// <summary><c>logformat</c>: <c>plain</c> (default, fail2ban's) or <c>docker-json</c>; true for the latter.</summary>
    internal static bool ParseLogFormat(string jail, string? text) =>
        text?.Trim().ToLowerInvariant() switch
        {
            null or "" or "plain" => false,
            "docker-json" => true,
            _ => throw new JailConfigException($"Jail '{jail}': unknown logformat '{text}' (expected plain or docker-json)"),
        };

    private static int ParseInt(string? text, int fallback, string name) =>
        text is null ? fallback
        : int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v
        : throw new JailConfigException($"invalid {name} value '{text}'");

    private static double Seconds(string? text, double fallback) => text is null ? fallback : TimeSpec.ToSeconds(text).Value;

    /// <summary>Jail start (§2.1): log source, DB registration and restore, actions start, the two loops.</summary>
    public async Task StartAsync(CancellationToken ct = default)
    {
        if (_cts is not null) return;
        _cts = new CancellationTokenSource();
        var store = _s.Store;
        store?.AddJail(Name);
        _source = _s.Sources.Create(Name, Backend, _dockerJson
            ? line => DockerJsonLog.TryParse(line, out var e) ? e.Time : null
            : line => Detector.Find(line, Now) is { Time: { } ht } ? DateTimeOffset.FromUnixTimeMilliseconds((long)(ht * 1000)) : null);
        if (_source is IJournalLogSource journal)
        {
            // the matches are the jail's current list (the filter's journalmatch plus run-time changes)
            JournalJailSetup.Configure(journal, null, Fail.FindTime, store?.GetJournalPos(Name, JournalLogBatch.SourceName), _encoding);
            foreach (var m in JournalMatches) journal.AddMatch(m);
        }
        if (_source is IFileLogSource files)
        {
            if (_encoding is not null) files.SetEncoding(_encoding);
            List<(string Path, bool Tail)> paths;
            lock (_logPaths) paths = [.. _logPaths];
            foreach (var (path, tail) in paths)
            {
                AddFileCore(files, path, tail);
            }
        }

        foreach (var a in _actions)
        {
            try
            {
                await a.StartAsync(ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _s.Log.Log(ActionsLogger, LogLevels.Error, $"Failed to start jail '{Name}' action '{a.Name}': {e.Message}");
            }
        }
        if (store is not null)
        {
            // Restored tickets go through the same bulk path as a burst (§3.10).
            foreach (var t in store.RestoreCurrentBans(Name, Bans.BanTime, Increment, Fail.MaxMatches))
            {
                var d = Ignore.Check(t.Id, t);
                if (d.Ignored)
                {
                    if (d.Source is not null) _s.Log.Log(FilterLogger, LogLevels.Info, BanLogText.Ignore(Name, t.Id, d.Source));
                    continue;
                }
                _queue.Writer.TryWrite(t);
            }
        }
        var token = _cts.Token;
        _actionsLoop = Task.Run(() => ActionsLoopAsync(token), CancellationToken.None);
        _filterLoop = Task.Run(() => FilterLoopAsync(_source, token), CancellationToken.None);
        _s.Log.Log(JailLogger, LogLevels.Info, $"Jail '{Name}' started");
    }

    private void AddFileCore(IFileLogSource files, string path, bool tail)
    {
        StoredLogPosition? stored = null;
        if (_s.Store is { } store && File.Exists(path))
        {
            var hash = FirstLineHash(path);
            if (store.AddLog(Name, path, 0, hash) is { } pos) stored = new StoredLogPosition(pos, hash);
        }
        files.AddFile(new LogFileOptions(path, tail, stored));
    }

    private static string FirstLineHash(string path)
    {
        try
        {
            using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var buf = new byte[4096];
            var n = f.Read(buf, 0, buf.Length);
            var nl = Array.IndexOf(buf, (byte)'\n', 0, n);
            return nl < 0 ? "" : BanStore.FirstLineHash(buf.AsSpan(0, nl + 1));
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>
    /// <c>set &lt;jail&gt; addlogpath</c>: a file already followed is left as it is (fail2ban logs
    /// "already exists"); a missing file is FileNotFoundError, even before the jail starts, as in fail2ban.
    /// </summary>
    public void AddLogPath(string path, bool tail)
    {
        lock (_logPaths)
        {
            if (_logPaths.Any(p => p.Path == path)) return;
        }
        if (!File.Exists(path)) throw new FileNotFoundException("No such file or directory", path);
        if (_source is IFileLogSource files)
        {
            AddFileCore(files, path, tail);
        }
        lock (_logPaths) _logPaths.Add((path, tail));
    }

    public void DelLogPath(string path)
    {
        (_source as IFileLogSource)?.RemoveFile(path);
        lock (_logPaths) _logPaths.RemoveAll(p => p.Path == path);
    }

    public IReadOnlyList<string> FileList =>
        _source is IFileLogSource files ? files.Files.Select(f => f.Path).ToList() : LogPaths;

    private async Task FilterLoopAsync(ILogSource source, CancellationToken ct)
    {
        try
        {
            await foreach (var batch in source.ReadAsync(ct).ConfigureAwait(false))
            {
                Interlocked.Increment(ref _pendingBatches);
                try
                {
                    if (Idle) continue;
                    ProcessBatch(batch);
                }
                finally
                {
                    Interlocked.Decrement(ref _pendingBatches);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            _s.Log.Log(JailLogger, LogLevels.Error, $"Jail '{Name}': log source failed: {e.Message}");
        }
    }

    private void ProcessBatch(LogBatch batch)
    {
        lock (_filterLock)
        {
            Filter.InOperation = batch.InOperation;
            switch (batch)
            {
                case FileLogBatch f when _dockerJson:
                    ProcessDockerLines(f.Path, f.Lines);
                    _s.Store?.UpdateLog(Name, f.Position.Path, f.Position.Position, f.Position.FirstLineHash);
                    break;
                case FileLogBatch f:
                    ProcessFileLines(f.Lines);
                    _s.Store?.UpdateLog(Name, f.Position.Path, f.Position.Position, f.Position.FirstLineHash);
                    break;
                case JournalLogBatch j:
                    foreach (var e in j.Entries)
                    {
                        var now = Now;
                        HandleFailures(Filter.ProcessEntry(e.DateText, e.Message, e.Time.ToUnixTimeMilliseconds() / 1000.0, now), now);
                    }
                    if (j.Entries.Count > 0 && _s.Store is { } journalStore)
                    {
                        var (time, dateText) = JournalJailSetup.Position(j.Entries[^1]);
                        journalStore.UpdateJournal(Name, JournalLogBatch.SourceName, time, dateText);
                    }
                    break;
            }
        }
    }

    /// <summary>
    /// A batch of file lines, in order on this thread, with one clock reading for the batch. (Running the
    /// date detector a thread ahead, as j2b-regex does, was tried: on the daemon bench it left the regex
    /// thread spin-waiting for ~10% of its samples and measured no sooner — 3.86–4.59 s with it against
    /// 3.86–3.95 s without — so the batch stays on one thread.)
    /// </summary>
    internal void ProcessFileLines(IReadOnlyList<FileLogLine> lines)
    {
        if (lines.Count < 64)
        {
            foreach (var line in lines) ProcessLine(line.Text);
            return;
        }
        _filterLogThread = Environment.CurrentManagedThreadId;
        try
        {
            ProcessFileLinesCore(lines);
        }
        finally
        {
            FlushFilterLog();
            _filterLogThread = 0;
        }
    }

    private void ProcessFileLinesCore(IReadOnlyList<FileLogLine> lines)
    {
        var now = Now;
        foreach (var line in lines)
        {
            DateHit? hit;
            try
            {
                hit = Detector.Find(line.Text, now);
            }
            catch (DateConversionException e)
            {
                FilterLog(LogLevels.Warning, $"Failed to process line: {line.Text}: {e.Message}");
                continue;
            }
            IReadOnlyList<Failure> failures;
            try
            {
                failures = Filter.ProcessLine(line.Text, hit, now);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                FilterLog(LogLevels.Error, $"Failed to process line: {line.Text}: {e.Message}");
                continue;
            }
            if (failures.Count > 0) HandleFailures(failures, now);
        }
    }

    /// <summary>
    /// A fail2ban.filter line. While the filter thread processes a batch of file lines, its lines
    /// (Found, warnings) are kept and written together when the batch ends, and before a ticket is
    /// handed to the actions thread, so that an IP's Found lines still precede its Ban line. One
    /// write(2) per batch instead of one per Found: a burst of 200,000 lines has ~30,000 of them.
    /// Each line keeps the time it was made; other threads' lines (another jail's, the actions') may
    /// land between the lines of a batch in the file, so a batch's time stamps can be up to one
    /// batch (a few ms) older than a line written before them.
    /// </summary>
    private void FilterLog(int level, string message)
    {
        if (_filterLogThread == Environment.CurrentManagedThreadId)
        {
            _filterLogBuffer.Add(_s.Log.Record(FilterLogger, level, message));
            return;
        }
        _s.Log.Log(FilterLogger, level, message);
    }

    private void FlushFilterLog()
    {
        if (_filterLogThread != Environment.CurrentManagedThreadId || _filterLogBuffer.Count == 0) return;
        _s.Log.LogMany(_filterLogBuffer);
        _filterLogBuffer.Clear();
    }

    /// <summary>A ticket that reached maxretry goes to the actions thread, after the Found lines before it.</summary>
    private void QueueBan(Ticket ticket)
    {
        FlushFilterLog();
        _queue.Writer.TryWrite(ticket);
    }

    /// <summary>
    /// logformat = docker-json: each line is a JSON object parsed by <see cref="DockerJsonLog"/>
    /// (split entries joined per file), then goes to the filter like a journal entry — the regexes
    /// see the <c>log</c> text and the time is Docker's, so no date detection runs on it.
    /// Lines that are not Docker entries are counted and skipped.
    /// </summary>
    internal void ProcessDockerLines(string path, IReadOnlyList<FileLogLine> lines)
    {
        if (!_dockerAssemblers.TryGetValue(path, out var assembler))
        {
            _dockerAssemblers[path] = assembler = new DockerJsonLogAssembler();
        }
        var zone = _s.Time.LocalTimeZone;
        foreach (var line in lines)
        {
            if (!DockerJsonLog.TryParse(line.Text, out var entry))
            {
                Interlocked.Increment(ref _unparsableLines);
                var shown = line.Text.Length > 200 ? line.Text[..200] + "..." : line.Text;
                _s.Log.Log(FilterLogger, LogLevels.Debug, $"[{Name}] Skipped a line of {path} that is not a Docker JSON log entry: {shown}");
                continue;
            }
            if (!assembler.Add(entry, out var complete)) continue;
            var now = Now;
            IReadOnlyList<Failure> failures;
            try
            {
                failures = Filter.ProcessEntry(JournalEntryFormatter.IsoFormat(complete.Time, zone) + " ", complete.Message,
                    complete.Time.ToUnixTimeMilliseconds() / 1000.0, now);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _s.Log.Log(FilterLogger, LogLevels.Error, $"Failed to process line: {complete.Message}: {e.Message}");
                continue;
            }
            HandleFailures(failures, now);
        }
    }

    /// <summary>One log line through the filter and the fail manager (§3.1).</summary>
    internal void ProcessLine(string line)
    {
        var now = Now;
        IReadOnlyList<Failure> failures;
        try
        {
            failures = Filter.ProcessLine(line, now);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _s.Log.Log(FilterLogger, LogLevels.Error, $"Failed to process line: {line}: {e.Message}");
            return;
        }
        HandleFailures(failures, now);
    }

    private void HandleFailures(IReadOnlyList<Failure> failures, double now)
    {
        foreach (var f in failures)
        {
            if (f.Id is null || f.IsNoFail) continue;
            // Dates older than findtime are dropped by the filter itself while reading old content
            // (not in operation); in operation fail2ban takes far-off dates as now.
            var time = f.Time ?? now;
            var id = f.Id.IsAddress ? IPAddr.Parse(f.Id.Text) : IPAddr.FromRaw(f.Id.Text);
            var matches = f.Data.Matches.Select(m => MatchLine.Split(m.Prefix, m.DateText, m.Suffix));
            var ticket = Ticket.FromFailure(id, time, matches, f.Data);
            AddFailure(ticket, now);
        }
        if (now - _lastCleanup >= 5)
        {
            _lastCleanup = now;
            Fail.Cleanup(now);
        }
    }

    /// <summary>A failure that passed the filter: ignore checks, Found, maxretry (§3.3).</summary>
    /// <returns>False when ignored.</returns>
    internal bool AddFailure(Ticket ticket, double now, bool attempt = false)
    {
        var id = ticket.Id;
        var d = Ignore.Check(id, ticket);
        if (d.Ignored)
        {
            if (d.Source is not null) FilterLog(LogLevels.Info, BanLogText.Ignore(Name, id, d.Source));
            return false;
        }
        var zone = _s.Time.LocalTimeZone;
        FilterLog(LogLevels.Info, attempt ? BanLogText.Attempt(Name, id, ticket.Time, zone) : BanLogText.Found(Name, id, ticket.Time, zone));
        if (Fail.AddFailure(ticket) >= Fail.MaxRetry)
        {
            if (Fail.ToBan(id) is { } t) QueueBan(t);
            return true;
        }
        if (Increment.Enabled && _s.Store is { } store)
        {
            var o = BanIncrementFlow.OnFailureFound(Fail, ticket, true, store.GetBanHistory(id.Text, Name, false));
            if (o.Status == FailureBoostStatus.Boosted)
            {
                FilterLog(LogLevels.Info, BanLogText.FoundBad(Name, id, ticket.Time, o.BanCount, o.TargetRetry, Fail.MaxRetry, zone));
                if (o.Ban && Fail.ToBan(id) is { } t) QueueBan(t);
            }
        }
        return true;
    }

    /// <summary>Manual ban (<c>banip</c>): a ticket straight into the ban path.</summary>
    internal void EnqueueBan(Ticket ticket) => _queue.Writer.TryWrite(ticket);

    private async Task ActionsLoopAsync(CancellationToken ct)
    {
        var reader = _queue.Reader;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                using var wake = CancellationTokenSource.CreateLinkedTokenSource(ct);
                var delay = Task.Delay(TimeSpan.FromSeconds(1), _s.Time, wake.Token);
                var ready = reader.WaitToReadAsync(wake.Token).AsTask();
                await Task.WhenAny(delay, ready).ConfigureAwait(false);
                await wake.CancelAsync().ConfigureAwait(false);
                ct.ThrowIfCancellationRequested();
                var batch = new List<Ticket>();
                while (reader.TryRead(out var t)) batch.Add(t);
                if (batch.Count > 0) await BanTicketsAsync(batch, ct).ConfigureAwait(false);
                await CheckUnbansAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                _s.Log.Log(ActionsLogger, LogLevels.Error, $"[{Name}] actions loop: {e.Message}");
            }
        }
    }

    /// <summary>The ban of queued tickets (§3.7, §3.9), all at once: one DB write, bulk action calls.</summary>
    internal async Task BanTicketsAsync(IReadOnlyList<Ticket> tickets, CancellationToken ct = default)
    {
        var now = Now;
        var zone = _s.Time.LocalTimeZone;
        var store = _s.Store;
        var accepted = new List<Ticket>();
        var writes = new List<BanWrite>();
        foreach (var t in tickets)
        {
            var bt = t.GetBanTime(Bans.BanTime);
            var r = Bans.AddBanTicket(t, now);
            if (r.Status == BanAddStatus.Expired)
            {
                _s.Log.Log(ActionsLogger, LogLevels.Notice, BanLogText.ExpiredBantime(Name, t.Id));
                continue;
            }
            if (!r.Added)
            {
                var lvl = BanLogText.AlreadyBannedLevel(t.Time - (r.Existing?.Time ?? t.Time));
                _s.Log.Log(ActionsLogger, lvl == 0 ? LogLevels.Notice : lvl == 1 ? LogLevels.Info : LogLevels.Debug, BanLogText.AlreadyBanned(Name, t.Id));
                continue;
            }
            if (!t.Restored)
            {
                var o = BanIncrementFlow.OnBanFound(t, bt, Increment, store is not null,
                    () => store!.GetBanHistory(t.Id.Text, Name, Increment.OverallJails), now);
                if (o.BadHistory is { } h)
                {
                    _s.Log.Log(ActionsLogger, LogLevels.Info, BanLogText.IsBad(Name, t.Id, h, new PyNumber(o.OldBanTime, false), o.NewBanTime, zone));
                }
                if (o.Increased)
                {
                    _s.Log.Log(ActionsLogger, LogLevels.Notice, BanLogText.IncreaseBan(Name, t.Id, t.BanCount, o, t.Time, zone));
                }
                if (o.WriteToDatabase && store is not null) writes.Add(new BanWrite(Name, t, Bans.BanTime) { BanTime = t.GetBanTime(Bans.BanTime) });
            }
            _s.Log.Log(ActionsLogger, LogLevels.Notice, BanLogText.Ban(Name, t.Id, t.Restored));
            accepted.Add(t);
        }
        if (writes.Count > 0) store!.AddBans(writes);
        if (accepted.Count == 0) return;
        // Tickets already in the ban list get their commands even when the jail is stopping:
        // the stop's flush then unbans them consistently.
        _ = ct;
        await _actionGate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            foreach (var a in _actions)
            {
                foreach (var (t, error) in await a.BanManyAsync(accepted, CancellationToken.None).ConfigureAwait(false))
                {
                    _s.Log.Log(ActionsLogger, LogLevels.Error, $"Failed to execute ban jail '{Name}' action '{a.Name}' info '{t}': {error}");
                }
            }
        }
        finally
        {
            _actionGate.Release();
        }
        foreach (var t in accepted) t.Banned = true;
    }

    /// <summary>Unbans tickets whose bantime is over (the actions loop calls this every second).</summary>
    internal async Task<int> CheckUnbansAsync(CancellationToken ct = default)
    {
        if (Bans.Count == 0 || Bans.NextUnbanTime > Now) return 0;
        var expired = Bans.UnBanList(Now);
        await UnbanTicketsAsync(expired, ct).ConfigureAwait(false);
        return expired.Count;
    }

    internal async Task UnbanTicketsAsync(IReadOnlyList<Ticket> tickets, CancellationToken ct = default)
    {
        if (tickets.Count == 0) return;
        foreach (var t in tickets) _s.Log.Log(ActionsLogger, LogLevels.Notice, BanLogText.Unban(Name, t.Id));
        await _actionGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            foreach (var a in _actions)
            {
                foreach (var (t, error) in await a.UnbanManyAsync(tickets, ct).ConfigureAwait(false))
                {
                    _s.Log.Log(ActionsLogger, LogLevels.Error, $"Failed to execute unban jail '{Name}' action '{a.Name}' info '{t}': {error}");
                }
            }
        }
        finally
        {
            _actionGate.Release();
        }
    }

    /// <summary>Manual unban: removes from the ban list and the database, then runs the actions.</summary>
    internal async Task<bool> UnbanAsync(IPAddr id, CancellationToken ct = default)
    {
        if (Bans.Remove(id) is not { } t) return false;
        _s.Store?.DelBan(Name, id.Text);
        await UnbanTicketsAsync([t], ct).ConfigureAwait(false);
        return true;
    }

    /// <summary>Unbans everything (unban --all / stop); returns the count.</summary>
    internal async Task<int> FlushAsync(bool deleteFromDb, CancellationToken ct = default)
    {
        var all = Bans.Flush();
        if (deleteFromDb && all.Count > 0) _s.Store?.DelBan(Name, [.. all.Select(t => t.Id.Text)]);
        await UnbanTicketsAsync(all, ct).ConfigureAwait(false);
        return all.Count;
    }

    /// <summary>Jail stop: loops end, bans are lifted (kept in the DB for the next start), actions stop.</summary>
    public async Task StopAsync(CancellationToken ct = default)
    {
        if (_cts is not { } cts) return;
        await cts.CancelAsync().ConfigureAwait(false);
        try
        {
            if (_filterLoop is not null) await _filterLoop.ConfigureAwait(false);
            if (_actionsLoop is not null) await _actionsLoop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        if (_source is not null) await _source.DisposeAsync().ConfigureAwait(false);
        _source = null;
        await FlushAsync(deleteFromDb: false, ct).ConfigureAwait(false);
        var actions = _actions;
        for (var i = actions.Length - 1; i >= 0; i--)
        {
            try
            {
                await actions[i].StopAsync(ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _s.Log.Log(ActionsLogger, LogLevels.Error, $"Failed to stop jail '{Name}' action '{actions[i].Name}': {e.Message}");
            }
        }
        _s.Store?.DelJail(Name);
        cts.Dispose();
        _cts = null;
        _s.Log.Log(JailLogger, LogLevels.Info, $"Jail '{Name}' stopped");
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _actionGate.Dispose();
    }
}

/// <summary>A jail cannot be built from its definition; the message names the jail and the option.</summary>
internal sealed class JailConfigException(string message) : Exception(message);

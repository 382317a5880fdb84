using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using Jail2Ban.Server.Logging;
using Microsoft.Extensions.Logging;

namespace Jail2Ban.Server.Logs;

/// <summary>
/// Options of the <c>systemd</c> backend (<c>backend = systemd[journalpath=..., ...]</c>), with
/// fail2ban 1.0.2's meaning (filtersystemd._getJournalArgs).
/// </summary>
/// <param name="JournalPath">journalpath: a journal directory (<c>--directory</c>).</param>
/// <param name="JournalFiles">journalfiles: files or globs, split on blanks and commas (<c>--file</c>, one each).</param>
/// <param name="JournalFlags">journalflags: sd_journal_open flags. Without it and without a path or
/// files, fail2ban uses 4 (SYSTEM) or $F2B_SYSTEMD_DEFAULT_FLAGS.</param>
/// <param name="Namespace">namespace: <c>--namespace</c>.</param>
/// <param name="DefaultFlags">The flags used when none are given and no path or files are set.</param>
public sealed partial record JournalOptions(
    string? JournalPath = null,
    IReadOnlyList<string>? JournalFiles = null,
    int? JournalFlags = null,
    string? Namespace = null,
    int DefaultFlags = JournalOptions.SystemOnly)
{
    public const int LocalOnly = 1;
    public const int RuntimeOnly = 2;
    public const int SystemOnly = 4;
    public const int CurrentUser = 8;
    public const int OsRoot = 16;

    /// <summary>Builds the options from the backend's bracket options; unknown keys are an error
    /// (fail2ban's filter constructor rejects them too).</summary>
    public static JournalOptions FromBackendOptions(IReadOnlyDictionary<string, string> options, int defaultFlags = SystemOnly)
    {
        var o = new JournalOptions(DefaultFlags: defaultFlags);
        foreach (var (k, v) in options)
        {
            o = k switch
            {
                "journalpath" => o with { JournalPath = v.Length == 0 ? null : v },
                "journalfiles" => o with { JournalFiles = Words().Split(v.Trim()).Where(w => w.Length > 0).ToList() },
                "journalflags" => o with
                {
                    JournalFlags = int.TryParse(v.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var f)
                        ? f
                        : throw new ArgumentException($"Invalid systemd backend option journalflags='{v}': an integer (sd_journal_open flags) is expected"),
                },
                "namespace" => o with { Namespace = v },
                _ => throw new ArgumentException($"Invalid systemd backend option '{k}' (known: journalpath, journalfiles, journalflags, namespace)"),
            };
        }
        return o;
    }

    /// <summary>Flags in effect: the given ones, else the default when no path or files are set (as fail2ban).</summary>
    public int? EffectiveFlags => JournalFlags ?? (HasLocation ? null : DefaultFlags);

    private bool HasLocation => JournalPath is not null || JournalFiles is { Count: > 0 };

    /// <summary>What is read, for messages: the directory, the files or the system journal.</summary>
    public string Describe() =>
        JournalPath is { } p ? "journal directory " + p
        : JournalFiles is { Count: > 0 } f ? "journal file(s) " + string.Join(", ", f)
        : "the system journal";

    /// <summary>
    /// journalctl arguments selecting the journal. journalctl opens a directory with the type
    /// flags (--system, --user), files with none, and the default journals with LOCAL_ONLY unless
    /// --merge, so flags map as: 4 → --system, 8 → --user, bit 1 absent → --merge (no path/files).
    /// With LOCAL_ONLY on the default journal, journalctl --follow reads the latest boot only.
    /// RUNTIME_ONLY (2) and OS_ROOT (16) have no journalctl equivalent: see <see cref="IgnoredFlags"/>.
    /// </summary>
    public List<string> SelectionArgs()
    {
        var a = new List<string>();
        if (JournalPath is { } dir)
        {
            a.Add("--directory=" + dir);
        }
        foreach (var f in JournalFiles ?? [])
        {
            a.Add("--file=" + f);
        }
        if (Namespace is { } ns)
        {
            a.Add("--namespace=" + ns);
        }
        if (EffectiveFlags is { } flags && JournalFiles is not { Count: > 0 })
        {
            if ((flags & SystemOnly) != 0)
            {
                a.Add("--system");
            }
            if ((flags & CurrentUser) != 0)
            {
                a.Add("--user");
            }
        }
        // --merge also keeps journalctl --follow from limiting itself to the latest boot (-b is implied
        // otherwise, and fails on a journal without entries yet). It opens the default journal without
        // LOCAL_ONLY, so it is left out only when LOCAL_ONLY is asked for; a directory or files are
        // opened the same with or without it.
        if (JournalPath is not null || JournalFiles is { Count: > 0 } || (EffectiveFlags is { } effective && (effective & LocalOnly) == 0))
        {
            a.Add("--merge");
        }
        return a;
    }

    /// <summary>Flag bits journalctl cannot express for this selection (they are ignored, with a warning).</summary>
    public int IgnoredFlags
    {
        get
        {
            if (EffectiveFlags is not { } flags)
            {
                return 0;
            }
            // journalctl opens --file with no flags at all, and a --directory without LOCAL_ONLY.
            var expressible = JournalFiles is { Count: > 0 } ? 0 : JournalPath is not null ? SystemOnly | CurrentUser : SystemOnly | CurrentUser | LocalOnly;
            return flags & ~expressible;
        }
    }

    [GeneratedRegex(@"[\s,]+")]
    private static partial Regex Words();
}

/// <summary>Where the journal reader starts (fail2ban: max(DB time, now − findtime)).</summary>
/// <param name="FindTime">The jail's findtime.</param>
/// <param name="StoredTime">Journal position saved in the DB (path <c>systemd-journal</c>): the time of the last
/// entry processed. Entries up to it are not read again.</param>
/// <param name="AfterCursor">An exact resume point; when set it wins over the times.</param>
public sealed record JournalStart(TimeSpan FindTime, DateTimeOffset? StoredTime = null, string? AfterCursor = null);

/// <summary>The systemd journal as a jail's input, with its journalmatch and start position.</summary>
public interface IJournalLogSource : ILogSource
{
    void AddMatch(IReadOnlyList<string> terms);

    void DelMatch(IReadOnlyList<string>? terms);

    IReadOnlyList<IReadOnlyList<string>> Matches { get; }

    void SetStart(JournalStart start);

    void SetEncoding(string name);

    string? LastCursor { get; }

    DateTimeOffset? LastTime { get; }
}

/// <summary>
/// The <c>systemd</c> backend: follows the journal with <c>journalctl -f -o json</c> and the
/// jail's journalmatch terms. We run journalctl instead of binding libsystemd: no native ABI to
/// track and no blocking sd_journal calls on our threads, while its JSON output carries every
/// field and a cursor to resume from.
/// </summary>
internal sealed partial class JournalLogSource : IJournalLogSource
{
    private const int MaxEntriesPerBatch = 1000;
    private readonly Lock _gate = new();
    private readonly IJournalCtl _journalctl;
    private readonly JournalOptions _options;
    private readonly string _jail;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private readonly List<List<string>> _groups = [];
    private JournalStart _start = new(TimeSpan.FromMinutes(10));
    private Encoding _encoding = LogEncodings.Resolve("auto");

    public JournalLogSource(string jail, JournalOptions options, IJournalCtl journalctl, ILogger log, TimeProvider time)
    {
        _jail = jail;
        _options = options;
        _journalctl = journalctl;
        _log = log;
        _time = time;
    }

    public string Backend => "systemd";

    /// <summary>Cursor of the last entry delivered (to resume exactly after a restart).</summary>
    public string? LastCursor { get; private set; }

    /// <summary>Time of the last entry delivered: what fail2ban stores as the journal position.</summary>
    public DateTimeOffset? LastTime { get; private set; }

    /// <summary>Sets where reading starts; call before <see cref="ReadAsync"/>.</summary>
    public void SetStart(JournalStart start)
    {
        lock (_gate)
        {
            _start = start;
        }
    }

    public void SetEncoding(string name) => _encoding = LogEncodings.Resolve(name);

    /// <summary><c>addjournalmatch</c>: FIELD=value terms ANDed, a <c>+</c> term starts an OR group.</summary>
    public void AddMatch(IReadOnlyList<string> terms)
    {
        foreach (var t in terms)
        {
            if (t != "+" && !MatchTerm().IsMatch(t))
            {
                throw new ArgumentException($"Error adding journal match for: '{string.Join(' ', terms)}'");
            }
        }
        lock (_gate)
        {
            // A new journalmatch line is its own OR group, as python-systemd's add_disjunction does.
            var group = new List<string>();
            foreach (var t in terms)
            {
                if (t == "+")
                {
                    if (group.Count > 0)
                    {
                        _groups.Add(group);
                    }
                    group = [];
                }
                else
                {
                    group.Add(t);
                }
            }
            if (group.Count > 0)
            {
                _groups.Add(group);
            }
        }
    }

    /// <summary><c>deljournalmatch</c>: removes the given group, or all of them when <paramref name="terms"/> is null.</summary>
    public void DelMatch(IReadOnlyList<string>? terms)
    {
        lock (_gate)
        {
            if (terms is null)
            {
                _groups.Clear();
                return;
            }
            var idx = _groups.FindIndex(g => g.SequenceEqual(terms));
            if (idx < 0)
            {
                throw new ArgumentException($"Match not found: {string.Join(' ', terms)}");
            }
            _groups.RemoveAt(idx);
        }
    }

    /// <summary>The match groups as fail2ban's <c>get journalmatch</c> shows them.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Matches
    {
        get
        {
            lock (_gate)
            {
                return _groups.Select(g => (IReadOnlyList<string>)g.ToList()).ToList();
            }
        }
    }

    /// <summary>journalctl arguments selecting the journal and the matches (without mode flags).</summary>
    internal List<string> SelectionArgs()
    {
        var a = new List<string> { "-o", "json", "--all", "--no-pager" };
        a.AddRange(_options.SelectionArgs());
        lock (_gate)
        {
            for (var i = 0; i < _groups.Count; i++)
            {
                if (i > 0)
                {
                    a.Add("+");
                }
                a.AddRange(_groups[i]);
            }
        }
        return a;
    }

    /// <summary>python-systemd 235 (Debian 12's, under fail2ban 1.0.2) gives journal times in the
    /// local UTC offset of the moment it was loaded, so the date text carries that offset.</summary>
    private TimeSpan Offset() => _time.LocalTimeZone.GetUtcOffset(_time.GetUtcNow());

    private JournalCtlException Unreadable(string reason) =>
        new($"cannot read {_options.Describe()} (systemd backend of jail '{_jail}'): {reason}");

    public async IAsyncEnumerable<LogBatch> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (Matches.Count == 0)
        {
            _log.Log(LogLevel.Information, Fail2BanEvents.Notice,
                "[{Jail}] Jail started without 'journalmatch' set. Jail regexs will be checked against all journal entries, which is not advised for performance reasons.", _jail);
        }
        if (_options.IgnoredFlags is not 0 and var ignored)
        {
            _log.LogWarning("[{Jail}] journalflags {Flags}: bits {Ignored} cannot be expressed with journalctl for {What} and are ignored",
                _jail, _options.EffectiveFlags, ignored, _options.Describe());
        }
        JournalStart start;
        lock (_gate)
        {
            start = _start;
        }
        var offset = Offset();
        var selection = SelectionArgs();
        // The last entry present now decides when the backlog is over ("in operation").
        JournalCtlResult probe;
        try
        {
            probe = await _journalctl.RunAsync([.. selection, "-n", "1"], cancellationToken).ConfigureAwait(false);
        }
        catch (JournalCtlException e)
        {
            throw Unreadable(e.Message);
        }
        if (probe.ExitCode != 0)
        {
            throw Unreadable(probe.Errors.Length > 0 ? probe.Errors : $"journalctl exited with code {probe.ExitCode}");
        }
        var last = probe.Lines.Select(l => JournalEntryFormatter.Parse(l, offset, _encoding)).LastOrDefault(e => e is not null);
        var now = _time.GetUtcNow();
        var follow = new List<string>(selection) { "--follow" };
        var inOperation = false;
        DateTimeOffset? skipThrough = null;
        if (start.AfterCursor is { } cursor)
        {
            follow.Add("--after-cursor=" + cursor);
        }
        else if (last is not null)
        {
            var from = now - start.FindTime;
            if (start.StoredTime is { } stored && stored >= from)
            {
                from = stored;
                // fail2ban seeks to the stored time; the entries stamped up to it were processed
                // before the restart and are skipped (1.0.2 reads the last one again when its
                // source time precedes its journal time, as it does for every journald entry).
                skipThrough = stored;
            }
            follow.Add("--since=@" + UnixSeconds(from));
        }
        else
        {
            follow.Add("--since=@" + UnixSeconds(now));
        }
        // -f alone would start with the last 10 entries; we select the start ourselves.
        follow.Add("--no-tail");
        if (last is null)
        {
            InOperationNow(ref inOperation);
        }

        var channel = Channel.CreateBounded<JournalEntry>(new BoundedChannelOptions(4 * MaxEntriesPerBatch) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pump = Task.Run(() => PumpAsync(follow, selection, offset, channel.Writer, stop.Token), CancellationToken.None);

        try
        {
            var batch = new List<JournalEntry>();
            while (true)
            {
                bool more;
                try
                {
                    more = await channel.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    yield break;
                }
                if (!more)
                {
                    yield break;
                }
                var batchInOperation = inOperation;
                while (batch.Count < MaxEntriesPerBatch && channel.Reader.TryRead(out var entry))
                {
                    var isLast = entry.Cursor.Length > 0 && entry.Cursor == last?.Cursor;
                    if (skipThrough is { } s)
                    {
                        if (entry.Time <= s)
                        {
                            if (isLast && !inOperation)
                            {
                                InOperationNow(ref inOperation);
                                batchInOperation = batch.Count == 0 || batchInOperation;
                            }
                            continue;
                        }
                        skipThrough = null;
                    }
                    batch.Add(entry);
                    LastCursor = entry.Cursor;
                    LastTime = entry.Time;
                    if (!inOperation && (isLast || entry.Time >= _time.GetUtcNow() - TimeSpan.FromSeconds(1)))
                    {
                        // Entries up to here are backlog; later ones are live.
                        yield return new JournalLogBatch(batchInOperation, batch);
                        batch = [];
                        InOperationNow(ref inOperation);
                        batchInOperation = true;
                    }
                }
                if (batch.Count > 0)
                {
                    yield return new JournalLogBatch(batchInOperation, batch);
                    batch = [];
                }
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await pump.ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException)
            {
            }
        }
    }

    private static string UnixSeconds(DateTimeOffset t)
    {
        var micros = (t - DateTimeOffset.UnixEpoch).Ticks / 10;
        var sec = Math.DivRem(micros, 1_000_000, out var frac);
        return frac == 0
            ? sec.ToString(CultureInfo.InvariantCulture)
            : sec.ToString(CultureInfo.InvariantCulture) + "." + frac.ToString("000000", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Runs journalctl and feeds the channel. If journalctl ends (journald restarted, journal
    /// files vanished), it is started again after a pause, resuming after the last cursor.
    /// </summary>
    private async Task PumpAsync(List<string> follow, List<string> selection, TimeSpan offset, ChannelWriter<JournalEntry> writer, CancellationToken token)
    {
        string? lastCursor = null;
        string? cursorBefore = null;
        var delay = RestartDelay;
        try
        {
            while (!token.IsCancellationRequested)
            {
                string? failure = null;
                try
                {
                    await foreach (var line in _journalctl.FollowAsync(follow, token).ConfigureAwait(false))
                    {
                        if (JournalEntryFormatter.Parse(line, offset, _encoding) is { } entry)
                        {
                            if (entry.Cursor.Length > 0)
                            {
                                lastCursor = entry.Cursor;
                            }
                            await writer.WriteAsync(entry, token).ConfigureAwait(false);
                        }
                    }
                }
                catch (JournalCtlException e)
                {
                    failure = e.Message;
                }
                if (token.IsCancellationRequested)
                {
                    break;
                }
                if (failure is null)
                {
                    _log.LogError("[{Jail}] journalctl ended unexpectedly, restarting it in {Seconds} s", _jail, delay.TotalSeconds);
                }
                else
                {
                    _log.LogError("[{Jail}] journalctl failed on {What}: {Reason}; restarting it in {Seconds} s", _jail, _options.Describe(), failure, delay.TotalSeconds);
                }
                await Task.Delay(delay, _time, token).ConfigureAwait(false);
                // A journal that stays unreadable is retried less and less often, up to a minute.
                delay = lastCursor != cursorBefore ? RestartDelay : TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromMinutes(1).Ticks));
                cursorBefore = lastCursor;
                if (lastCursor is not null)
                {
                    follow = [.. selection, "--follow", "--no-tail", "--after-cursor=" + lastCursor];
                }
            }
            writer.TryComplete();
        }
        catch (Exception e)
        {
            writer.TryComplete(e is OperationCanceledException ? null : e);
        }
    }

    internal TimeSpan RestartDelay { get; init; } = TimeSpan.FromSeconds(2);

    private void InOperationNow(ref bool inOperation)
    {
        inOperation = true;
        _log.LogInformation("[{Jail}] Jail is in operation now (process new journal entries)", _jail);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [GeneratedRegex(@"^[A-Z0-9_]+=", RegexOptions.CultureInvariant)]
    private static partial Regex MatchTerm();
}

using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using Jail2Ban.Server.Logging;
using Microsoft.Extensions.Logging;

namespace Jail2Ban.Server.Logs;

/// <summary>Options of the <c>systemd</c> backend (<c>backend = systemd[journalpath=..., ...]</c>).</summary>
/// <param name="JournalPath">journalpath: a journal directory (<c>--directory</c>).</param>
/// <param name="JournalFiles">journalfiles: files (<c>--file</c>, journalctl globs them).</param>
/// <param name="JournalFlags">journalflags: 4 (SYSTEM) → <c>--system</c>, 8 (CURRENT_USER) → <c>--user</c>.</param>
/// <param name="Namespace">namespace: <c>--namespace</c>.</param>
public sealed record JournalOptions(string? JournalPath = null, IReadOnlyList<string>? JournalFiles = null, int? JournalFlags = null, string? Namespace = null)
{
    /// <summary>Builds the options from the backend's bracket options; unknown keys are an error.</summary>
    public static JournalOptions FromBackendOptions(IReadOnlyDictionary<string, string> options)
    {
        var o = new JournalOptions();
        foreach (var (k, v) in options)
        {
            o = k switch
            {
                "journalpath" => o with { JournalPath = v },
                "journalfiles" => o with { JournalFiles = v.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) },
                "journalflags" => o with { JournalFlags = int.Parse(v, CultureInfo.InvariantCulture) },
                "namespace" => o with { Namespace = v },
                "rotated" => o, // 1.1.1+: journalctl always sees rotated files too
                _ => throw new ArgumentException($"Invalid systemd backend option '{k}'"),
            };
        }
        return o;
    }
}

/// <summary>Where the journal reader starts (fail2ban: max(DB time, now − findtime)).</summary>
/// <param name="FindTime">The jail's findtime.</param>
/// <param name="StoredTime">Journal position saved in the DB (path <c>systemd-journal</c>), if any.</param>
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

/// <summary>Runs journalctl; tests substitute canned output.</summary>
internal interface IJournalCtl
{
    /// <summary>Runs to completion and returns stdout lines.</summary>
    Task<IReadOnlyList<string>> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken);

    /// <summary>Runs until cancelled, yielding stdout lines.</summary>
    IAsyncEnumerable<string> FollowAsync(IReadOnlyList<string> args, CancellationToken cancellationToken);
}

internal sealed class JournalCtlProcess(string executable = "journalctl") : IJournalCtl
{
    public async Task<IReadOnlyList<string>> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        using var p = Start(args);
        var lines = new List<string>();
        while (await p.StandardOutput.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            lines.Add(line);
        }
        await p.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        return lines;
    }

    public async IAsyncEnumerable<string> FollowAsync(IReadOnlyList<string> args, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var p = Start(args);
        try
        {
            while (true)
            {
                string? line;
                try
                {
                    line = await p.StandardOutput.ReadLineAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    yield break;
                }
                if (line is null)
                {
                    yield break;
                }
                yield return line;
            }
        }
        finally
        {
            if (!p.HasExited)
            {
                p.Kill();
            }
        }
    }

    private Process Start(IReadOnlyList<string> args)
    {
        var psi = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = false,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = new UTF8Encoding(false),
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        return Process.Start(psi) ?? throw new IOException("cannot start " + executable);
    }
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
        if (_options.JournalPath is { } dir)
        {
            a.Add("--directory=" + dir);
        }
        foreach (var f in _options.JournalFiles ?? [])
        {
            a.Add("--file=" + f);
        }
        if (_options.Namespace is { } ns)
        {
            a.Add("--namespace=" + ns);
        }
        if (_options.JournalFlags is { } flags)
        {
            if ((flags & 4) != 0)
            {
                a.Add("--system");
            }
            if ((flags & 8) != 0)
            {
                a.Add("--user");
            }
        }
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

    public async IAsyncEnumerable<LogBatch> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (Matches.Count == 0)
        {
            _log.Log(LogLevel.Information, Fail2BanEvents.Notice,
                "[{Jail}] Jail started without 'journalmatch' set. Jail regexs will be checked against all journal entries, which is not advised for performance reasons.", _jail);
        }
        JournalStart start;
        lock (_gate)
        {
            start = _start;
        }
        var selection = SelectionArgs();
        // The last entry present now decides when the backlog is over ("in operation").
        var lastArgs = new List<string>(selection) { "-n", "1" };
        var last = (await _journalctl.RunAsync(lastArgs, cancellationToken).ConfigureAwait(false))
            .Select(l => JournalEntryFormatter.Parse(l, _time.LocalTimeZone, _encoding)).LastOrDefault(e => e is not null);
        var now = _time.GetUtcNow();
        var follow = new List<string>(selection) { "--follow" };
        var inOperation = false;
        if (start.AfterCursor is { } cursor)
        {
            follow.Add("--after-cursor=" + cursor);
        }
        else if (last is not null)
        {
            var from = now - start.FindTime;
            if (start.StoredTime is { } stored && stored > from)
            {
                from = stored;
            }
            follow.Add("--since=@" + from.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        }
        else
        {
            follow.Add("--since=@" + now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        }
        // -f alone would start with the last 10 entries; we select the start ourselves.
        follow.Add("--no-tail");
        if (last is null)
        {
            InOperationNow(ref inOperation);
        }

        var channel = Channel.CreateBounded<JournalEntry>(new BoundedChannelOptions(4 * MaxEntriesPerBatch) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pump = Task.Run(() => PumpAsync(follow, selection, channel.Writer, stop.Token), CancellationToken.None);

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
                    batch.Add(entry);
                    LastCursor = entry.Cursor;
                    LastTime = entry.Time;
                    if (!inOperation && (entry.Cursor == last?.Cursor || entry.Time >= _time.GetUtcNow() - TimeSpan.FromSeconds(1)))
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

    /// <summary>
    /// Runs journalctl and feeds the channel. If journalctl ends (journald restarted, journal
    /// files vanished), it is started again after a pause, resuming after the last cursor.
    /// </summary>
    private async Task PumpAsync(List<string> follow, List<string> selection, ChannelWriter<JournalEntry> writer, CancellationToken token)
    {
        string? lastCursor = null;
        try
        {
            while (!token.IsCancellationRequested)
            {
                await foreach (var line in _journalctl.FollowAsync(follow, token).ConfigureAwait(false))
                {
                    if (JournalEntryFormatter.Parse(line, _time.LocalTimeZone, _encoding) is { } entry)
                    {
                        lastCursor = entry.Cursor;
                        await writer.WriteAsync(entry, token).ConfigureAwait(false);
                    }
                }
                if (token.IsCancellationRequested)
                {
                    break;
                }
                _log.LogError("[{Jail}] journalctl ended unexpectedly, restarting it in {Seconds} s", _jail, RestartDelay.TotalSeconds);
                await Task.Delay(RestartDelay, _time, token).ConfigureAwait(false);
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

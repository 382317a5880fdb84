namespace Jail2Ban.Server.Builtin;

/// <summary>
/// <c>blocklist-csv[file=/var/lib/jail2ban/blocklist.csv, history=/var/log/jail2ban/bans.csv]</c>:
/// keeps a CSV of the current bans (what a router or a web service imports as a blocklist) and,
/// optionally, an append-only history of bans and unbans. It replaces the cron job that greps
/// the log into a CSV.
/// </summary>
/// <remarks>
/// Columns of <c>file</c>: date, time (local, of the ban), ip, jail, failures, bantime (seconds,
/// -1 = permanent), expires (local "yyyy-MM-dd HH:mm:ss" or "never"), bancount, matches (the
/// matched log lines joined by LF, quoted). <c>history</c> has the same columns preceded by
/// event (ban/unban); an unban row carries the time of the unban. When the jail stops, its rows
/// leave <c>file</c> (the bans are lifted then); bans restored at the next start come back.
/// </remarks>
internal sealed class BlocklistCsvAction : IBuiltinAction
{
    private readonly string _jail;
    private readonly BlocklistCsvStore _store;
    private readonly BlocklistCsvHistory? _history;
    private readonly TimeProvider _time;
    private readonly bool _includeMatches;
    private readonly bool _spreadsheet;

    public BlocklistCsvAction(string jail, BuiltinOptions options, BlocklistCsvRegistry registry)
    {
        _jail = jail;
        _time = registry.Time;
        var file = options.GetRequired("file");
        if (!Path.IsPathFullyQualified(file))
        {
            throw options.Error("file", $"must be an absolute path, got '{file}'");
        }

        _store = registry.GetStore(file);
        var history = options.GetString("history");
        if (history is not null)
        {
            if (!Path.IsPathFullyQualified(history))
            {
                throw options.Error("history", $"must be an absolute path, got '{history}'");
            }

            if (Path.GetFullPath(history) == _store.Path)
            {
                throw options.Error("history", "must differ from 'file'");
            }

            _history = registry.GetHistory(history);
        }

        _includeMatches = options.GetBool("matches", true);
        _spreadsheet = options.GetBool("spreadsheet", false);
    }

    public string Name => BuiltinActionFactory.BlocklistCsv;

    internal string FilePath => _store.Path;

    internal string? HistoryPath => _history?.Path;

    public Task StartAsync(CancellationToken cancellationToken) => _store.FlushAsync(cancellationToken);

    // Ban and unban change the shared state and return; the files follow within
    // milliseconds, several changes per write when they come in bursts (CoalescingWriter).
    public Task BanAsync(BanEvent ban, CancellationToken cancellationToken)
    {
        var row = Prepare(ban);
        _store.Set(row);
        _history?.Append("ban", row, _time.GetUtcNow());
        return Task.CompletedTask;
    }

    public Task UnbanAsync(BanEvent ban, CancellationToken cancellationToken)
    {
        var row = Prepare(ban);
        _store.Remove(row.Jail, row.Id);
        _history?.Append("unban", row, _time.GetUtcNow());
        return Task.CompletedTask;
    }

    /// <summary>Removes this jail's rows and waits until both files are on disk.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _store.RemoveJail(_jail);
        await FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Returns when every change made so far is written (tests, stop).</summary>
    internal async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _store.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (_history is not null)
        {
            await _history.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private BanEvent Prepare(BanEvent ban)
    {
        // The runner passes the jail's name; a ban event of another jail reaching this instance
        // would be a runner bug, but the row must still belong to this instance's jail so that
        // StopAsync removes it.
        var row = ban.Jail == _jail ? ban : ban with { Jail = _jail };
        row = _includeMatches ? row : row with { Matches = [] };
        if (_spreadsheet)
        {
            // Spreadsheets run a cell that starts with = + - @ as a formula ("CSV injection");
            // log text can start that way. A leading apostrophe makes it plain text.
            row = row with { Id = Defuse(row.Id), Matches = row.Matches.Select(Defuse).ToArray() };
        }

        return row;
    }

    internal static string Defuse(string value) =>
        value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + value : value;
}

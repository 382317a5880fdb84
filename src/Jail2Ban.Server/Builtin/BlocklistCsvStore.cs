using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Jail2Ban.Server.Builtin;

/// <summary>
/// One current-bans CSV file shared by every jail that names it. All jails of a server that
/// write <c>file=/x.csv</c> get the same store (see <see cref="BlocklistCsvRegistry"/>), so the
/// file is a consistent union of their bans. Each change rewrites the file through a temporary
/// file in the same directory followed by a rename, so a reader (a router's fetch, a cron job)
/// never sees a half-written file. Changes are written in the background by a
/// <see cref="CoalescingWriter"/>: one rewrite per burst of changes, not one per change.
/// </summary>
internal sealed class BlocklistCsvStore
{
    internal static readonly string[] Header =
        ["date", "time", "ip", "jail", "failures", "bantime", "expires", "bancount", "matches"];

    private readonly Lock _stateLock = new();
    private readonly CoalescingWriter _writer;

    // Keyed by (jail, id): the same address banned by two jails is two rows, as in fail2ban
    // where each jail owns its ban. Insertion order is kept so the file reads chronologically.
    private readonly Dictionary<(string Jail, string Id), BanEvent> _rows = [];
    private readonly List<(string Jail, string Id)> _order = [];
    private long _version;
    private long _writtenVersion = -1;

    public BlocklistCsvStore(string path, TimeZoneInfo zone, Action<string, Exception> onError)
    {
        Path = path;
        Zone = zone;
        _writer = new CoalescingWriter(WriteIfChangedAsync, ex => onError(path, ex));
    }

    public string Path { get; }

    public TimeZoneInfo Zone { get; }

    public int Count
    {
        get
        {
            lock (_stateLock)
            {
                return _rows.Count;
            }
        }
    }

    /// <summary>Adds or replaces the row of (jail, id); the file follows in the background.</summary>
    public void Set(BanEvent ban)
    {
        lock (_stateLock)
        {
            var key = (ban.Jail, ban.Id);
            if (!_rows.ContainsKey(key))
            {
                _order.Add(key);
            }

            _rows[key] = ban;
            _version++;
        }

        _writer.Kick();
    }

    public void Remove(string jail, string id)
    {
        lock (_stateLock)
        {
            if (_rows.Remove((jail, id)))
            {
                _order.Remove((jail, id));
                _version++;
            }
        }

        _writer.Kick();
    }

    public void RemoveJail(string jail)
    {
        lock (_stateLock)
        {
            if (_order.RemoveAll(k => k.Jail == jail) > 0)
            {
                foreach (var key in _rows.Keys.Where(k => k.Jail == jail).ToList())
                {
                    _rows.Remove(key);
                }

                _version++;
            }
        }

        _writer.Kick();
    }

    /// <summary>Returns when every change made before the call is on disk (the file exists after the first call).</summary>
    public Task FlushAsync(CancellationToken ct) => _writer.FlushAsync(ct);

    // Called by the writer, one at a time. True when changes arrived during the write.
    private async Task<bool> WriteIfChangedAsync(CancellationToken ct)
    {
        string text;
        long version;
        lock (_stateLock)
        {
            if (_writtenVersion == _version)
            {
                return false;
            }

            version = _version;
            var sb = new StringBuilder();
            Csv.AppendRow(sb, Header);
            foreach (var key in _order)
            {
                Csv.AppendRow(sb, Format(_rows[key]));
            }

            text = sb.ToString();
        }

        await WriteAtomicallyAsync(Path, text, ct).ConfigureAwait(false);
        lock (_stateLock)
        {
            _writtenVersion = version;
            return _writtenVersion != _version;
        }
    }

    internal string[] Format(BanEvent ban) => FormatRow(ban, Zone);

    internal static string[] FormatRow(BanEvent ban, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(ban.Time, zone);
        return
        [
            local.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            local.ToString("HH:mm:ss", CultureInfo.InvariantCulture),
            ban.Ip,
            ban.Jail,
            ban.Failures.ToString(CultureInfo.InvariantCulture),
            ban.BanTimeSeconds.ToString(CultureInfo.InvariantCulture),
            ban.Expires is { } expires
                ? TimeZoneInfo.ConvertTime(expires, zone).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)
                : "never",
            ban.BanCount.ToString(CultureInfo.InvariantCulture),
            string.Join('\n', ban.Matches),
        ];
    }

    private static async Task WriteAtomicallyAsync(string path, string text, CancellationToken ct)
    {
        var dir = System.IO.Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(dir))
        {
            Directory.CreateDirectory(dir);
        }

        // Same directory as the target so the rename stays on one file system (atomic).
        var temp = System.IO.Path.Combine(dir ?? ".", "." + System.IO.Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            await using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, useAsync: true))
            {
                var bytes = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text);
                await stream.WriteAsync(bytes, ct).ConfigureAwait(false);
                await stream.FlushAsync(ct).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>
/// The append-only history CSV: one row per ban and per unban. Shared per path like the store.
/// </summary>
internal sealed class BlocklistCsvHistory
{
    internal static readonly string[] Header =
        ["event", "date", "time", "ip", "jail", "failures", "bantime", "expires", "bancount", "matches"];

    private readonly Lock _lock = new();
    private readonly TimeZoneInfo _zone;
    private readonly CoalescingWriter _writer;
    private StringBuilder _pending = new();

    public BlocklistCsvHistory(string path, TimeZoneInfo zone, Action<string, Exception> onError)
    {
        Path = path;
        _zone = zone;
        _writer = new CoalescingWriter(AppendPendingAsync, ex => onError(path, ex));
    }

    public string Path { get; }

    /// <summary>Queues one row; it is appended in the background, rows in call order.</summary>
    public void Append(string evt, BanEvent ban, DateTimeOffset when)
    {
        var row = BlocklistCsvStore.FormatRow(ban with { Time = evt == "ban" ? ban.Time : when }, _zone);
        if (evt != "ban")
        {
            // An unban row keeps the original expiry so the history shows early releases.
            row[6] = ban.Expires is { } e
                ? TimeZoneInfo.ConvertTime(e, _zone).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)
                : "never";
        }

        lock (_lock)
        {
            Csv.AppendRow(_pending, [evt, .. row]);
        }

        _writer.Kick();
    }

    public Task FlushAsync(CancellationToken ct) => _writer.FlushAsync(ct);

    private async Task<bool> AppendPendingAsync(CancellationToken ct)
    {
        StringBuilder batch;
        lock (_lock)
        {
            if (_pending.Length == 0)
            {
                return false;
            }

            batch = _pending;
            _pending = new StringBuilder();
        }

        try
        {
            var dir = System.IO.Path.GetDirectoryName(Path);
            if (!string.IsNullOrEmpty(dir))
            {
                Directory.CreateDirectory(dir);
            }

            if (!File.Exists(Path) || new FileInfo(Path).Length == 0)
            {
                var header = new StringBuilder();
                Csv.AppendRow(header, Header);
                batch.Insert(0, header.ToString());
            }

            var bytes = new UTF8Encoding(false).GetBytes(batch.ToString());
            await using var stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read, 4096, useAsync: true);
            await stream.WriteAsync(bytes, ct).ConfigureAwait(false);
        }
        catch
        {
            // Keep the rows for the next attempt, in front of anything queued meanwhile.
            lock (_lock)
            {
                var header = new StringBuilder();
                Csv.AppendRow(header, Header);
                var text = batch.ToString();
                if (text.StartsWith(header.ToString(), StringComparison.Ordinal))
                {
                    text = text[header.Length..];
                }

                _pending.Insert(0, text);
            }

            throw;
        }

        lock (_lock)
        {
            return _pending.Length > 0;
        }
    }
}

/// <summary>
/// One store and one history writer per full file path, per server (not static: two servers in
/// one test process must not share files by accident).
/// </summary>
internal sealed partial class BlocklistCsvRegistry(TimeProvider time, ILogger logger)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, BlocklistCsvStore> _stores = new(StringComparer.Ordinal);
    private readonly Dictionary<string, BlocklistCsvHistory> _histories = new(StringComparer.Ordinal);

    internal TimeProvider Time { get; } = time;

    internal BlocklistCsvStore GetStore(string path)
    {
        var full = Path.GetFullPath(path);
        lock (_lock)
        {
            if (!_stores.TryGetValue(full, out var store))
            {
                store = new BlocklistCsvStore(full, Time.LocalTimeZone, OnWriteError);
                _stores[full] = store;
            }

            return store;
        }
    }

    internal BlocklistCsvHistory GetHistory(string path)
    {
        var full = Path.GetFullPath(path);
        lock (_lock)
        {
            if (!_histories.TryGetValue(full, out var history))
            {
                history = new BlocklistCsvHistory(full, Time.LocalTimeZone, OnWriteError);
                _histories[full] = history;
            }

            return history;
        }
    }

    private void OnWriteError(string path, Exception ex) => LogWriteFailed(logger, path, ex.Message);

    [LoggerMessage(EventId = 6001, Level = LogLevel.Error, Message = "blocklist-csv: cannot write {Path}: {Reason}; retrying at the next change")]
    private static partial void LogWriteFailed(ILogger logger, string path, string reason);
}

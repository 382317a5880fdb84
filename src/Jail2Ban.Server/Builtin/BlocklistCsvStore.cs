using System.Globalization;
using System.Text;

namespace Jail2Ban.Server.Builtin;

/// <summary>
/// One current-bans CSV file shared by every jail that names it. All jails of a server that
/// write <c>file=/x.csv</c> get the same store (see <see cref="BlocklistCsvRegistry"/>), so the
/// file is a consistent union of their bans. Each change rewrites the file through a temporary
/// file in the same directory followed by a rename, so a reader (a router's fetch, a cron job)
/// never sees a half-written file. Concurrent changes are coalesced: a writer that finds its
/// change already written by another writer returns without writing again.
/// </summary>
internal sealed class BlocklistCsvStore
{
    internal static readonly string[] Header =
        ["date", "time", "ip", "jail", "failures", "bantime", "expires", "bancount", "matches"];

    private readonly Lock _stateLock = new();
    private readonly SemaphoreSlim _writeGate = new(1, 1);

    // Keyed by (jail, id): the same address banned by two jails is two rows, as in fail2ban
    // where each jail owns its ban. Insertion order is kept so the file reads chronologically.
    private readonly Dictionary<(string Jail, string Id), BanEvent> _rows = [];
    private readonly List<(string Jail, string Id)> _order = [];
    private long _version;
    private long _writtenVersion = -1;

    public BlocklistCsvStore(string path, TimeZoneInfo zone)
    {
        Path = path;
        Zone = zone;
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

    public Task SetAsync(BanEvent ban, CancellationToken ct)
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

        return FlushAsync(ct);
    }

    public Task RemoveAsync(string jail, string id, CancellationToken ct)
    {
        lock (_stateLock)
        {
            if (_rows.Remove((jail, id)))
            {
                _order.Remove((jail, id));
                _version++;
            }
        }

        return FlushAsync(ct);
    }

    public Task RemoveJailAsync(string jail, CancellationToken ct)
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

        return FlushAsync(ct);
    }

    /// <summary>Writes the file unless the current state is already on disk.</summary>
    public async Task FlushAsync(CancellationToken ct)
    {
        await _writeGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            string text;
            long version;
            lock (_stateLock)
            {
                if (_writtenVersion == _version)
                {
                    return;
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
            _writtenVersion = version;
        }
        finally
        {
            _writeGate.Release();
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
internal sealed class BlocklistCsvHistory(string path, TimeZoneInfo zone)
{
    internal static readonly string[] Header =
        ["event", "date", "time", "ip", "jail", "failures", "bantime", "expires", "bancount", "matches"];

    private readonly SemaphoreSlim _gate = new(1, 1);

    public string Path { get; } = path;

    public async Task AppendAsync(string evt, BanEvent ban, DateTimeOffset when, CancellationToken ct)
    {
        var row = BlocklistCsvStore.FormatRow(ban with { Time = evt == "ban" ? ban.Time : when }, zone);
        if (evt != "ban")
        {
            // An unban row keeps the original expiry so the history shows early releases.
            row[6] = ban.Expires is { } e
                ? TimeZoneInfo.ConvertTime(e, zone).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)
                : "never";
        }

        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var dir = System.IO.Path.GetDirectoryName(Path);
            if (!string.IsNullOrEmpty(dir))
            {
                Directory.CreateDirectory(dir);
            }

            var sb = new StringBuilder();
            var isNew = !File.Exists(Path) || new FileInfo(Path).Length == 0;
            if (isNew)
            {
                Csv.AppendRow(sb, Header);
            }

            Csv.AppendRow(sb, [evt, .. row]);
            var bytes = new UTF8Encoding(false).GetBytes(sb.ToString());
            await using var stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read, 4096, useAsync: true);
            await stream.WriteAsync(bytes, ct).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }
}

/// <summary>
/// One store and one history writer per full file path, per server (not static: two servers in
/// one test process must not share files by accident).
/// </summary>
internal sealed class BlocklistCsvRegistry(TimeProvider time)
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
                store = new BlocklistCsvStore(full, Time.LocalTimeZone);
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
                history = new BlocklistCsvHistory(full, Time.LocalTimeZone);
                _histories[full] = history;
            }

            return history;
        }
    }
}

using System.Globalization;
using Jail2Ban.Core.Banning;
using Jail2Ban.Core.Time;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jail2Ban.Server.Persistence;

/// <summary>One ban to write in a bulk <see cref="BanStore.AddBans"/>.</summary>
public sealed record BanWrite(string Jail, Ticket Ticket, long JailBanTime)
{
    /// <summary>The ticket's bantime when it was banned: a later ticket of the same batch may
    /// prolong the ban in memory, but fail2ban's row keeps the value of the ban itself.</summary>
    public double? BanTime { get; init; }
}

/// <summary>What <see cref="BanStore.Purge"/> removed and whether the file was compacted.</summary>
public sealed record PurgeResult(int Bans, int Bips, int Jails, bool Vacuumed);

/// <summary>
/// fail2ban's persistent database (spec §5) in its schema version 4, so an existing
/// <c>fail2ban.sqlite3</c> is read and written in place: jails, log positions, ban history
/// (<c>bans</c>) and the latest ban per IP and jail (<c>bips</c>). Older versions are backed up
/// to <c>&lt;file&gt;.&lt;YYYYmmdd-HHMMSS&gt;</c> and upgraded; a corrupt file is moved to that
/// name and whatever can be read is copied into a fresh database.
/// Thread-safe: one connection, every call under one lock and in its own transaction
/// (fail2ban does the same with its RLock).
/// </summary>
public sealed partial class BanStore : IDisposable
{
    public const int SchemaVersion = 4;

    // The DDL is fail2ban's schema, statement for statement, so that sqlite_master (what
    // `.schema` shows) is identical whichever program created the file.
    private static readonly (string Table, string Sql)[] CreateScripts =
    [
        ("fail2banDb", "CREATE TABLE IF NOT EXISTS fail2banDb(version INTEGER);"),
        ("jails", "CREATE TABLE IF NOT EXISTS jails(name TEXT NOT NULL UNIQUE, enabled INTEGER NOT NULL DEFAULT 1);" +
            "CREATE INDEX IF NOT EXISTS jails_name ON jails(name);"),
        ("logs", "CREATE TABLE IF NOT EXISTS logs(jail TEXT NOT NULL, path TEXT, firstlinemd5 TEXT, lastfilepos INTEGER DEFAULT 0, " +
            "FOREIGN KEY(jail) REFERENCES jails(name) ON DELETE CASCADE, UNIQUE(jail, path),UNIQUE(jail, path, firstlinemd5));" +
            "CREATE INDEX IF NOT EXISTS logs_path ON logs(path);" +
            "CREATE INDEX IF NOT EXISTS logs_jail_path ON logs(jail, path);"),
        ("bans", "CREATE TABLE IF NOT EXISTS bans(jail TEXT NOT NULL, ip TEXT, timeofban INTEGER NOT NULL, bantime INTEGER NOT NULL, " +
            "bancount INTEGER NOT NULL default 1, data JSON, FOREIGN KEY(jail) REFERENCES jails(name) );" +
            "CREATE INDEX IF NOT EXISTS bans_jail_timeofban_ip ON bans(jail, timeofban);" +
            "CREATE INDEX IF NOT EXISTS bans_jail_ip ON bans(jail, ip);" +
            "CREATE INDEX IF NOT EXISTS bans_ip ON bans(ip);"),
        ("bips", "CREATE TABLE IF NOT EXISTS bips(ip TEXT NOT NULL, jail TEXT NOT NULL, timeofban INTEGER NOT NULL, bantime INTEGER NOT NULL, " +
            "bancount INTEGER NOT NULL default 1, data JSON, PRIMARY KEY(ip, jail), FOREIGN KEY(jail) REFERENCES jails(name) );" +
            "CREATE INDEX IF NOT EXISTS bips_timeofban ON bips(timeofban);" +
            "CREATE INDEX IF NOT EXISTS bips_ip ON bips(ip);"),
    ];

    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private SqliteConnection _db;

    private BanStore(string fileName, TimeProvider time, ILogger log)
    {
        FileName = fileName;
        _time = time;
        _log = log;
        _db = null!;
    }

    public string FileName { get; }

    /// <summary><c>dbpurgeage</c> in seconds (default 1 day).</summary>
    public double PurgeAge { get; set; } = 86400;

    /// <summary><c>dbmaxmatches</c> (default 10; 0 stores no matches).</summary>
    public int MaxMatches { get; set; } = 10;

    /// <summary>A <c>bips</c> row is purged only when its ban is this many bantimes past the purge age.</summary>
    public int OutDatedFactor { get; set; } = 3;

    /// <summary>After a purge, VACUUM when at least this share of the pages is free (and
    /// <see cref="VacuumMinFreePages"/> pages). fail2ban never vacuums, so its file only grows.</summary>
    public double VacuumFreeRatio { get; set; } = 0.25;

    public int VacuumMinFreePages { get; set; } = 256;

    /// <summary>Version found when opening (4 for a current or new file).</summary>
    public int OpenedVersion { get; private set; } = SchemaVersion;

    /// <summary>Backup written by an upgrade or repair, else null.</summary>
    public string? BackupFileName { get; private set; }

    /// <summary>True when the file did not exist (or had no schema) and was created.</summary>
    public bool Created { get; private set; }

    /// <summary>
    /// Opens or creates the database (<c>:memory:</c> for an in-memory one), upgrading older
    /// schema versions. The parent directory is created if missing; a new file gets mode 0600.
    /// </summary>
    /// <exception cref="InvalidOperationException">the file has a newer schema version than 4.</exception>
    public static BanStore Open(string fileName, TimeProvider? time = null, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        var store = new BanStore(fileName, time ?? TimeProvider.System, logger ?? NullLogger.Instance);
        store.Connect();
        return store;
    }

    /// <summary>
    /// fail2ban's <c>firstlinemd5</c> value: despite the name the SHA-1 hex digest of the first
    /// line including its newline (fail2ban's md5 probe fails on Python 3 and falls back to
    /// SHA-1). Returns "" when the line has no newline yet, as fail2ban stores an empty hash then.
    /// </summary>
    public static string FirstLineHash(ReadOnlySpan<byte> firstLine)
    {
        if (firstLine.IsEmpty || (firstLine[^1] != (byte)'\n' && firstLine[^1] != (byte)'\r'))
        {
            return string.Empty;
        }

        return Sha1.HashHex(firstLine);
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _db?.Dispose();
        }
    }

    // ---------------------------------------------------------------- jails

    /// <summary>Registers a jail (or re-enables it).</summary>
    public void AddJail(string jail) => Tx(cmd =>
    {
        if (Exec(cmd, "INSERT OR IGNORE INTO jails(name, enabled) VALUES(@a, 1)", jail) <= 0)
        {
            Exec(cmd, "UPDATE jails SET enabled = 1 WHERE name = @a AND enabled != 1", jail);
        }
    });

    /// <summary>Marks a jail disabled (rows kept).</summary>
    public void DelJail(string jail) => Tx(cmd => Exec(cmd, "UPDATE jails SET enabled=0 WHERE name=@a", jail));

    public void DelAllJails() => Tx(cmd => Exec(cmd, "UPDATE jails SET enabled=0"));

    public IReadOnlySet<string> GetJailNames(bool? enabled = null) => Tx(cmd =>
    {
        cmd.CommandText = enabled is null ? "SELECT name FROM jails" : "SELECT name FROM jails WHERE enabled=@p1";
        AddParams(cmd, enabled is null ? [] : [enabled.Value ? 1 : 0]);
        var set = new HashSet<string>(StringComparer.Ordinal);
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            set.Add(r.GetString(0));
        }

        return (IReadOnlySet<string>)set;
    });

    // ---------------------------------------------------------------- log positions

    /// <summary>
    /// A log file is added to a jail: returns the stored position to resume from, or null when
    /// there is none or the stored first-line hash differs (the file was rotated). Inserts a
    /// row when none exists and the file has a position or a hash.
    /// </summary>
    public long? AddLog(string jail, string path, long pos, string? hash)
    {
        var r = AddLogCore(jail, path, pos, hash);
        return r is null ? null : Convert.ToInt64(r, CultureInfo.InvariantCulture);
    }

    /// <summary>Stores the position after the last fully read line.</summary>
    public void UpdateLog(string jail, string path, long pos, string? hash) => UpdateLogCore(jail, path, pos, hash);

    /// <summary>Journal backend: the last time (float) for <paramref name="name"/> (e.g. <c>systemd-journal</c>).</summary>
    public double? GetJournalPos(string jail, string name, double time = 0, string? iso = null)
    {
        var r = AddLogCore(jail, name, time, iso);
        return r is null ? null : Convert.ToDouble(r, CultureInfo.InvariantCulture);
    }

    public void UpdateJournal(string jail, string name, double time, string iso) => UpdateLogCore(jail, name, time, iso);

    private object? AddLogCore(string jail, string path, object pos, string? hash) => Tx(cmd =>
    {
        cmd.CommandText = "SELECT firstlinemd5, lastfilepos FROM logs WHERE jail=@p1 AND path=@p2";
        AddParams(cmd, [jail, path]);
        object? storedHash = null;
        object? lastPos = null;
        var found = false;
        using (var r = cmd.ExecuteReader())
        {
            if (r.Read())
            {
                found = true;
                storedHash = r.IsDBNull(0) ? null : r.GetValue(0);
                lastPos = r.IsDBNull(1) ? null : r.GetValue(1);
            }
        }

        if (storedHash is null && (IsNonZero(pos) || hash is not null))
        {
            Exec(cmd, "INSERT OR REPLACE INTO logs(jail, path, firstlinemd5, lastfilepos) VALUES(@a, @b, @c, @d)", jail, path, hash, pos);
        }

        if (hash is not null && !Equals(hash, storedHash as string))
        {
            lastPos = null;
        }

        return found ? lastPos : null;
    });

    private void UpdateLogCore(string jail, string path, object pos, string? hash) => Tx(cmd =>
    {
        if (Exec(cmd, "UPDATE logs SET firstlinemd5=@a, lastfilepos=@b WHERE jail=@c AND path=@d", hash, pos, jail, path) == 0)
        {
            Exec(cmd, "INSERT OR REPLACE INTO logs(jail, path, firstlinemd5, lastfilepos) VALUES(@a, @b, @c, @d)", jail, path, hash, pos);
        }
    });

    private static bool IsNonZero(object pos) => pos switch
    {
        long l => l != 0,
        double d => d != 0,
        int i => i != 0,
        _ => true,
    };

    // ---------------------------------------------------------------- bans

    /// <summary>Writes a ban: <c>bans</c> insert and <c>bips</c> upsert.</summary>
    public void AddBan(string jail, Ticket ticket, long jailBanTime) => AddBans([new BanWrite(jail, ticket, jailBanTime)]);

    /// <summary>Writes many bans in one transaction with prepared statements (the runtime may
    /// ban thousands of IDs at once).</summary>
    public void AddBans(IEnumerable<BanWrite> bans)
    {
        ArgumentNullException.ThrowIfNull(bans);
        Tx(cmd =>
        {
            using var ins = _db.CreateCommand();
            ins.Transaction = cmd.Transaction;
            ins.CommandText = "INSERT INTO bans(jail, ip, timeofban, bantime, bancount, data) VALUES(@a, @b, @c, @d, @e, @f)";
            using var ups = _db.CreateCommand();
            ups.Transaction = cmd.Transaction;
            ups.CommandText = "INSERT OR REPLACE INTO bips(ip, jail, timeofban, bantime, bancount, data) VALUES(@b, @a, @c, @d, @e, @f)";
            var pi = Prepare(ins);
            var pu = Prepare(ups);
            foreach (var w in bans)
            {
                var t = w.Ticket;
                var bt = w.BanTime ?? t.GetBanTime(w.JailBanTime);
                object[] values =
                [
                    w.Jail,
                    t.Id.Text,
                    (long)Math.Round(t.Time, MidpointRounding.ToEven),
                    bt == Math.Floor(bt) && Math.Abs(bt) < 9e18 ? (object)(long)bt : bt,
                    (long)t.BanCount,
                    BanDataJson.Serialize(t, MaxMatches),
                ];
                for (var i = 0; i < values.Length; i++)
                {
                    pi[i].Value = values[i];
                    pu[i].Value = values[i];
                }

                ins.ExecuteNonQuery();
                ups.ExecuteNonQuery();
            }
        });
    }

    private static SqliteParameter[] Prepare(SqliteCommand cmd)
    {
        // No explicit type: the provider infers the storage class from each value
        // (integer/real/text/blob), which keeps fractional bantimes REAL as fail2ban stores them.
        var ps = new[] { "@a", "@b", "@c", "@d", "@e", "@f" }.Select(n =>
        {
            var p = cmd.CreateParameter();
            p.ParameterName = n;
            p.Value = DBNull.Value;
            cmd.Parameters.Add(p);
            return p;
        }).ToArray();
        cmd.Prepare();
        return ps;
    }

    /// <summary>Manual unban: deletes the IDs' rows from <c>bips</c> and <c>bans</c> of the jail
    /// (no IDs: every row of the jail — <c>unban --all</c>, <c>reload --unban</c>).</summary>
    public void DelBan(string jail, params string[] ips) => Tx(cmd =>
    {
        if (ips.Length == 0)
        {
            Exec(cmd, "DELETE FROM bips WHERE jail = @a", jail);
            Exec(cmd, "DELETE FROM bans WHERE jail = @a", jail);
            return;
        }

        foreach (var ip in ips)
        {
            Exec(cmd, "DELETE FROM bips WHERE jail = @a AND ip = @b", jail, ip);
            Exec(cmd, "DELETE FROM bans WHERE jail = @a AND ip = @b", jail, ip);
        }
    });

    /// <summary>Ban history rows (<c>bans</c>), newest first per IP. <paramref name="banTime"/>:
    /// only bans newer than now − banTime (negative/null: any).</summary>
    public IReadOnlyList<StoredBan> GetBans(string? jail = null, double? banTime = null, string? ip = null) => Tx(cmd =>
    {
        var sql = "SELECT jail, ip, timeofban, bantime, bancount, data FROM bans WHERE 1";
        var args = new List<object?>();
        if (jail is not null)
        {
            sql += " AND jail=" + P(args, jail);
        }

        if (banTime is { } bt && bt >= 0)
        {
            sql += " AND timeofban > " + P(args, Now() - bt);
        }

        if (ip is not null)
        {
            sql += " AND ip=" + P(args, ip);
        }

        cmd.CommandText = sql + " ORDER BY ip, timeofban desc";
        AddParams(cmd, args);
        return ReadRows(cmd);
    });

    /// <summary>
    /// Bans merged per IP (for <c>&lt;ipmatches&gt;</c>, <c>&lt;ipfailures&gt;</c> and the jail
    /// variants): newest first, matches prepended up to <see cref="MaxMatches"/>, failures
    /// summed; time = oldest ban considered. Not cached (fail2ban caches until the next addBan).
    /// </summary>
    public IReadOnlyList<Ticket> GetBansMerged(string? ip = null, string? jail = null, double? banTime = null)
    {
        var rows = GetBans(jail, banTime, ip);
        var result = new List<Ticket>();
        foreach (var group in rows.GroupBy(r => r.Ip, StringComparer.Ordinal))
        {
            var matches = new List<MatchLine>();
            var failures = 0;
            var extra = new Dictionary<string, string>(StringComparer.Ordinal);
            long time = 0;
            foreach (var row in group)
            {
                var m = row.Data.Matches;
                var maxAdd = MaxMatches - matches.Count;
                if (maxAdd > 0)
                {
                    matches.InsertRange(0, m.Count <= maxAdd ? m : m.Skip(m.Count - maxAdd));
                }

                failures += row.Data.Failures ?? 1;
                foreach (var (k, v) in row.Data.Extra)
                {
                    extra[k] = v;
                }

                time = row.TimeOfBan;
            }

            if (!Core.Net.IPAddr.TryParse(group.Key, out var id) || id is null)
            {
                continue;
            }

            result.Add(new Ticket(id, time, matches, extra!, failures));
        }

        return result;
    }

    /// <summary>
    /// Ban count lookup for bantime.increment (fail2ban's getBan): (bancount, timeofban, bantime)
    /// of the ID in <paramref name="jail"/>, or summed over all jails with
    /// <paramref name="overallJails"/> (sum of counts, latest time, sum of bantimes).
    /// </summary>
    public IReadOnlyList<BanHistory> GetBan(string ip, string? jail = null, double? forBanTime = null, bool overallJails = false, double? fromTime = null) => Tx(cmd =>
    {
        var args = new List<object?>();
        var sql = !overallJails
            ? "SELECT bancount, timeofban, bantime FROM bips"
            : "SELECT sum(bancount), max(timeofban), sum(bantime) FROM bips";
        sql += " WHERE ip = " + P(args, ip);
        if (!overallJails && jail is not null)
        {
            sql += " AND jail=" + P(args, jail);
        }

        if (forBanTime is { } fb)
        {
            sql += " AND timeofban > " + P(args, Now() - fb);
        }

        if (fromTime is { } ft)
        {
            sql += " AND timeofban > " + P(args, ft);
        }

        if (overallJails || jail is null)
        {
            sql += " GROUP BY ip ORDER BY timeofban DESC LIMIT 1";
        }

        cmd.CommandText = sql;
        AddParams(cmd, args);
        var list = new List<BanHistory>();
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            list.Add(new BanHistory(
                (int)Convert.ToInt64(r.GetValue(0), CultureInfo.InvariantCulture),
                Convert.ToInt64(r.GetValue(1), CultureInfo.InvariantCulture),
                Convert.ToDouble(r.GetValue(2), CultureInfo.InvariantCulture)));
        }

        return (IReadOnlyList<BanHistory>)list;
    });

    /// <summary>The first <see cref="GetBan"/> row, or null (what bantime.increment needs).</summary>
    public BanHistory? GetBanHistory(string ip, string jail, bool overallJails) =>
        GetBan(ip, jail, overallJails: overallJails).FirstOrDefault();

    /// <summary>
    /// Still-active <c>bips</c> rows (fail2ban's _getCurrentBans): end of ban after
    /// <paramref name="fromTime"/> (default now) or permanent, and — unless
    /// <paramref name="forBanTime"/> is null or −1 — banned after fromTime − forBanTime.
    /// Without a jail: the latest row per IP over all jails.
    /// </summary>
    public IReadOnlyList<StoredBan> GetCurrentBans(string? jail = null, string? ip = null, double? forBanTime = null, double? fromTime = null) => Tx(cmd =>
    {
        var from = fromTime ?? Now();
        var args = new List<object?>();
        string sql;
        if (jail is not null)
        {
            sql = "SELECT jail, ip, timeofban, bantime, bancount, data FROM bips WHERE jail=" + P(args, jail);
        }
        else
        {
            sql = "SELECT jail, ip, max(timeofban), bantime, bancount, data FROM bips WHERE 1";
        }

        if (ip is not null)
        {
            sql += " AND ip=" + P(args, ip);
        }

        sql += " AND (timeofban + bantime > " + P(args, from) + " OR bantime <= -1)";
        if (forBanTime is { } fb && fb != -1)
        {
            sql += " AND timeofban > " + P(args, from - fb);
        }

        sql += ip is null ? " GROUP BY ip ORDER BY ip, timeofban DESC" : " ORDER BY timeofban DESC LIMIT 1";
        cmd.CommandText = sql;
        AddParams(cmd, args);
        return ReadRows(cmd);
    });

    /// <summary>
    /// Restore at jail start (spec §3.10): the jail's still-valid bans as restored tickets
    /// (bantime capped, matches cut to <paramref name="maxMatches"/>). The runtime still applies
    /// the ignore checks before queueing them.
    /// </summary>
    public IReadOnlyList<Ticket> RestoreCurrentBans(string jail, long jailBanTime, BanTimeIncrement increment, int maxMatches)
    {
        var plan = BanRestore.Plan(jailBanTime, increment);
        var now = Now();
        var rows = GetCurrentBans(jail, forBanTime: plan.ForBanTime, fromTime: now);
        return BanRestore.ToTickets(rows, plan, jailBanTime, maxMatches, now);
    }

    // ---------------------------------------------------------------- purge

    /// <summary>
    /// Hourly purge: <c>bans</c> older than the purge age; <c>bips</c> older than it whose ban
    /// ended <see cref="OutDatedFactor"/> bantimes before it (permanent ones kept); disabled
    /// jails without rows. Then VACUUM when enough pages are free, so the file stays small.
    /// </summary>
    public PurgeResult Purge()
    {
        var counts = Tx(cmd =>
        {
            var now = Now();
            var bans = Exec(cmd, "DELETE FROM bans WHERE timeofban < @a", now - PurgeAge);
            var limit = (long)Math.Truncate(now) - PurgeAge;
            var bips = Exec(cmd, "DELETE FROM bips WHERE timeofban < @a and bantime != -1 and (timeofban + (bantime * @b)) < @c",
                limit, OutDatedFactor, limit);
            var jails = Exec(cmd, "DELETE FROM jails WHERE enabled = 0 AND NOT EXISTS(SELECT * FROM bans WHERE jail = jails.name) " +
                "AND NOT EXISTS(SELECT * FROM bips WHERE jail = jails.name)");
            return (bans, bips, jails);
        });
        var vacuumed = false;
        lock (_lock)
        {
            if (FileName != ":memory:")
            {
                var pages = Scalar("PRAGMA page_count");
                var free = Scalar("PRAGMA freelist_count");
                if (free >= VacuumMinFreePages && free >= pages * VacuumFreeRatio)
                {
                    using var cmd = _db.CreateCommand();
                    cmd.CommandText = "VACUUM";
                    cmd.ExecuteNonQuery();
                    vacuumed = true;
                }
            }
        }

        return new PurgeResult(counts.bans, counts.bips, counts.jails, vacuumed);
    }

    private long Scalar(string sql)
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    // ---------------------------------------------------------------- connection, schema

    private void Connect()
    {
        var isMemory = FileName == ":memory:";
        if (!isMemory)
        {
            var dir = Path.GetDirectoryName(Path.GetFullPath(FileName));
            if (!string.IsNullOrEmpty(dir) && !Directory.Exists(dir))
            {
                Directory.CreateDirectory(dir);
            }
        }

        var existed = !isMemory && File.Exists(FileName);
        int version;
        try
        {
            _db = OpenConnection(FileName);
            if (!existed && !isMemory && !OperatingSystem.IsWindows())
            {
                // fail2ban runs with umask 077: the database is private to root.
                File.SetUnixFileMode(FileName, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            using var cmd = _db.CreateCommand();
            cmd.CommandText = "SELECT version FROM fail2banDb LIMIT 1";
            var v = cmd.ExecuteScalar();
            if (v is null || v is DBNull)
            {
                throw new SqliteException("no version row", 1);
            }

            version = (int)Convert.ToInt64(v, CultureInfo.InvariantCulture);
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 1 && _db is not null /* SQLITE_ERROR: no such table */)
        {
            CreateSchema();
            Created = true;
            LogNewDatabase(_log, SchemaVersion);
            return;
        }
        catch (SqliteException e)
        {
            LogOpenError(_log, FileName, e.Message);
            if (isMemory || !File.Exists(FileName))
            {
                throw;
            }

            Repair();
            return;
        }

        OpenedVersion = version;
        if (version > SchemaVersion)
        {
            throw new InvalidOperationException(
                $"database '{FileName}' has schema version {version}, newer than the supported {SchemaVersion}");
        }

        if (version < SchemaVersion)
        {
            Upgrade(version);
            LogUpgraded(_log, version, SchemaVersion);
        }
    }

    private static SqliteConnection OpenConnection(string fileName)
    {
        var cs = new SqliteConnectionStringBuilder
        {
            DataSource = fileName,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString();
        var db = new SqliteConnection(cs);
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = "PRAGMA foreign_keys = ON; PRAGMA synchronous = OFF; PRAGMA journal_mode = MEMORY; PRAGMA temp_store = MEMORY;";
        cmd.ExecuteNonQuery();
        return db;
    }

    private void CreateSchema()
    {
        using var tx = _db.BeginTransaction();
        using var cmd = _db.CreateCommand();
        cmd.Transaction = tx;
        foreach (var (_, sql) in CreateScripts)
        {
            cmd.CommandText = sql;
            cmd.ExecuteNonQuery();
        }

        cmd.CommandText = "INSERT INTO fail2banDb(version) SELECT @v WHERE NOT EXISTS (SELECT 1 FROM fail2banDb LIMIT 1)";
        cmd.Parameters.AddWithValue("@v", SchemaVersion);
        cmd.ExecuteNonQuery();
        tx.Commit();
    }

    private string BackupName() =>
        FileName + "." + _time.GetUtcNow().UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);

    private void Upgrade(int version)
    {
        var backup = BackupName();
        if (!File.Exists(backup))
        {
            // A consistent copy through SQLite (the file may have an in-memory journal).
            using var bk = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = backup, Pooling = false }.ToString());
            bk.Open();
            _db.BackupDatabase(bk);
            LogBackup(_log, backup);
        }

        BackupFileName = backup;
        using var tx = _db.BeginTransaction();
        using var cmd = _db.CreateCommand();
        cmd.Transaction = tx;
        // Foreign keys would block dropping/re-creating the tables inside the transaction.
        if (version < 2 && TableExists(cmd, "logs"))
        {
            cmd.CommandText = "CREATE TEMPORARY TABLE logs_temp AS SELECT * FROM logs; DROP TABLE logs; " + Script("logs") +
                "INSERT INTO logs SELECT * from logs_temp; DROP TABLE logs_temp; UPDATE fail2banDb SET version = 2;";
            cmd.ExecuteNonQuery();
        }

        if (version < 3 && TableExists(cmd, "bans"))
        {
            cmd.CommandText = "CREATE TEMPORARY TABLE bans_temp AS SELECT jail, ip, timeofban, -2 as bantime, 1 as bancount, data FROM bans; " +
                "DROP TABLE bans; " + Script("bans") + "INSERT INTO bans SELECT * from bans_temp; DROP TABLE bans_temp;";
            cmd.ExecuteNonQuery();
        }

        if (version < 4 && !TableExists(cmd, "bips"))
        {
            cmd.CommandText = Script("bips") + "UPDATE fail2banDb SET version = 4;";
            cmd.ExecuteNonQuery();
            if (TableExists(cmd, "bans"))
            {
                cmd.CommandText = "INSERT OR REPLACE INTO bips(ip, jail, timeofban, bantime, bancount, data) " +
                    "SELECT ip, jail, timeofban, bantime, bancount, data FROM bans order by timeofban";
                cmd.ExecuteNonQuery();
            }
        }

        // Tables missing entirely in very old files.
        foreach (var (_, sql) in CreateScripts)
        {
            cmd.CommandText = sql;
            cmd.ExecuteNonQuery();
        }

        cmd.CommandText = "UPDATE fail2banDb SET version = 4";
        cmd.ExecuteNonQuery();
        tx.Commit();
    }

    private static string Script(string table) => CreateScripts.First(s => s.Table == table).Sql;

    private static bool TableExists(SqliteCommand cmd, string table)
    {
        cmd.CommandText = "select 1 where exists (select 1 from sqlite_master WHERE type='table' AND name=@t)";
        cmd.Parameters.Clear();
        cmd.Parameters.AddWithValue("@t", table);
        var r = cmd.ExecuteScalar();
        cmd.Parameters.Clear();
        return r is not null && r is not DBNull;
    }

    /// <summary>
    /// Corrupt file: move it to the backup name and copy every readable row of the known
    /// tables into a fresh database (fail2ban pipes <c>sqlite3 .dump</c> instead; this needs
    /// no sqlite3 binary). If nothing can be read the new database stays empty.
    /// </summary>
    private void Repair()
    {
        _db?.Dispose();
        var backup = BackupName();
        if (!File.Exists(backup))
        {
            File.Move(FileName, backup);
        }
        else
        {
            File.Delete(FileName);
        }

        BackupFileName = backup;
        LogRepair(_log, FileName, backup);
        _db = OpenConnection(FileName);
        CreateSchema();
        Created = true;
        try
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "ATTACH DATABASE @f AS bk";
            cmd.Parameters.AddWithValue("@f", backup);
            cmd.ExecuteNonQuery();
            cmd.Parameters.Clear();
            foreach (var table in new[] { "jails", "logs", "bans", "bips" })
            {
                try
                {
                    cmd.CommandText = $"INSERT OR IGNORE INTO main.{table} SELECT * FROM bk.{table}";
                    cmd.ExecuteNonQuery();
                }
                catch (SqliteException e)
                {
                    LogRepairTable(_log, table, e.Message);
                }
            }

            cmd.CommandText = "DETACH DATABASE bk";
            cmd.ExecuteNonQuery();
        }
        catch (SqliteException e)
        {
            LogRepairTable(_log, "*", e.Message);
        }
    }

    // ---------------------------------------------------------------- helpers

    private double Now() => TimeFormat.Now(_time);

    private T Tx<T>(Func<SqliteCommand, T> body)
    {
        lock (_lock)
        {
            using var tx = _db.BeginTransaction();
            using var cmd = _db.CreateCommand();
            cmd.Transaction = tx;
            var result = body(cmd);
            tx.Commit();
            return result;
        }
    }

    private void Tx(Action<SqliteCommand> body) => Tx<int>(cmd =>
    {
        body(cmd);
        return 0;
    });

    private static string P(List<object?> args, object? value)
    {
        args.Add(value);
        return "@p" + args.Count.ToString(CultureInfo.InvariantCulture);
    }

    private static void AddParams(SqliteCommand cmd, IReadOnlyList<object?> args)
    {
        cmd.Parameters.Clear();
        for (var i = 0; i < args.Count; i++)
        {
            cmd.Parameters.AddWithValue("@p" + (i + 1).ToString(CultureInfo.InvariantCulture), args[i] ?? DBNull.Value);
        }
    }

    /// <summary>Runs <paramref name="sql"/> with parameters @a, @b, @c... bound in order; returns changed rows.</summary>
    private static int Exec(SqliteCommand cmd, string sql, params object?[] args)
    {
        cmd.CommandText = sql;
        cmd.Parameters.Clear();
        for (var i = 0; i < args.Length; i++)
        {
            cmd.Parameters.AddWithValue("@" + (char)('a' + i), args[i] ?? DBNull.Value);
        }

        return cmd.ExecuteNonQuery();
    }

    private static List<StoredBan> ReadRows(SqliteCommand cmd)
    {
        var list = new List<StoredBan>();
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            list.Add(new StoredBan(
                r.IsDBNull(0) ? string.Empty : r.GetString(0),
                r.IsDBNull(1) ? string.Empty : Convert.ToString(r.GetValue(1), CultureInfo.InvariantCulture)!,
                r.IsDBNull(2) ? 0 : Convert.ToInt64(r.GetValue(2), CultureInfo.InvariantCulture),
                r.IsDBNull(3) ? 0 : Convert.ToDouble(r.GetValue(3), CultureInfo.InvariantCulture),
                r.IsDBNull(4) ? 1 : (int)Convert.ToInt64(r.GetValue(4), CultureInfo.InvariantCulture),
                BanDataJson.Deserialize(r.IsDBNull(5) ? null : r.GetValue(5))));
        }

        return list;
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "New database created. Version '{Version}'")]
    private static partial void LogNewDatabase(ILogger logger, int version);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "Database updated from '{From}' to '{To}'")]
    private static partial void LogUpgraded(ILogger logger, int from, int to);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Information, Message = "  Database backup created: {Backup}")]
    private static partial void LogBackup(ILogger logger, string backup);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Error, Message = "Error opening fail2ban persistent database '{File}': {Error}")]
    private static partial void LogOpenError(ILogger logger, string file, string error);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Information, Message = "Trying to repair database {File} (backup {Backup})")]
    private static partial void LogRepair(ILogger logger, string file, string backup);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Error, Message = "  Error repairing table {Table}: {Error}")]
    private static partial void LogRepairTable(ILogger logger, string table, string error);
}

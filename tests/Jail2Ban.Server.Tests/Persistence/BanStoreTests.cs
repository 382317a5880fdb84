using System.Diagnostics;
using System.Globalization;
using System.Text;
using Jail2Ban.Core.Banning;
using Jail2Ban.Core.Net;
using Jail2Ban.Server.Persistence;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace Jail2Ban.Server.Tests.Persistence;

public sealed class BanStoreTests(ITestOutputHelper output) : IDisposable
{
    private const double Now = 1795326920;
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static List<string> Query(string file, string sql)
    {
        using var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Pooling = false, Mode = SqliteOpenMode.ReadOnly }.ToString());
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        using var r = cmd.ExecuteReader();
        var rows = new List<string>();
        while (r.Read())
        {
            rows.Add(string.Join("|", Enumerable.Range(0, r.FieldCount).Select(i => r.IsDBNull(i) ? "NULL" : Convert.ToString(r.GetValue(i) is byte[] b ? Encoding.UTF8.GetString(b) : r.GetValue(i), CultureInfo.InvariantCulture))));
        }

        return rows;
    }

    private static Ticket BanTicket(string ip, double time, int banCount = 1, double? bantime = null)
    {
        var t = new Ticket(IPAddr.Parse(ip), time,
            [MatchLine.Split("", "2026-11-22 05:55:20", " Failed login from " + ip + " user alice"), MatchLine.Plain("2026-11-22 05:55:21 Failed \"quoted\" \\ ünïcode\ttab")],
            [new("ip4", ip), new("user", "alice")], 3)
        {
            BanTime = bantime,
        };
        t.SetBanCount(banCount);
        return t;
    }

    [Fact]
    public void New_database_has_fail2bans_schema_v4_and_private_mode()
    {
        var file = _dir.File("sub/f2b.sqlite3");
        using (var store = BanStore.Open(file, new ManualTime(Now)))
        {
            Assert.True(store.Created);
        }

        Assert.Equal(["4"], Query(file, "SELECT version FROM fail2banDb"));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }

        var ours = Query(file, "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name");
        Assert.Contains(ours, r => r.StartsWith("table|bips|bips|", StringComparison.Ordinal));

        var pyFile = _dir.File("py.sqlite3");
        var lines = PersistenceFixtures.RunOracle(PersistenceFixtures.Prelude(Now) + $"Fail2BanDb('{pyFile}').close()\nprint('ok')\n");
        if (lines is null)
        {
            output.WriteLine(PersistenceFixtures.OracleSkipped);
            return;
        }

        Assert.Equal(Query(pyFile, "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name"), ours);
    }

    [Fact]
    public void Ban_round_trip_writes_json_blob_like_fail2ban()
    {
        var file = _dir.File("f2b.sqlite3");
        using var store = BanStore.Open(file, new ManualTime(Now));
        store.AddJail("sshd");
        var t = BanTicket("192.0.2.10", Now - 0.5);
        store.AddBan("sshd", t, 600);

        Assert.Equal(["blob"], Query(file, "SELECT typeof(data) FROM bans"));
        Assert.Equal(
            ["""sshd|192.0.2.10|1795326920|600|1|{"matches": [["", "2026-11-22 05:55:20", " Failed login from 192.0.2.10 user alice"], "2026-11-22 05:55:21 Failed \"quoted\" \\ ünïcode\ttab"], "failures": 3, "ip4": "192.0.2.10", "user": "alice"}"""],
            Query(file, "SELECT jail, ip, timeofban, bantime, bancount, data FROM bans"));
        Assert.Equal(Query(file, "SELECT jail, ip, timeofban, bantime, bancount, data FROM bans"), Query(file, "SELECT jail, ip, timeofban, bantime, bancount, data FROM bips"));

        var row = Assert.Single(store.GetCurrentBans("sshd"));
        Assert.Equal(2, row.Data.Matches.Count);
        Assert.True(row.Data.Matches[0].IsSplit);
        Assert.Equal("alice", row.Data.Extra["user"]);
        Assert.Equal(3, row.Data.Failures);

        // a manual ban: {"matches": [], "failures": 0}
        store.AddBan("sshd", new Ticket(IPAddr.Parse("192.0.2.11"), Now), 600);
        Assert.Equal(["""{"matches": [], "failures": 0}"""], Query(file, "SELECT data FROM bans WHERE ip='192.0.2.11'"));

        // dbmaxmatches: last n lines; 0 drops the key
        store.MaxMatches = 1;
        store.AddBan("sshd", BanTicket("192.0.2.12", Now), 600);
        store.MaxMatches = 0;
        store.AddBan("sshd", BanTicket("192.0.2.13", Now), 600);
        Assert.StartsWith("{\"matches\": [\"2026-11-22 05:55:21", Query(file, "SELECT data FROM bans WHERE ip='192.0.2.12'")[0], StringComparison.Ordinal);
        Assert.StartsWith("{\"failures\": 3, ", Query(file, "SELECT data FROM bans WHERE ip='192.0.2.13'")[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Fail2ban_reads_what_we_write()
    {
        var file = _dir.File("f2b.sqlite3");
        using (var store = BanStore.Open(file, new ManualTime(Now)))
        {
            store.AddJail("sshd");
            store.AddBan("sshd", BanTicket("192.0.2.10", Now - 10, 2, 1200), 600);
            store.AddBan("sshd", BanTicket("2001:db8::5", Now - 20), 600);
            store.AddBan("sshd", BanTicket("192.0.2.99", Now - 5000), 600);
        }

        var lines = PersistenceFixtures.RunOracle(PersistenceFixtures.Prelude(Now) + $"""
            db = Fail2BanDb('{file}')
            for t in sorted(db.getCurrentBans(jail=J, correctBanTime=False), key=lambda t: str(t.getID())):
                print('%s|%s|%s|%s|%s|%s|%s' % (t.getID(), t.getTime(), t.getBanTime(), t.getBanCount(), t.getAttempt(), t.getMatches()[0], t.getData('user')))
            print(db.getBan('192.0.2.10', J))
            """);
        if (lines is null)
        {
            output.WriteLine(PersistenceFixtures.OracleSkipped);
            return;
        }

        Assert.Equal(
        [
            "192.0.2.10|1795326910|1200|2|3|2026-11-22 05:55:20 Failed login from 192.0.2.10 user alice|alice",
            "2001:db8::5|1795326900|600|1|3|2026-11-22 05:55:20 Failed login from 2001:db8::5 user alice|alice",
            "[(2, 1795326910, 1200)]",
        ], lines);
    }

    [Fact]
    public void We_read_what_fail2ban_writes()
    {
        var file = _dir.File("f2b.sqlite3");
        var lines = PersistenceFixtures.RunOracle(PersistenceFixtures.Prelude(Now) + $$"""
            db = Fail2BanDb('{{file}}')
            db.addJail(J)
            t = FailTicket('192.0.2.10', {{Now - 30}}, data={'matches': [('', '2026-11-22 05:54:50', ' fail 192.0.2.10'), 'joined line'], 'failures': 4, 'user': 'bob'})
            t.setBanCount(3); t.setBanTime(4800)
            db.addBan(J, t)
            t2 = FailTicket('203.0.113.9', {{Now - 900}}); t2.setBanCount(1)
            db.addBan(J, t2)
            t3 = FailTicket('198.51.100.1', {{Now - 100}}); t3.setBanCount(2); t3.setBanTime(-1)
            db.addBan(J, t3)
            db.addLog(J, type('C', (), {'getFileName': lambda s: '/var/log/auth.log', 'getPos': lambda s: 1234, 'getHash': lambda s: 'abc'})())
            db.close()
            print('ok')
            """);
        if (lines is null)
        {
            output.WriteLine(PersistenceFixtures.OracleSkipped);
            return;
        }

        using var store = BanStore.Open(file, new ManualTime(Now));
        Assert.False(store.Created);
        var rows = store.GetCurrentBans("sshd").OrderBy(r => r.Ip, StringComparer.Ordinal).ToList();
        Assert.Equal(["192.0.2.10", "198.51.100.1"], rows.Select(r => r.Ip)); // 203.0.113.9 ended (900 s ago, bantime 600)
        var r0 = rows[0];
        Assert.Equal((4800.0, 3, 4), (r0.BanTime, r0.BanCount, r0.Data.Failures!.Value));
        Assert.Equal([true, false], r0.Data.Matches.Select(m => m.IsSplit));
        Assert.Equal("2026-11-22 05:54:50 fail 192.0.2.10", r0.Data.Matches[0].Text);
        Assert.Equal("bob", r0.Data.Extra["user"]);

        Assert.Equal(new BanHistory(3, (long)Now - 30, 4800), store.GetBanHistory("192.0.2.10", "sshd", false));
        Assert.Equal(1234, store.AddLog("sshd", "/var/log/auth.log", 0, "abc"));
        Assert.Null(store.AddLog("sshd", "/var/log/auth.log", 0, "rotated"));

        // restore: no increment → capped to the jail bantime; the permanent one too
        var restored = store.RestoreCurrentBans("sshd", 600, BanTimeIncrement.Disabled, 5).OrderBy(t => t.Id.Text, StringComparer.Ordinal).ToList();
        Assert.Equal(["192.0.2.10", "198.51.100.1"], restored.Select(t => t.Id.Text));
        Assert.All(restored, t => Assert.Equal(600, t.BanTime));
        Assert.All(restored, t => Assert.True(t.Restored));
        Assert.Equal(3, restored[0].BanCount);
        // with increment and no maxtime: stored bantimes kept, incl. permanent
        var inc = store.RestoreCurrentBans("sshd", 600, BanTimeIncrement.Create(enabled: true), 5).OrderBy(t => t.Id.Text, StringComparer.Ordinal).ToList();
        Assert.Equal([4800.0, -1.0], inc.Select(t => t.BanTime!.Value));
    }

    [Fact]
    public void Upgrade_of_the_v2_fixture_matches_fail2ban()
    {
        var file = PersistenceFixtures.CopyFixture("database_v2.db", _dir.Path);
        var time = new ManualTime(1417596235 + 100);
        using (var store = BanStore.Open(file, time))
        {
            Assert.Equal(2, store.OpenedVersion);
            Assert.NotNull(store.BackupFileName);
            Assert.True(File.Exists(store.BackupFileName));
            Assert.EndsWith(".20141203-084535", store.BackupFileName, StringComparison.Ordinal);

            var restored = store.RestoreCurrentBans("pam-generic", 600, BanTimeIncrement.Disabled, 10);
            var t = Assert.Single(restored); // 1.2.3.7 ended, 1.2.3.8 still banned
            Assert.Equal("1.2.3.8", t.Id.Text);
            Assert.Equal(600, t.BanTime); // legacy bantime -2 → jail bantime
            Assert.Equal(3, t.Attempts);
            Assert.Equal(3, t.Matches.Count);
            Assert.Equal(1, t.BanCount);
            Assert.Equal(46771, store.AddLog("pam-generic", "/var/log/auth.log", 0, null));
        }

        Assert.Equal(["4"], Query(file, "SELECT version FROM fail2banDb"));
        Assert.Equal(["1.2.3.7|-2|1", "1.2.3.8|-2|1"], Query(file, "SELECT ip, bantime, bancount FROM bips ORDER BY ip"));

        var pyFile = PersistenceFixtures.CopyFixture("database_v2.db", Directory.CreateDirectory(_dir.File("py")).FullName);
        var lines = PersistenceFixtures.RunOracle(PersistenceFixtures.Prelude(1417596335) + $"Fail2BanDb('{pyFile}').close()\nprint('ok')\n");
        if (lines is null)
        {
            output.WriteLine(PersistenceFixtures.OracleSkipped);
            return;
        }

        foreach (var sql in new[]
        {
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name",
            "SELECT * FROM fail2banDb", "SELECT * FROM jails", "SELECT * FROM logs",
            "SELECT jail, ip, timeofban, bantime, bancount, typeof(data), data FROM bans ORDER BY rowid",
            "SELECT ip, jail, timeofban, bantime, bancount, typeof(data), data FROM bips ORDER BY ip",
        })
        {
            Assert.Equal(Query(pyFile, sql), Query(file, sql));
        }
    }

    [Fact]
    public void Upgrade_of_the_v1_fixture_keeps_logs()
    {
        var file = PersistenceFixtures.CopyFixture("database_v1.db", _dir.Path);
        using var store = BanStore.Open(file, new ManualTime(Now));
        Assert.Equal(1, store.OpenedVersion);
        Assert.Equal(["4"], Query(file, "SELECT version FROM fail2banDb"));
        Assert.Equal(3, Query(file, "SELECT * FROM logs").Count);
        Assert.Equal(Query(file, "SELECT count(*) FROM bans"), Query(file, "SELECT count(*) FROM bips"));
        Assert.Contains("UNIQUE(jail, path, firstlinemd5)", Query(file, "SELECT sql FROM sqlite_master WHERE name='logs'")[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Newer_version_is_an_error_and_corrupt_file_is_repaired()
    {
        var newer = _dir.File("newer.sqlite3");
        using (var s = BanStore.Open(newer))
        {
        }

        using (var db = new SqliteConnection($"Data Source={newer};Pooling=False"))
        {
            db.Open();
            using var cmd = db.CreateCommand();
            cmd.CommandText = "UPDATE fail2banDb SET version = 5";
            cmd.ExecuteNonQuery();
        }

        Assert.Throws<InvalidOperationException>(() => BanStore.Open(newer));

        var corrupt = _dir.File("corrupt.sqlite3");
        File.WriteAllBytes(corrupt, Encoding.ASCII.GetBytes(new string('x', 4096)));
        using var store = BanStore.Open(corrupt, new ManualTime(Now));
        Assert.True(store.Created);
        Assert.NotNull(store.BackupFileName);
        Assert.Equal(4096, new FileInfo(store.BackupFileName!).Length);
        store.AddJail("sshd");
        Assert.Equal(["sshd"], store.GetJailNames(true));
    }

    [Fact]
    public void Jails_log_positions_and_unban_deletes()
    {
        using var store = BanStore.Open(_dir.File("f2b.sqlite3"), new ManualTime(Now));
        store.AddJail("sshd");
        store.AddJail("nginx");
        store.DelJail("nginx");
        Assert.Equal(["sshd"], store.GetJailNames(true));
        Assert.Equal(["nginx"], store.GetJailNames(false));
        store.AddJail("nginx");
        Assert.Equal(2, store.GetJailNames(true).Count);

        Assert.Null(store.AddLog("sshd", "/var/log/auth.log", 0, null)); // nothing stored, nothing inserted
        Assert.Null(store.AddLog("sshd", "/var/log/auth.log", 0, "h1")); // inserted now (hash)
        store.UpdateLog("sshd", "/var/log/auth.log", 500, "h1");
        Assert.Equal(500, store.AddLog("sshd", "/var/log/auth.log", 0, "h1"));
        Assert.Null(store.AddLog("sshd", "/var/log/auth.log", 0, "h2"));
        store.UpdateJournal("sshd", "systemd-journal", 1795326920.25, "2026-11-22T05:55:20.250000 ");
        Assert.Equal(1795326920.25, store.GetJournalPos("sshd", "systemd-journal"));

        store.AddBan("sshd", BanTicket("192.0.2.1", Now), 600);
        store.AddBan("sshd", BanTicket("192.0.2.2", Now), 600);
        store.AddBan("nginx", BanTicket("192.0.2.1", Now), 600);
        store.DelBan("sshd", "192.0.2.1");
        Assert.Equal(["192.0.2.2"], store.GetCurrentBans("sshd").Select(r => r.Ip));
        Assert.Single(store.GetCurrentBans("nginx"));
        store.DelBan("sshd");
        Assert.Empty(store.GetCurrentBans("sshd"));
        Assert.Empty(store.GetBans("sshd"));
    }

    [Fact]
    public void Ban_history_for_increment_per_jail_and_over_all_jails()
    {
        var time = new ManualTime(Now);
        using var store = BanStore.Open(_dir.File("f2b.sqlite3"), time);
        store.AddJail("a");
        store.AddJail("b");
        store.AddBan("a", BanTicket("192.0.2.1", Now - 100, 2, 1200), 600);
        store.AddBan("b", BanTicket("192.0.2.1", Now - 50, 1), 300);
        Assert.Equal(new BanHistory(2, (long)Now - 100, 1200), store.GetBanHistory("192.0.2.1", "a", false));
        Assert.Equal(new BanHistory(3, (long)Now - 50, 1500), store.GetBanHistory("192.0.2.1", "a", true));
        Assert.Null(store.GetBanHistory("192.0.2.9", "a", false));

        var merged = Assert.Single(store.GetBansMerged("192.0.2.1"));
        Assert.Equal(6, merged.Attempts);
        Assert.Equal(4, merged.Matches.Count);
    }

    [Fact]
    public void In_memory_database_works_without_a_file()
    {
        using var store = BanStore.Open(":memory:", new ManualTime(Now));
        Assert.True(store.Created);
        store.AddJail("sshd");
        store.AddBan("sshd", BanTicket("192.0.2.1", Now), 600);
        Assert.Single(store.RestoreCurrentBans("sshd", 600, BanTimeIncrement.Disabled, 5));
        Assert.False(store.Purge().Vacuumed);
    }

    [Fact]
    public void First_line_hash_is_sha1_of_the_line_with_newline()
    {
        // printf 'hello world\n' | sha1sum
        var line = Encoding.UTF8.GetBytes("hello world\n");
        Assert.Equal("22596363b3de40b06f981fb85d82312e8c0ed511", BanStore.FirstLineHash(line));
        Assert.Equal(string.Empty, BanStore.FirstLineHash(Encoding.UTF8.GetBytes("no newline")));
    }

    [Fact]
    public void Bulk_ban_purge_and_vacuum_keep_the_file_small()
    {
        var file = _dir.File("f2b.sqlite3");
        var time = new ManualTime(Now);
        using var store = BanStore.Open(file, time);
        store.AddJail("sshd");
        const int n = 20000;
        var tickets = Enumerable.Range(0, n).Select(i => new BanWrite("sshd",
            BanTicket($"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}", Now - 200000), 600)).ToList();
        // warm up (JIT, statement preparation), then measure
        store.AddBans(Enumerable.Range(0, 200).Select(i => new BanWrite("sshd", BanTicket($"172.16.0.{i}", Now - 200000), 600)));
        var sw = Stopwatch.StartNew();
        var json = tickets.Sum(w => BanDataJson.Serialize(w.Ticket, 10).Length);
        var jsonMs = sw.ElapsedMilliseconds;
        sw.Restart();
        store.AddBans(tickets);
        sw.Stop();
        output.WriteLine($"AddBans: {n} bans in one transaction: {sw.ElapsedMilliseconds} ms (JSON alone {jsonMs} ms, {json} bytes)");
        Assert.Equal([(n + 200).ToString(CultureInfo.InvariantCulture)], Query(file, "SELECT count(*) FROM bips"));

        // some recent ones survive the purge
        store.AddBans(Enumerable.Range(0, 10).Select(i => new BanWrite("sshd", BanTicket($"192.0.2.{i}", Now - 10), 600)));
        var before = new FileInfo(file).Length;
        sw.Restart();
        var result = store.Purge();
        sw.Stop();
        var after = new FileInfo(file).Length;
        output.WriteLine($"Purge: removed {result.Bans} bans/{result.Bips} bips in {sw.ElapsedMilliseconds} ms; file {before} -> {after} bytes (vacuum {result.Vacuumed})");
        Assert.Equal((n + 200, n + 200), (result.Bans, result.Bips));
        Assert.True(result.Vacuumed);
        Assert.True(after < before / 10, $"{before} -> {after}");
        Assert.Equal(10, store.GetCurrentBans("sshd").Count);

        // a second purge with nothing to delete does not vacuum again
        Assert.False(store.Purge().Vacuumed);
    }

    [Fact]
    public void Purge_keeps_permanent_and_recent_bips_and_drops_empty_disabled_jails()
    {
        var time = new ManualTime(Now);
        using var store = BanStore.Open(_dir.File("f2b.sqlite3"), time);
        store.AddJail("a");
        store.AddJail("gone");
        store.DelJail("gone");
        store.AddBan("a", BanTicket("192.0.2.1", Now - 100000, 1, -1), 600);      // permanent: bips kept
        store.AddBan("a", BanTicket("192.0.2.2", Now - 100000, 1, 30000), 600);   // 100000 - 3*30000 < 86400 → kept
        store.AddBan("a", BanTicket("192.0.2.3", Now - 100000, 1, 600), 600);     // purged
        var r = store.Purge();
        Assert.Equal((3, 1, 1), (r.Bans, r.Bips, r.Jails));
        Assert.Equal(["a"], store.GetJailNames());
        Assert.NotNull(store.GetBanHistory("192.0.2.1", "a", false));
        Assert.NotNull(store.GetBanHistory("192.0.2.2", "a", false));
        Assert.Null(store.GetBanHistory("192.0.2.3", "a", false));
    }
}

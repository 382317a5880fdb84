using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Jail2Ban.Core.Banning;
using Jail2Ban.Core.Configuration;
using Jail2Ban.Server.Actions;
using Jail2Ban.Server.Builtin;
using Jail2Ban.Server.Control;
using Jail2Ban.Server.Jails;
using Jail2Ban.Server.Logging;
using Jail2Ban.Server.Logs;
using Jail2Ban.Server.Persistence;
using Jail2Ban.Server.Tests.Hosting;
using Jail2Ban.Server.Tests.Jails;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace Jail2Ban.Server.Tests.Persistence;

/// <summary>
/// Differential test of the ban database: the same configuration (stock sshd filter of Debian's
/// fail2ban 1.0.2, a no-op action, polling backend), the same log and the same client commands
/// run once on the real fail2ban-server 1.0.2 and once on an in-process j2b server; the
/// <c>bans</c> and <c>bips</c> rows must agree (data JSON byte for byte, except the order of the
/// <c>users</c> set, which Python iterates in hash order). Then each server restores the other's
/// database. Runs only where /usr/bin/fail2ban-server exists.
/// </summary>
public sealed partial class DatabaseOracleTests(ITestOutputHelper output) : IDisposable
{
    private const string F2bServer = "/usr/bin/fail2ban-server";

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static bool OracleAvailable => File.Exists(F2bServer) && PersistenceFixtures.OracleAvailable;

    private string LogFile => _dir.File("auth.log");

    private string IncLog => _dir.File("inc.log");

    /// <summary>Syslog lines (UTC) of sshd, <paramref name="ago"/> seconds before <paramref name="now"/>.</summary>
    private static string L(DateTimeOffset now, int ago, int pid, string msg) =>
        now.AddSeconds(-ago).UtcDateTime.ToString("MMM dd HH:mm:ss", CultureInfo.InvariantCulture) + $" srv sshd[{pid}]: {msg}";

    private void WriteLogs(DateTimeOffset now)
    {
        var lines = new List<string>
        {
            // users grow on the connection before the ban: ['root', 'admin']; forget after the ban
            L(now, 60, 1001, "Failed password for root from 192.0.2.10 port 4000 ssh2"),
            L(now, 59, 1001, "Failed password for root from 192.0.2.10 port 4000 ssh2"),
            L(now, 58, 1001, "Failed password for admin from 192.0.2.10 port 4000 ssh2"),
            L(now, 57, 1001, "Connection closed by authenticating user admin 192.0.2.10 port 4000 [preauth]"),
            // IPv6, a quote and non-ASCII in user names (Python repr picks the quotes, JSON keeps UTF-8)
            L(now, 55, 1002, "Invalid user test from 2001:db8::5 port 5000"),
            L(now, 54, 1002, "Failed password for invalid user o'neil from 2001:db8::5 port 5000 ssh2"),
            L(now, 53, 1002, "Failed password for invalid user j\u00f6s\u00e9 from 2001:db8::5 port 5000 ssh2"),
            L(now, 52, 1002, "Disconnected from invalid user j\u00f6s\u00e9 2001:db8::5 port 5000 [preauth]"),
            // a gained (Accepted) connection, then failures on other connections merge into the first ticket
            L(now, 50, 1003, "Failed password for bob from 192.0.2.20 port 6000 ssh2"),
            L(now, 49, 1003, "Accepted password for bob from 192.0.2.20 port 6000 ssh2"),
            L(now, 48, 1004, "Failed password for alice from 192.0.2.20 port 6001 ssh2"),
            L(now, 47, 1004, "Failed password for carol from 192.0.2.20 port 6001 ssh2"),
            // nofail line first (pam, ALT_USER → user), its matches join the failure
            L(now, 45, 1005, "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.30  user=root"),
            L(now, 44, 1005, "Failed password for root from 192.0.2.30 port 7000 ssh2"),
            L(now, 43, 1005, "Failed password for root from 192.0.2.30 port 7000 ssh2"),
            L(now, 42, 1005, "error: maximum authentication attempts exceeded for root from 192.0.2.30 port 7000 ssh2 [preauth]"),
            L(now, 41, 1005, "Disconnecting authenticating user root 192.0.2.30 port 7000: Too many authentication failures [preauth]"),
        };
        // seven connections, one user each: banned at 3 in sshd, at 6 in "many" (maxmatches 5, dbmaxmatches 4)
        for (var i = 0; i < 7; i++)
        {
            lines.Add(L(now, 38 - i, 1010 + i, $"Failed password for invalid user u{i} from 203.0.113.9 port {9000 + i} ssh2"));
        }

        File.WriteAllLines(LogFile, lines);
        File.WriteAllText(IncLog, "");
        // an F-ID failure with a host besides: the ticket data gets "ip" (fail2ban writes str(IPAddr))
        File.WriteAllLines(_dir.File("fid.log"), [.. Enumerable.Range(0, 2).Select(i =>
            now.AddSeconds(i - 30).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " session s7 failed from 2001:db8::1")]);
    }

    private string WriteConf(string name, string db)
    {
        var root = _dir.File(name);
        var conf = Path.Combine(root, "conf");
        Directory.CreateDirectory(Path.Combine(conf, "filter.d"));
        Directory.CreateDirectory(Path.Combine(conf, "action.d"));
        var stock = Path.Combine(RepoPaths.Shared, "compat", "fail2ban-debian-1.0.2", "config", "filter.d");
        foreach (var f in new[] { "sshd.conf", "common.conf" })
        {
            File.Copy(Path.Combine(stock, f), Path.Combine(conf, "filter.d", f));
        }

        File.WriteAllText(Path.Combine(conf, "fail2ban.conf"), $"""
            [Definition]
            loglevel = INFO
            logtarget = {Path.Combine(root, "server.log")}
            syslogsocket = auto
            socket = {Path.Combine(root, "s.sock")}
            pidfile = {Path.Combine(root, "s.pid")}
            allowipv6 = auto
            dbfile = {db}
            dbpurgeage = 1d
            dbmaxmatches = 4
            """);
        File.WriteAllText(Path.Combine(conf, "filter.d", "fid.conf"), """
            [Definition]
            failregex = ^\s*session <F-ID>\S+</F-ID> failed from <HOST>$
            """);
        File.WriteAllText(Path.Combine(conf, "action.d", "noop.conf"), """
            [Definition]
            actionstart =
            actionstop =
            actioncheck =
            actionban = true
            actionunban = true
            """);
        File.WriteAllText(Path.Combine(conf, "jail.conf"), $"""
            [DEFAULT]
            backend = polling
            logtimezone = UTC
            action = noop
            maxretry = 3
            findtime = 10m
            bantime = 1h
            [sshd]
            enabled = true
            filter = sshd
            logpath = {LogFile}
            [many]
            enabled = true
            filter = sshd
            logpath = {LogFile}
            maxretry = 6
            maxmatches = 5
            bantime.increment = true
            [inc]
            enabled = true
            filter = sshd
            logpath = {IncLog}
            bantime = 2
            bantime.increment = true
            bantime.overalljails = true
            [fid]
            enabled = true
            filter = fid
            logpath = {_dir.File("fid.log")}
            maxretry = 2
            """);
        return conf;
    }

    // ---- the scenario, the same for both servers ----------------------------------------------

    private sealed record Outcome(Dictionary<string, string> Replies, double Started);

    private static async Task<Outcome> RunScenario(Func<string[], Task<string>> cmd, double started)
    {
        // Settled: every IP of the log banned where expected and the status stable for a while.
        var sw = Stopwatch.StartNew();
        string last = "", now;
        var stableSince = sw.ElapsedMilliseconds;
        while (true)
        {
            now = await cmd(["banned"]) + await cmd(["status", "sshd"]) + await cmd(["status", "many"]);
            if (now != last)
            {
                last = now;
                stableSince = sw.ElapsedMilliseconds;
            }
            else if (now.Contains("203.0.113.9'], 'many'", StringComparison.Ordinal) || now.Contains("{'many': ['203.0.113.9']}", StringComparison.Ordinal))
            {
                if (sw.ElapsedMilliseconds - stableSince > 2500) break;
            }

            Assert.True(sw.ElapsedMilliseconds < 40000, "log never settled: " + now);
            await Task.Delay(300);
        }

        var r = new Dictionary<string, string>(StringComparer.Ordinal);
        async Task Do(params string[] c) => r[string.Join(' ', c)] = await cmd(c);
        await Do("set", "sshd", "banip", "198.51.100.7");
        await Do("set", "sshd", "unbanip", "198.51.100.7");
        await Do("set", "sshd", "banip", "198.51.100.7", "2001:db8::99");
        await Do("set", "inc", "banip", "192.0.2.50");
        await Task.Delay(4000); // the 2 s ban ends; the row stays in bips
        await Do("set", "inc", "banip", "192.0.2.50");
        await Do("set", "inc", "banip", "192.0.2.10"); // history from sshd (overalljails)
        await Task.Delay(1500);
        await Do("get", "sshd", "banip", "--with-time");
        await Do("get", "many", "banip", "--with-time");
        await Do("get", "inc", "banip", "--with-time");
        await Do("banned");
        await Do("status", "sshd");
        await Do("status", "many");
        await Do("status", "inc");
        return new Outcome(r, started);
    }

    // ---- fail2ban 1.0.2 ---------------------------------------------------------------------

    private const string ClientScript = """
        import sys
        from fail2ban.client.csocket import CSocket
        s = CSocket(sys.argv[1], timeout=10)
        r = s.send(sys.argv[2:])
        s.close()
        sys.stdout.write(("ERR " if r[0] else "") + repr(r[1]))
        """;

    private static async Task<string> F2bCommand(string socket, string[] args)
    {
        var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(ClientScript);
        psi.ArgumentList.Add(socket);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["TZ"] = "UTC";
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return p.ExitCode == 0 ? await o : "FAILED " + await e;
    }

    private static async Task<T> WithF2b<T>(string conf, Func<Func<string[], Task<string>>, Task<T>> body)
    {
        var root = Path.GetDirectoryName(conf)!;
        var sock = Path.Combine(root, "s.sock");
        var psi = new ProcessStartInfo(F2bServer) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-f", "-x", "-c", conf, "-s", sock, "-p", Path.Combine(root, "s.pid") }) psi.ArgumentList.Add(a);
        psi.Environment["TZ"] = "UTC";
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var outp = p.StandardOutput.ReadToEndAsync();
        Func<string[], Task<string>> cmd = a => F2bCommand(sock, a);
        try
        {
            var sw = Stopwatch.StartNew();
            while (await cmd(["ping"]) != "'pong'")
            {
                Assert.True(sw.ElapsedMilliseconds < 30000 && !p.HasExited, "fail2ban-server did not start: " + (p.HasExited ? await err : ""));
                await Task.Delay(200);
            }

            return await body(cmd);
        }
        finally
        {
            if (!p.HasExited)
            {
                await cmd(["stop"]);
                using var cts = new CancellationTokenSource(20000);
                try
                {
                    await p.WaitForExitAsync(cts.Token);
                }
                catch (OperationCanceledException)
                {
                    p.Kill(true);
                }
            }

            await Task.WhenAll(err, outp);
        }
    }

    // ---- j2b in process ---------------------------------------------------------------------

    private sealed class UtcClock : TimeProvider
    {
        public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;
    }

    private static async Task<T> WithJ2b<T>(string conf, Func<Func<string[], Task<string>>, Task<T>> body)
    {
        var time = new UtcClock();
        using var output = new LogCapture();
        var log = new ServerLog(time, new ServerLogEnvironment(output, output, 1, "/nonexistent", TimeZoneInfo.Utc), "1.0.2");
        log.SetTarget("STDOUT");
        var services = new JailServices(time, log, new RecordingActionRunner(), new BuiltinActionFactory(time),
            new LogSourceFactory(new Microsoft.Extensions.Logging.LoggerFactory([new Fail2BanLoggerProvider(log)]), time, new FastPoll()));
        var manager = new JailManager(services, jail => ConfigurationReader.Read(conf, new ConfigurationReadOptions { Jail = jail }), () => { });
        try
        {
            Assert.True(await manager.ApplyAsync(ConfigurationReader.Read(conf)), output.Text);
            var dispatcher = new ControlDispatcher(manager, time);
            return await body(async a => Control.DispatchText.Text(await dispatcher.DispatchAsync(a.Cast<object?>().ToList())));
        }
        finally
        {
            await manager.DisposeAsync();
        }
    }

    // ---- rows -------------------------------------------------------------------------------

    private sealed record Row(string Table, string Jail, string Ip, long TimeOfBan, long BanTime, long BanCount, string Data);

    private static List<Row> ReadRows(string db)
    {
        var rows = new List<Row>();
        using var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = db, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        c.Open();
        foreach (var table in new[] { "bans", "bips" })
        {
            using var cmd = c.CreateCommand();
            cmd.CommandText = $"SELECT jail, ip, timeofban, bantime, bancount, data FROM {table} ORDER BY jail, ip, timeofban";
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                var data = r.GetValue(5) switch
                {
                    byte[] b => Encoding.UTF8.GetString(b),
                    string s => s,
                    _ => "<null>",
                };
                rows.Add(new Row(table, r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4), data));
            }
        }

        return rows;
    }

    /// <summary>The data JSON with the items of the <c>users</c> string sorted (Python writes the set in hash order).</summary>
    internal static string NormalizeUsers(string data) =>
        UsersValue().Replace(data, m =>
        {
            var json = JsonSerializer.Deserialize<string>(m.Groups[1].Value)!;
            var items = PyItem().Matches(json).Select(x => x.Value).Order(StringComparer.Ordinal);
            return "\"users\": " + JsonSerializer.Serialize("[" + string.Join(", ", items) + "]",
                new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        });

    [GeneratedRegex("\"users\": (\"(?:[^\"\\\\]|\\\\.)*\")")]
    private static partial Regex UsersValue();

    [GeneratedRegex("'(?:[^'\\\\]|\\\\.)*'|\"(?:[^\"\\\\]|\\\\.)*\"")]
    private static partial Regex PyItem();

    [GeneratedRegex(@"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")]
    private static partial Regex DateTimeText();

    private static string Show(IEnumerable<Row> rows, double started) =>
        string.Join('\n', rows.Select(r => $"{r.Table}|{r.Jail}|{r.Ip}|{r.TimeOfBan - (long)started}|{r.BanTime}|{r.BanCount}|{r.Data}"));

    [Fact]
    public async Task BanRowsAndDataMatchFail2Ban102()
    {
        if (!OracleAvailable)
        {
            output.WriteLine("SKIPPED: " + F2bServer + " is not installed; differential run not done");
            return;
        }

        var logTime = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        WriteLogs(logTime);
        var f2bDb = _dir.File("f2b.sqlite3");
        var j2bDb = _dir.File("j2b.sqlite3");

        var f2b = await WithF2b(WriteConf("f2b", f2bDb), cmd => RunScenario(cmd, NowSeconds()));
        var j2b = await WithJ2b(WriteConf("j2b", j2bDb), cmd => RunScenario(cmd, NowSeconds()));

        // Client replies: equal, except the times of the bans made by hand in "inc" (now-based).
        foreach (var (k, v) in f2b.Replies)
        {
            var a = Manual(v);
            var b = Manual(j2b.Replies[k]);
            if (k.StartsWith("get inc", StringComparison.Ordinal))
            {
                a = DateTimeText().Replace(a, "T");
                b = DateTimeText().Replace(b, "T");
            }

            if (k == "status many")
            {
                // "many" has bantime.increment, so fail2ban 1.0.2's observer thread sees every failure too and,
                // for an address that already has a ban of this jail in the database, adds it once more
                // (observer.py failureFound -> addFailure(observed=True), which counts in "Total failed").
                // For the failure that follows the ban of 203.0.113.9 this depends on thread timing: if the
                // observer gets to it before the actions thread has written the ban, nothing is added. Seen
                // once in a full parallel test run: fail2ban 21, j2b 22 (runs alone: equal). So fail2ban's
                // count may be lower than ours, never higher.
                var ft = TotalFailed(a);
                var jt = TotalFailed(b);
                Assert.True(ft <= jt && jt - ft <= 2, $"Total failed in 'many': fail2ban {ft}, j2b {jt}");
                a = TotalFailedText().Replace(a, "('Total failed', N)");
                b = TotalFailedText().Replace(b, "('Total failed', N)");
            }

            Assert.True(a == b, $"reply to '{k}':\n fail2ban: {v}\n j2b:      {j2b.Replies[k]}");
        }

        var fr = ReadRows(f2bDb);
        var jr = ReadRows(j2bDb);
        output.WriteLine("fail2ban 1.0.2:\n" + Show(fr, f2b.Started) + "\nj2b:\n" + Show(jr, j2b.Started));

        // The oracle itself: fail2ban stores the connection's users as the str() of a list.
        Assert.Contains(fr, r => r.Jail == "sshd" && r.Ip == "192.0.2.10" && NormalizeUsers(r.Data).Contains("\"users\": \"['admin', 'root']\"", StringComparison.Ordinal));

        Assert.Equal(fr.Count, jr.Count);
        var logEnd = logTime.ToUnixTimeSeconds();
        for (var i = 0; i < fr.Count; i++)
        {
            var (f, j) = (fr[i], jr[i]);
            var what = $"row {i}: fail2ban {f}\n j2b {j}";
            Assert.True((f.Table, f.Jail, f.Ip, f.BanCount) == (j.Table, j.Jail, j.Ip, j.BanCount), what);
            // Ours is the ban's own bantime. fail2ban 1.0.2 usually writes that too, but failures of the same
            // address read after the ban in the same batch prolong the ticket in memory, and whether its
            // actions thread writes the row before or after that depends on thread timing (seen in a full
            // CI run: 3603 against 3600 for 203.0.113.9 in sshd, whose 4th-7th failures follow at 1 s steps).
            // So fail2ban's value may exceed ours by those few seconds, never fall short of it.
            Assert.True(f.BanTime == j.BanTime || (j.BanTime > 0 && f.BanTime - j.BanTime is > 0 and <= 10), what);
            if (f.TimeOfBan <= logEnd)
            {
                Assert.True(f.TimeOfBan == j.TimeOfBan, what);
            }
            else
            {
                // bans by hand: the same offset from each server's start, within 3 s
                Assert.True(Math.Abs((f.TimeOfBan - f2b.Started) - (j.TimeOfBan - j2b.Started)) <= 3, what);
            }

            Assert.True(NormalizeUsers(f.Data) == NormalizeUsers(j.Data), what);
        }

        // fail2ban 1.0.2 restores j2b's database: the same bans per jail.
        var f2bOnJ2b = _dir.File("f2b-on-j2b.sqlite3");
        File.Copy(j2bDb, f2bOnJ2b);
        var restoredByF2b = await WithF2b(WriteConf("f2b-restore", f2bOnJ2b), async cmd => new[]
        {
            await WaitFor(cmd, ["get", "sshd", "banip"], j2b.Replies["banned"].Contains("'sshd'", StringComparison.Ordinal)),
            await cmd(["get", "sshd", "banip", "--with-time"]),
            await cmd(["get", "many", "banip", "--with-time"]),
        });
        Assert.Equal(SshdBanned(j2b.Replies["banned"]), Items(restoredByF2b[0]));
        Assert.Contains("'192.0.2.10 \\t", restoredByF2b[1], StringComparison.Ordinal);
        Assert.Contains("'203.0.113.9 \\t", restoredByF2b[2], StringComparison.Ordinal);

        // j2b restores fail2ban's database: tickets carry users, matches and failures as stored.
        using (var store = BanStore.Open(f2bDb))
        {
            var tickets = store.RestoreCurrentBans("sshd", 3600, BanTimeIncrement.Disabled, 5);
            var t10 = Assert.Single(tickets, t => t.Id.Text == "192.0.2.10");
            Assert.True(t10.Data.TryGetValue("users", out var users), string.Join(", ", t10.Data.Keys));
            Assert.Equal("['admin', 'root']", NormalizeUsers("\"users\": " + JsonSerializer.Serialize(users))[10..].Trim('"'));
            Assert.Equal(3, t10.Attempts);
            Assert.Equal(3, t10.Matches.Count);
            // written back unchanged (a restored ticket serialises to fail2ban's bytes)
            var stored = fr.First(r => r.Table == "bips" && r.Jail == "sshd" && r.Ip == "192.0.2.10").Data;
            Assert.Equal(stored, Encoding.UTF8.GetString(BanDataJson.Serialize(t10, 4)));
        }

        var j2bOnF2b = _dir.File("j2b-on-f2b.sqlite3");
        File.Copy(f2bDb, j2bOnF2b);
        var restoredByJ2b = await WithJ2b(WriteConf("j2b-restore", j2bOnF2b), async cmd => new[]
        {
            await WaitFor(cmd, ["get", "sshd", "banip"], true),
            await cmd(["get", "sshd", "banip", "--with-time"]),
            await cmd(["get", "many", "banip", "--with-time"]),
        });
        // Both read the other's rows the same way (in memory a prolonged ban showed 3603 s; the
        // rows, as in fail2ban, keep the bantime of the ban itself, so both restore 3600 s).
        Assert.Equal(Manual(restoredByF2b[1]), Manual(restoredByJ2b[1]));
        Assert.Equal(restoredByF2b[2], restoredByJ2b[2]);
        Assert.Equal(SshdBanned(f2b.Replies["banned"]), Items(restoredByJ2b[0]));
        Assert.Contains("'203.0.113.9 \\t", restoredByJ2b[1], StringComparison.Ordinal);
    }

    /// <summary>Hides the times of the bans made by hand (the database rounds them to the second).</summary>
    private static string Manual(string reply) => ManualBan().Replace(reply, "'$1 T'");

    [GeneratedRegex(@"'(198\.51\.100\.7|2001:db8::99) \\t[^']*'")]
    private static partial Regex ManualBan();

    private static List<string> Items(string pyList) => [.. PyItem().Matches(pyList).Select(m => m.Value).Order(StringComparer.Ordinal)];

    /// <summary>The sshd IPs of a <c>banned</c> reply, sorted.</summary>
    private static List<string> SshdBanned(string banned)
    {
        var m = SshdList().Match(banned);
        Assert.True(m.Success, banned);
        var items = Items(m.Groups[1].Value);
        Assert.Equal(7, items.Count);
        return items;
    }

    [GeneratedRegex(@"\{'sshd': \[([^\]]*)\]\}")]
    private static partial Regex SshdList();

    private static double NowSeconds() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

    /// <summary>Polls a command until its reply is not an empty list (when expected), then a little longer.</summary>
    private static async Task<string> WaitFor(Func<string[], Task<string>> cmd, string[] c, bool nonEmpty)
    {
        var sw = Stopwatch.StartNew();
        string r;
        while ((r = await cmd(c)) == "[]" && nonEmpty && sw.ElapsedMilliseconds < 20000)
        {
            await Task.Delay(200);
        }

        await Task.Delay(1500);
        return await cmd(c);
    }

    private static int TotalFailed(string statusReply) =>
        int.Parse(TotalFailedText().Match(statusReply).Groups[1].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"\('Total failed', (\d+)\)")]
    private static partial Regex TotalFailedText();
}

using Jail2Ban.Server.Logs;
using Jail2Ban.Server.Tests.Hosting;
using Jail2Ban.Server.Tests.Jails;
using Microsoft.Data.Sqlite;

namespace Jail2Ban.Server.Tests.Logs.Journal;

/// <summary>
/// An in-process jail (fail2ban 1.0.2's Debian sshd filter, read from the compat tree, with its
/// journalmatch <c>_SYSTEMD_UNIT=sshd.service + _COMM=sshd</c>) on a real journal file:
/// failures, bans, other units ignored, the journal position in the database, a restart.
/// </summary>
public sealed class JournalJailTests
{
    private static DateTimeOffset Now => JailTestHost.Start;

    /// <summary>A host whose jail 'test' uses the sshd filter and the given systemd backend.
    /// Its logpath (auth.log) stays: fail2ban ignores logpath for systemd jails.</summary>
    private static async Task<JailTestHost> Host(string backend)
    {
        var dir = new TempDir();
        var filters = Path.Combine(dir.File("conf"), "filter.d");
        Directory.CreateDirectory(filters);
        foreach (var f in new[] { "sshd.conf", "common.conf" })
        {
            File.Copy(Path.Combine(RepoPaths.Compat, "fail2ban-debian-1.0.2", "config", "filter.d", f), Path.Combine(filters, f));
        }
        return await JailTestHost.StartAsync($"filter = sshd\nbackend = {backend}", dir: dir);
    }

    private static ExportEntry Failed(DateTimeOffset t, string ip, string unit = "sshd.service", string comm = "sshd", DateTimeOffset? sourceTime = null) =>
        ExportEntry.Sshd(t, $"Failed password for root from {ip} port 22 ssh2", unit, comm, sourceTime: sourceTime);

    private static int Found(string log, string ip) =>
        log.Split('\n').Count(l => l.Contains($"[test] Found {ip} ", StringComparison.Ordinal));

    private static (string? Iso, double? Time) StoredPosition(string db)
    {
        using var c = new SqliteConnection($"Data Source={db};Mode=ReadOnly;Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT firstlinemd5, lastfilepos FROM logs WHERE jail='test' AND path='systemd-journal'";
        using var r = cmd.ExecuteReader();
        return r.Read() ? (r.IsDBNull(0) ? null : r.GetString(0), r.IsDBNull(1) ? null : r.GetDouble(1)) : (null, null);
    }

    private static string? BanData(string db, string ip)
    {
        using var c = new SqliteConnection($"Data Source={db};Mode=ReadOnly;Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT data FROM bans WHERE jail='test' AND ip=$ip";
        cmd.Parameters.AddWithValue("$ip", ip);
        return cmd.ExecuteScalar() switch
        {
            string text => text,
            byte[] bytes => System.Text.Encoding.UTF8.GetString(bytes),
            null or DBNull => null,
            var other => other.ToString(),
        };
    }

    [JournalFact]
    public async Task FailuresInTheJournalBanAndOtherUnitsAreIgnored()
    {
        using var j = new RealJournal();
        j.Append(
            Failed(Now.AddMinutes(-5), "192.0.2.1"),
            Failed(Now.AddMinutes(-4), "192.0.2.9", unit: "nginx.service", comm: "nginx"),
            Failed(Now.AddMinutes(-4), "192.0.2.9", unit: "nginx.service", comm: "nginx"),
            Failed(Now.AddMinutes(-4), "192.0.2.9", unit: "nginx.service", comm: "nginx"),
            Failed(Now.AddMinutes(-3), "192.0.2.1"));
        await using var h = await Host($"systemd[journalfiles={j.File}]");
        await h.WaitUntil(() => Found(h.ServerLogText, "192.0.2.1") == 2, "the backlog's two failures");
        Assert.Equal(["_SYSTEMD_UNIT=sshd.service", "_COMM=sshd"], h.Manager.GetJournalMatch("test").SelectMany(g => g));
        // logpath is ignored for a systemd jail, silently, as in fail2ban 1.0.2 ("No file is currently monitored").
        Assert.Empty(h.Manager.GetLogPaths("test"));
        Assert.DoesNotContain("auth.log", h.ServerLogText, StringComparison.Ordinal);

        j.Append(Failed(Now.AddMinutes(-4), "192.0.2.9", unit: "cron.service", comm: "cron"), Failed(Now.AddSeconds(-10), "192.0.2.1"));
        await h.WaitUntil(() => h.ActionLines.Any(l => l.EndsWith("ban 192.0.2.1 3600", StringComparison.Ordinal)), "the ban of 192.0.2.1");
        Assert.Equal(3, Found(h.ServerLogText, "192.0.2.1"));
        Assert.Equal(0, Found(h.ServerLogText, "192.0.2.9"));
        Assert.DoesNotContain(h.ActionLines, l => l.Contains("192.0.2.9", StringComparison.Ordinal));
        Assert.Contains("[test] Found 192.0.2.1 - 2026-11-22 06:59:50", h.ServerLogText, StringComparison.Ordinal);

        // The ban's matches in the database: the first as the triple ('', date text, line), the others joined,
        // date text included, as fail2ban 1.0.2 stores them (checked by running it on such a journal).
        await h.WaitUntil(() => BanData(h.Db, "192.0.2.1") is not null, "the ban in the database");
        Assert.Contains("[\"\", \"2026-11-22T06:55:00+00:00 \", \"host1 sshd[1234]: Failed password for root from 192.0.2.1 port 22 ssh2\"]", BanData(h.Db, "192.0.2.1"), StringComparison.Ordinal);
        Assert.Contains(", \"2026-11-22T06:59:50+00:00 host1 sshd[1234]: Failed password for root from 192.0.2.1 port 22 ssh2\"]", BanData(h.Db, "192.0.2.1"), StringComparison.Ordinal);

        // The database holds what fail2ban 1.0.2 stores: the last entry's date text and time.
        await h.WaitUntil(() => StoredPosition(h.Db).Time is { } t && t >= Now.AddSeconds(-10).ToUnixTimeSeconds(), "the journal position");
        Assert.Equal(("2026-11-22T06:59:50+00:00 ", (double)Now.AddSeconds(-10).ToUnixTimeSeconds()), StoredPosition(h.Db));
    }

    [JournalFact]
    public async Task AfterARestartTheJailReadsOnlyWhatCameAfterTheStoredPosition()
    {
        using var j = new RealJournal();
        j.Append(
            Failed(Now.AddMinutes(-5), "192.0.2.2"),
            // journald stamps its receive time a little after the source time: fail2ban 1.0.2 reads this entry again.
            Failed(Now.AddMinutes(-4), "192.0.2.2", sourceTime: Now.AddMinutes(-4).AddMilliseconds(-3)));
        await using var h = await Host($"systemd[journalfiles={j.File}]");
        await h.WaitUntil(() => Found(h.ServerLogText, "192.0.2.2") == 2, "two failures");
        await h.WaitUntil(() => StoredPosition(h.Db).Time is { } t && Math.Abs(t - Now.AddMinutes(-4).AddMilliseconds(-3).ToUnixTimeMilliseconds() / 1000.0) < 1e-6, "the journal position");
        Assert.Equal("2026-11-22T06:55:59.997000+00:00 ", StoredPosition(h.Db).Iso);
        await h.StopManagerAsync();

        var before = h.ServerLogText.Length;
        await h.StartManagerAsync();
        await h.WaitUntil(() => h.ServerLogText[before..].Contains("[test] Jail is in operation now", StringComparison.Ordinal), "the restarted jail");
        j.Append(Failed(Now.AddMinutes(-1), "192.0.2.2"));
        await h.WaitUntil(() => Found(h.ServerLogText[before..], "192.0.2.2") >= 1, "the new failure");
        await Task.Delay(300);
        Assert.Equal(1, Found(h.ServerLogText[before..], "192.0.2.2"));
        Assert.DoesNotContain(h.ActionLines, l => l.Contains("ban 192.0.2.2", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AJournalpathThatIsNoDirectoryFailsTheJailNamingItAndThePath()
    {
        await using var h = await Host("systemd[journalpath=/nonexistent/j2b-journal]");
        Assert.DoesNotContain("test", h.Manager.Jails);
        Assert.Contains("jail 'test': systemd backend: journalpath /nonexistent/j2b-journal is not a directory", h.ServerLogText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task JournalfilesMatchingNothingFailTheJail()
    {
        await using var h = await Host("systemd[journalfiles=/nonexistent/j2b/*.journal]");
        Assert.DoesNotContain("test", h.Manager.Jails);
        Assert.Contains("jail 'test': systemd backend: journalfiles /nonexistent/j2b/*.journal matches no file", h.ServerLogText, StringComparison.Ordinal);
    }
}

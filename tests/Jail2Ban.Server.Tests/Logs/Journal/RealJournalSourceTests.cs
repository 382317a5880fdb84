using System.Diagnostics;
using System.Text;
using Jail2Ban.Server.Logs;
using Jail2Ban.Server.Tests.Hosting;

namespace Jail2Ban.Server.Tests.Logs.Journal;

/// <summary>
/// The systemd backend against journal files written by systemd-journal-remote and read by the
/// real journalctl: backlog from now − findtime, live entries through --follow (inotify),
/// journalmatch, resume after the stored position, and errors.
/// </summary>
public sealed class RealJournalSourceTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 7, 0, 0, TimeSpan.Zero);
    private static readonly string[] SshdMatch = ["_SYSTEMD_UNIT=sshd.service", "+", "_COMM=sshd"];

    private static (LogSourceFactory Factory, CapturingLoggerFactory Logs) Factory(TimeProvider time)
    {
        var logs = new CapturingLoggerFactory();
        return (new LogSourceFactory(logs, time), logs);
    }

    private static async Task<List<JournalLogBatch>> Collect(IAsyncEnumerator<LogBatch> e, int entries)
    {
        var batches = new List<JournalLogBatch>();
        while (batches.Sum(b => b.Entries.Count) < entries)
        {
            batches.Add((JournalLogBatch)await e.NextAsync());
        }
        return batches;
    }

    [JournalFact]
    public async Task ReadsTheBacklogFromFindtimeThenFollowsAppendedEntriesOfTheMatchedUnitsOnly()
    {
        using var j = new RealJournal();
        j.Append(
            ExportEntry.Sshd(Now.AddMinutes(-20), "Failed password for root from 192.0.2.7 port 22 ssh2"), // older than findtime
            ExportEntry.Sshd(Now.AddMinutes(-5), "Failed password for root from 192.0.2.1 port 22 ssh2"),
            ExportEntry.Sshd(Now.AddMinutes(-4), "Failed password for root from 192.0.2.9 port 22 ssh2", unit: "nginx.service", comm: "nginx"),
            ExportEntry.Sshd(Now.AddMinutes(-3), "Failed password for root from 192.0.2.1 port 22 ssh2", unit: "ssh.socket", comm: "sshd"));
        var (factory, logs) = Factory(new FixedTime(Now));
        factory.Validate($"systemd[journalpath={j.JournalDir}]");
        await using var src = (IJournalLogSource)factory.Create("sshd", $"systemd[journalpath={j.JournalDir}]");
        src.AddMatch(SshdMatch);
        src.SetStart(new JournalStart(TimeSpan.FromMinutes(10)));
        using var cts = new CancellationTokenSource();
        await using var e = src.ReadAsync(cts.Token).GetAsyncEnumerator();

        var backlog = await Collect(e, 2);
        Assert.Equal(
            ["host1 sshd[1234]: Failed password for root from 192.0.2.1 port 22 ssh2", "host1 sshd[1234]: Failed password for root from 192.0.2.1 port 22 ssh2"],
            backlog.SelectMany(b => b.Entries).Select(x => x.Message));
        Assert.Equal([Now.AddMinutes(-5), Now.AddMinutes(-3)], backlog.SelectMany(b => b.Entries).Select(x => x.Time));
        Assert.All(backlog, b => Assert.False(b.InOperation));

        // journalctl --follow is already running: appended entries arrive live, other units' do not.
        j.Append(
            ExportEntry.Sshd(Now.AddMinutes(-1), "Failed password for root from 192.0.2.9 port 22 ssh2", unit: "cron.service", comm: "cron"),
            ExportEntry.Sshd(Now.AddSeconds(-30), "Failed password for root from 192.0.2.2 port 22 ssh2", pid: 77));
        var live = (JournalLogBatch)await e.NextAsync();
        Assert.True(live.InOperation);
        Assert.Contains("[sshd] Jail is in operation now (process new journal entries)", logs.Messages);
        Assert.Equal(["host1 sshd[77]: Failed password for root from 192.0.2.2 port 22 ssh2"], live.Entries.Select(x => x.Message));
        Assert.Equal("2026-11-22T06:59:30+00:00 ", live.Entries[0].DateText);
        Assert.NotNull(src.LastCursor);
        Assert.Equal(Now.AddSeconds(-30), src.LastTime);
    }

    /// <summary>journalctl --follow without --merge reads the latest boot only, and fails on a journal
    /// directory without entries yet; fail2ban's reader does neither.</summary>
    [JournalFact]
    public async Task AnEmptyJournalDirectoryIsFollowedUntilEntriesArrive()
    {
        using var j = new RealJournal();
        var (factory, logs) = Factory(new FixedTime(Now));
        await using var src = (IJournalLogSource)factory.Create("sshd", $"systemd[journalpath={j.JournalDir}]");
        using var cts = new CancellationTokenSource();
        await using var e = src.ReadAsync(cts.Token).GetAsyncEnumerator();
        var next = e.MoveNextAsync().AsTask();
        await Task.Delay(1500);
        Assert.False(next.IsCompleted);
        j.Append(ExportEntry.Sshd(Now.AddSeconds(1), "first ever"));
        Assert.True(await next.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(["host1 sshd[1234]: first ever"], ((JournalLogBatch)e.Current).Entries.Select(x => x.Message));
        Assert.DoesNotContain(logs.Entries, x => x.Level == Microsoft.Extensions.Logging.LogLevel.Error);
    }

    [JournalFact]
    public async Task TheBacklogIncludesEntriesOfAnEarlierBoot()
    {
        using var j = new RealJournal();
        j.BootId = "11111111111111111111111111111111";
        j.Append(ExportEntry.Sshd(Now.AddMinutes(-6), "before the reboot"));
        j.BootId = "22222222222222222222222222222222";
        j.Append(ExportEntry.Sshd(Now.AddMinutes(-2), "after the reboot"));
        var (factory, _) = Factory(new FixedTime(Now));
        await using var src = (IJournalLogSource)factory.Create("sshd", $"systemd[journalfiles={j.File}]");
        using var cts = new CancellationTokenSource();
        await using var e = src.ReadAsync(cts.Token).GetAsyncEnumerator();
        Assert.Equal(["host1 sshd[1234]: before the reboot", "host1 sshd[1234]: after the reboot"],
            (await Collect(e, 2)).SelectMany(b => b.Entries).Select(x => x.Message));
    }

    [JournalFact]
    public async Task JournalfilesGlobIsFollowedToo()
    {
        using var j = new RealJournal();
        j.Append(ExportEntry.Sshd(Now.AddMinutes(-2), "first"));
        var backend = $"systemd[journalfiles=\"{Path.Combine(j.JournalDir, "*.journal")}\"]";
        var (factory, _) = Factory(new FixedTime(Now));
        factory.Validate(backend);
        await using var src = (IJournalLogSource)factory.Create("sshd", backend);
        using var cts = new CancellationTokenSource();
        await using var e = src.ReadAsync(cts.Token).GetAsyncEnumerator();
        Assert.Equal(["host1 sshd[1234]: first"], (await Collect(e, 1)).SelectMany(b => b.Entries).Select(x => x.Message));
        j.Append(ExportEntry.Sshd(Now.AddSeconds(-1), "second"));
        Assert.Equal(["host1 sshd[1234]: second"], (await Collect(e, 1)).SelectMany(b => b.Entries).Select(x => x.Message));
    }

    /// <summary>
    /// fail2ban 1.0.2 seeks to the stored time (the last entry's source time) and then reads the
    /// entries from there; journald's receive time is always a little later than the source time,
    /// so 1.0.2 reads the last entry once more after a restart (checked by running it on such a
    /// journal). We resume strictly after it.
    /// </summary>
    [JournalFact]
    public async Task ARestartedSourceResumesAfterTheStoredPositionWithoutReReading()
    {
        using var j = new RealJournal();
        j.Append(
            ExportEntry.Sshd(Now.AddMinutes(-5), "one"),
            ExportEntry.Sshd(Now.AddMinutes(-4), "two", sourceTime: Now.AddMinutes(-4).AddMilliseconds(-3)));
        var (factory, _) = Factory(new FixedTime(Now));
        var backend = $"systemd[journalfiles={j.File}]";
        DateTimeOffset? stored;
        await using (var first = (IJournalLogSource)factory.Create("sshd", backend))
        {
            first.SetStart(new JournalStart(TimeSpan.FromMinutes(10)));
            using var cts = new CancellationTokenSource();
            await using var e = first.ReadAsync(cts.Token).GetAsyncEnumerator();
            var entries = (await Collect(e, 2)).SelectMany(b => b.Entries).ToList();
            Assert.Equal(["host1 sshd[1234]: one", "host1 sshd[1234]: two"], entries.Select(x => x.Message));
            // What the jail stores: the time of the last entry (its source time) as float seconds.
            var (time, _) = JournalJailSetup.Position(entries[^1]);
            stored = JournalJailSetup.FromUnixSeconds(time);
            Assert.Equal(Now.AddMinutes(-4).AddMilliseconds(-3), stored);
            await cts.CancelAsync();
        }

        j.Append(ExportEntry.Sshd(Now.AddMinutes(-2), "three"));
        await using var second = (IJournalLogSource)factory.Create("sshd", backend);
        second.SetStart(new JournalStart(TimeSpan.FromMinutes(10), stored));
        using var cts2 = new CancellationTokenSource();
        await using var e2 = second.ReadAsync(cts2.Token).GetAsyncEnumerator();
        var resumed = await Collect(e2, 1);
        Assert.Equal(["host1 sshd[1234]: three"], resumed.SelectMany(b => b.Entries).Select(x => x.Message));
        j.Append(ExportEntry.Sshd(Now.AddSeconds(-1), "four"));
        var live = await Collect(e2, 1);
        Assert.Equal(["host1 sshd[1234]: four"], live.SelectMany(b => b.Entries).Select(x => x.Message));
        Assert.True(live[^1].InOperation);
    }

    [JournalFact]
    public async Task AStoredPositionOlderThanFindtimeStartsAtFindtime()
    {
        using var j = new RealJournal();
        j.Append(ExportEntry.Sshd(Now.AddMinutes(-30), "too old"), ExportEntry.Sshd(Now.AddMinutes(-8), "recent"));
        var (factory, _) = Factory(new FixedTime(Now));
        await using var src = (IJournalLogSource)factory.Create("sshd", $"systemd[journalfiles={j.File}]");
        src.SetStart(new JournalStart(TimeSpan.FromMinutes(10), Now.AddMinutes(-40)));
        using var cts = new CancellationTokenSource();
        await using var e = src.ReadAsync(cts.Token).GetAsyncEnumerator();
        Assert.Equal(["host1 sshd[1234]: recent"], (await Collect(e, 1)).SelectMany(b => b.Entries).Select(x => x.Message));
    }

    /// <summary>The entries of the format test, with the line fail2ban 1.0.2 builds for each
    /// (formatJournalEntry on python-systemd 235's values), in UTC+01:00.</summary>
    internal static ExportEntry[] FormatEntries(DateTimeOffset t) =>
    [
        ExportEntry.Of(t, ("_HOSTNAME", "host1"), ("SYSLOG_IDENTIFIER", "sshd"), ("_PID", "123"), ("_COMM", "sshd"), ("MESSAGE", "Failed password for root from 192.0.2.1 port 22 ssh2")),
        ExportEntry.Of(t.AddSeconds(1), ("_COMM", "app"), ("_PID", "abc"), ("MESSAGE", "two\nlines")),
        ExportEntry.Of(t.AddSeconds(2), ("_HOSTNAME", "h"), ("MESSAGE", "bare")),
        ExportEntry.Of(t.AddSeconds(3), ("_HOSTNAME", "h"), ("SYSLOG_IDENTIFIER", "kernel"), ("_SOURCE_MONOTONIC_TIMESTAMP", "12345678"), ("MESSAGE", "IN=eth0 OUT=")),
        ExportEntry.Of(t.AddSeconds(4), ("SYSLOG_IDENTIFIER", "b")).With("MESSAGE", [(byte)'b', (byte)'i', (byte)'n', 0xff, 0xfe, (byte)'e', (byte)'n', (byte)'d']),
        ExportEntry.Of(t.AddSeconds(5), ("SYSLOG_IDENTIFIER", "p"), ("SYSLOG_PID", "0x10"), ("_PID", "5"), ("MESSAGE", "hex pid")),
        ExportEntry.Of(t.AddSeconds(6), ("SYSLOG_IDENTIFIER", "z"), ("SYSLOG_PID", "0"), ("_PID", "010"), ("MESSAGE", "zero syslog pid")),
        ExportEntry.Of(t.AddSeconds(7), ("SYSLOG_IDENTIFIER", "s"), ("_SOURCE_REALTIME_TIMESTAMP", ExportEntry.Micros(t.AddSeconds(6).AddTicks(1234560)).ToString(System.Globalization.CultureInfo.InvariantCulture)), ("MESSAGE", "source time")),
        ExportEntry.Of(t.AddSeconds(8), ("SYSLOG_IDENTIFIER", "u"), ("_PID", "1_2"), ("MESSAGE", "ünïcödé\ttab")),
        ExportEntry.Of(t.AddSeconds(9), ("SYSLOG_IDENTIFIER", "q"), ("_PID", "it's"), ("MESSAGE", "quoted pid")),
    ];

    [JournalFact]
    public async Task EntriesOfARealJournalBecomeFail2BansLines()
    {
        using var j = new RealJournal();
        var t = Now.AddMinutes(-5);
        j.Append(FormatEntries(t));
        var time = new FixedTime(Now, TimeZoneInfo.CreateCustomTimeZone("p1", TimeSpan.FromHours(1), "p1", "p1"));
        var (factory, _) = Factory(time);
        await using var src = (IJournalLogSource)factory.Create("x", $"systemd[journalfiles={j.File}]");
        using var cts = new CancellationTokenSource();
        await using var e = src.ReadAsync(cts.Token).GetAsyncEnumerator();
        var lines = (await Collect(e, 10)).SelectMany(b => b.Entries).Select(x => x.DateText + x.Message);
        Assert.Equal(
        [
            "2026-11-22T07:55:00+01:00 host1 sshd[123]: Failed password for root from 192.0.2.1 port 22 ssh2",
            "2026-11-22T07:55:01+01:00 app[b'abc']: two\\nlines",
            "2026-11-22T07:55:02+01:00 h bare",
            "2026-11-22T07:55:03+01:00 h kernel: [   12.345678] IN=eth0 OUT=",
            "2026-11-22T07:55:04+01:00 b: bin\uFFFD\uFFFDend",
            "2026-11-22T07:55:05+01:00 p[16]: hex pid",
            "2026-11-22T07:55:06+01:00 z[10]: zero syslog pid",
            "2026-11-22T07:55:06.123456+01:00 s: source time",
            "2026-11-22T07:55:08+01:00 u[12]: ünïcödé\ttab",
            "2026-11-22T07:55:09+01:00 q[b\"it's\"]: quoted pid",
        ], lines);
    }

    /// <summary>fail2ban-regex 1.0.2 reads the same journal file: every line it prints as missed
    /// (a regex that matches nothing) must be the line we build, date text included.</summary>
    [JournalOracleFact]
    public async Task LinesAreThoseFail2banRegexReadsFromTheSameJournal()
    {
        using var j = new RealJournal();
        var now = DateTimeOffset.UtcNow;
        j.Append(FormatEntries(now.AddMinutes(-5)));
        var psi = new ProcessStartInfo("fail2ban-regex") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, StandardOutputEncoding = Encoding.UTF8 };
        foreach (var a in new[] { $"systemd-journal[journalfiles={j.File}]", "^j2b-nothing <HOST>$", "--print-all-missed" })
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["TZ"] = "Europe/Berlin";
        psi.Environment["LANG"] = "C.UTF-8";
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var output = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        var missed = output.Split('\n').SkipWhile(l => !l.StartsWith("|- Missed line(s):", StringComparison.Ordinal)).Skip(1)
            .TakeWhile(l => l.StartsWith("|  ", StringComparison.Ordinal)).Select(l => l[3..]).ToList();
        Assert.True(missed.Count == 10, "fail2ban-regex printed:\n" + output + await stderr);

        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        var (factory, _) = Factory(new FixedTime(now, berlin));
        await using var src = (IJournalLogSource)factory.Create("x", $"systemd[journalfiles={j.File}]");
        using var cts = new CancellationTokenSource();
        await using var e = src.ReadAsync(cts.Token).GetAsyncEnumerator();
        var ours = (await Collect(e, 10)).SelectMany(b => b.Entries).Select(x => x.DateText + x.Message).ToList();
        Assert.Equal(missed, ours);
    }

    [JournalCtlFact]
    public async Task AJournalFileJournalctlCannotOpenIsAnErrorNamingTheJailAndTheFile()
    {
        using var dir = new TempDir();
        var bad = dir.File("broken.journal");
        File.WriteAllText(bad, "this is not a journal file\n");
        var (factory, _) = Factory(new FixedTime(Now));
        factory.Validate($"systemd[journalfiles={bad}]"); // it exists: journalctl finds out
        await using var src = (IJournalLogSource)factory.Create("sshd", $"systemd[journalfiles={bad}]");
        var ex = await Assert.ThrowsAsync<JournalCtlException>(async () =>
        {
            await foreach (var _ in src.ReadAsync(CancellationToken.None))
            {
            }
        });
        Assert.Contains(bad, ex.Message, StringComparison.Ordinal);
        Assert.Contains("jail 'sshd'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Failed to open", ex.Message, StringComparison.Ordinal); // journalctl's own reason
    }
}

using System.Runtime.CompilerServices;
using System.Text;
using Jail2Ban.Server.Logs;
using Jail2Ban.Server.Tests.Hosting;

namespace Jail2Ban.Server.Tests.Logs;

public sealed class JournalTests
{
    private static readonly TimeSpan Plus1 = TimeSpan.FromHours(1);

    [Theory]
    // host, identifier and pid
    [InlineData("""{"__CURSOR":"c1","__REALTIME_TIMESTAMP":"1714557600123456","_HOSTNAME":"myhost","SYSLOG_IDENTIFIER":"sshd","_PID":"123","MESSAGE":"Failed password for root"}""",
        "2024-05-01T11:00:00.123456+01:00 ", "myhost sshd[123]: Failed password for root")]
    // _SOURCE_REALTIME_TIMESTAMP wins, zero fraction is omitted, SYSLOG_PID wins over _PID
    [InlineData("""{"__CURSOR":"c","__REALTIME_TIMESTAMP":"1714557600999999","_SOURCE_REALTIME_TIMESTAMP":"1714557600000000","SYSLOG_IDENTIFIER":"x","SYSLOG_PID":"7","_PID":"8","MESSAGE":"m"}""",
        "2024-05-01T11:00:00+01:00 ", "x[7]: m")]
    // _COMM when no identifier; non-numeric pid kept as is; newline escaped
    [InlineData("""{"__CURSOR":"c","__REALTIME_TIMESTAMP":"1714557600000001","_COMM":"app","_PID":"abc","MESSAGE":"two\nlines"}""",
        "2024-05-01T11:00:00.000001+01:00 ", "app[b'abc']: two\\nlines")]
    // no identifier at all: just host and message
    [InlineData("""{"__CURSOR":"c","__REALTIME_TIMESTAMP":"1714557600000000","_HOSTNAME":"h","MESSAGE":"bare"}""",
        "2024-05-01T11:00:00+01:00 ", "h bare")]
    // kernel lines get the monotonic stamp
    [InlineData("""{"__CURSOR":"c","__REALTIME_TIMESTAMP":"1714557600000000","_HOSTNAME":"h","SYSLOG_IDENTIFIER":"kernel","__MONOTONIC_TIMESTAMP":"12345678","MESSAGE":"IN=eth0"}""",
        "2024-05-01T11:00:00+01:00 ", "h kernel: [   12.345678] IN=eth0")]
    // binary MESSAGE (byte array) and repeated field (array of strings)
    [InlineData("""{"__CURSOR":"c","__REALTIME_TIMESTAMP":"1714557600000000","SYSLOG_IDENTIFIER":"b","MESSAGE":[104,105,255]}""",
        "2024-05-01T11:00:00+01:00 ", "b: hi\uFFFD")]
    [InlineData("""{"__CURSOR":"c","__REALTIME_TIMESTAMP":"1714557600000000","SYSLOG_IDENTIFIER":"r","MESSAGE":["one","two"]}""",
        "2024-05-01T11:00:00+01:00 ", "r: one two")]
    [InlineData("""{"__CURSOR":"c","__REALTIME_TIMESTAMP":"1714557600000000","SYSLOG_IDENTIFIER":"p","SYSLOG_PID":"0x10","MESSAGE":"hex pid"}""",
        "2024-05-01T11:00:00+01:00 ", "p[16]: hex pid")]
    public void EntryBecomesFail2BansTriple(string json, string dateText, string message)
    {
        var entry = JournalEntryFormatter.Parse(json, Plus1, new UTF8Encoding(false, false));
        Assert.NotNull(entry);
        Assert.Equal(("", dateText, message), entry.Triple);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"MESSAGE":"no time"}""")]
    [InlineData("[1,2]")]
    public void GarbageIsSkipped(string json) => Assert.Null(JournalEntryFormatter.Parse(json, Plus1, Encoding.UTF8));

    private sealed class FakeJournalCtl(IReadOnlyList<string> last, IReadOnlyList<string> follow) : IJournalCtl
    {
        public List<IReadOnlyList<string>> Calls { get; } = [];

        public Task<JournalCtlResult> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
        {
            Calls.Add(args);
            return Task.FromResult(new JournalCtlResult(last, 0, ""));
        }

        public async IAsyncEnumerable<string> FollowAsync(IReadOnlyList<string> args, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            Calls.Add(args);
            foreach (var l in follow)
            {
                yield return l;
            }
            await Task.Delay(Timeout.Infinite, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private static string Entry(string cursor, DateTimeOffset t, string msg) =>
        $$"""{"__CURSOR":"{{cursor}}","__REALTIME_TIMESTAMP":"{{(t - DateTimeOffset.UnixEpoch).Ticks / 10}}","SYSLOG_IDENTIFIER":"sshd","MESSAGE":"{{msg}}"}""";

    [Fact]
    public async Task FollowsWithMatchesAndSwitchesToOperationAtTheLastEntry()
    {
        var now = new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);
        var fake = new FakeJournalCtl(
            [Entry("c2", now.AddMinutes(-2), "old 2")],
            [Entry("c1", now.AddMinutes(-3), "old 1"), Entry("c2", now.AddMinutes(-2), "old 2"), Entry("c3", now, "live")]);
        var logs = new CapturingLoggerFactory();
        await using var src = new JournalLogSource("sshd", new JournalOptions(JournalPath: "/var/log/journal", JournalFlags: 4), fake, logs.CreateLogger("fail2ban.filtersystemd"), new FixedTime(now));
        src.AddMatch(["_SYSTEMD_UNIT=sshd.service", "+", "_COMM=sshd"]);
        src.SetStart(new JournalStart(TimeSpan.FromMinutes(10), StoredTime: now.AddMinutes(-5)));
        using var cts = new CancellationTokenSource();
        await using var e = src.ReadAsync(cts.Token).GetAsyncEnumerator();
        var entries = new List<(JournalEntry, bool)>();
        while (entries.Count < 3)
        {
            var b = (JournalLogBatch)await e.NextAsync();
            entries.AddRange(b.Entries.Select(x => (x, b.InOperation)));
        }
        Assert.Equal([("old 1", false), ("old 2", false), ("live", true)], entries.Select(x => (x.Item1.Message["sshd: ".Length..], x.Item2)));
        Assert.Equal("c3", src.LastCursor);
        Assert.Equal(now, src.LastTime);

        var follow = fake.Calls[1];
        Assert.Contains("--follow", follow);
        Assert.Contains("--no-tail", follow);
        Assert.Contains("--directory=/var/log/journal", follow);
        Assert.Contains("--system", follow);
        Assert.Contains("--since=@" + now.AddMinutes(-5).ToUnixTimeSeconds(), follow);
        var matchStart = follow.ToList().IndexOf("_SYSTEMD_UNIT=sshd.service");
        Assert.Equal(["_SYSTEMD_UNIT=sshd.service", "+", "_COMM=sshd"], follow.Skip(matchStart).Take(3));
        Assert.Equal(["-n", "1"], fake.Calls[0].TakeLast(2));
        Assert.Contains(logs.Messages, m => m == "[sshd] Jail is in operation now (process new journal entries)");
    }

    [Fact]
    public async Task EmptyJournalIsInOperationAtOnceAndWarnsWithoutMatches()
    {
        var now = new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);
        var fake = new FakeJournalCtl([], [Entry("c9", now, "fresh")]);
        var logs = new CapturingLoggerFactory();
        await using var src = new JournalLogSource("j", new JournalOptions(), fake, logs.CreateLogger("fail2ban.filtersystemd"), new FixedTime(now));
        using var cts = new CancellationTokenSource();
        await using var e = src.ReadAsync(cts.Token).GetAsyncEnumerator();
        var b = (JournalLogBatch)await e.NextAsync();
        Assert.True(b.InOperation);
        Assert.Contains("--since=@" + now.ToUnixTimeSeconds(), fake.Calls[1]);
        Assert.Contains(logs.Entries, x => x.EventId.Name == "NOTICE" && x.Message.StartsWith("[j] Jail started without 'journalmatch' set.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CursorResumeUsesAfterCursor()
    {
        var now = DateTimeOffset.UnixEpoch.AddDays(20000);
        var fake = new FakeJournalCtl([Entry("c1", now, "x")], [Entry("c1", now, "x")]);
        await using var src = new JournalLogSource("j", new JournalOptions(), fake, new CapturingLoggerFactory().CreateLogger("x"), new FixedTime(now));
        src.SetStart(new JournalStart(TimeSpan.FromMinutes(10), AfterCursor: "s=abc;i=1"));
        using var cts = new CancellationTokenSource();
        await using var e = src.ReadAsync(cts.Token).GetAsyncEnumerator();
        await e.NextAsync();
        Assert.Contains("--after-cursor=s=abc;i=1", fake.Calls[1]);
        Assert.DoesNotContain(fake.Calls[1], a => a.StartsWith("--since", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("sshd.service")]
    [InlineData("lower=case")]
    public void BadMatchTermsAreRejected(string term)
    {
        var src = new JournalLogSource("j", new JournalOptions(), new FakeJournalCtl([], []), new CapturingLoggerFactory().CreateLogger("x"), TimeProvider.System);
        Assert.Throws<ArgumentException>(() => src.AddMatch([term]));
    }

    [Fact]
    public void MatchGroupsCanBeRemoved()
    {
        var src = new JournalLogSource("j", new JournalOptions(), new FakeJournalCtl([], []), new CapturingLoggerFactory().CreateLogger("x"), TimeProvider.System);
        src.AddMatch(["A=1", "B=2"]);
        src.AddMatch(["C=3"]);
        Assert.Equal(2, src.Matches.Count);
        src.DelMatch(["A=1", "B=2"]);
        Assert.Equal([["C=3"]], src.Matches.Select(g => g.ToArray()));
        src.DelMatch(null);
        Assert.Empty(src.Matches);
    }

    private sealed class RestartingJournalCtl(params string[][] runs) : IJournalCtl
    {
        public List<IReadOnlyList<string>> Follows { get; } = [];

        public Task<JournalCtlResult> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken) =>
            Task.FromResult(new JournalCtlResult([], 0, ""));

        public async IAsyncEnumerable<string> FollowAsync(IReadOnlyList<string> args, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            Follows.Add(args);
            var run = Follows.Count - 1;
            if (run < runs.Length)
            {
                foreach (var l in runs[run])
                {
                    yield return l;
                }
                if (run < runs.Length - 1)
                {
                    yield break; // journalctl died
                }
            }
            await Task.Delay(Timeout.Infinite, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    [Fact]
    public async Task JournalctlIsRestartedAfterTheLastCursor()
    {
        var now = new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);
        var fake = new RestartingJournalCtl([Entry("c1", now, "first")], [Entry("c2", now, "second")]);
        var logs = new CapturingLoggerFactory();
        await using var src = new JournalLogSource("j", new JournalOptions(), fake, logs.CreateLogger("fail2ban.filtersystemd"), new FixedTime(now)) { RestartDelay = TimeSpan.FromMilliseconds(10) };
        using var cts = new CancellationTokenSource();
        await using var e = src.ReadAsync(cts.Token).GetAsyncEnumerator();
        var messages = new List<string>();
        while (messages.Count < 2)
        {
            messages.AddRange(((JournalLogBatch)await e.NextAsync()).Entries.Select(x => x.Message));
        }
        Assert.Equal(["sshd: first", "sshd: second"], messages);
        Assert.Contains("--after-cursor=c1", fake.Follows[1]);
        Assert.Contains(logs.Messages, m => m.StartsWith("[j] journalctl ended unexpectedly", StringComparison.Ordinal));
    }
}

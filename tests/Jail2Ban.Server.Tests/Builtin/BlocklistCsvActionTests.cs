using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;
using Jail2Ban.Server.Builtin;

namespace Jail2Ban.Server.Tests.Builtin;

public sealed class BlocklistCsvActionTests : IDisposable
{
    private readonly string _dir = BuiltinFixtures.TempDir();
    private readonly BuiltinActionFactory _factory = new(new UtcTimeProvider());

    public void Dispose()
    {
        _factory.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private string FilePath => Path.Combine(_dir, "blocklist.csv");

    private string HistoryPath => Path.Combine(_dir, "history", "bans.csv");

    private readonly List<IBuiltinAction> _actions = [];

    private IBuiltinAction Create(string jail, bool history = true) =>
        Track(_factory.Create(jail, "blocklist-csv", history
            ? new Dictionary<string, string> { ["file"] = FilePath, ["history"] = HistoryPath, ["name"] = jail, ["actname"] = "blocklist-csv" }
            : new Dictionary<string, string> { ["file"] = FilePath }));

    private IBuiltinAction Track(IBuiltinAction action)
    {
        _actions.Add(action);
        return action;
    }

    // Ban/unban return before the files are written (they follow in the background): wait
    // for every action of the test, then read.
    private async Task<List<string[]>> ReadCsvAsync(string path)
    {
        foreach (var action in _actions)
        {
            await ((BlocklistCsvAction)action).FlushAsync(default);
        }

        return ReadCsv(path);
    }

    private static List<string[]> ReadCsv(string path)
    {
        using var reader = new StreamReader(path);
        using var csv = new CsvParser(reader, new CsvConfiguration(CultureInfo.InvariantCulture) { BadDataFound = ctx => throw new InvalidDataException(ctx.RawRecord) });
        var rows = new List<string[]>();
        while (csv.Read())
        {
            rows.Add(csv.Record!);
        }

        return rows;
    }

    [Fact]
    public async Task StartWritesHeaderBanAddsRowUnbanRemovesIt()
    {
        var action = Create("sshd");
        await action.StartAsync(default);
        Assert.Equal([BlocklistCsvStore.Header], await ReadCsvAsync(FilePath));

        await action.BanAsync(BuiltinFixtures.Ban("sshd", "192.0.2.10", failures: 5, bantime: TimeSpan.FromHours(1)), default);
        var rows = await ReadCsvAsync(FilePath);
        Assert.Equal(2, rows.Count);
        Assert.Equal(
            ["2026-11-22", "06:30:00", "192.0.2.10", "sshd", "5", "3600", "2026-11-22 07:30:00", "1", "sshd[42]: Failed password for root from 192.0.2.10 port 22 ssh2"],
            rows[1]);

        await action.UnbanAsync(BuiltinFixtures.Ban("sshd", "192.0.2.10"), default);
        Assert.Single(await ReadCsvAsync(FilePath));

        var history = await ReadCsvAsync(HistoryPath);
        Assert.Equal(BlocklistCsvHistory.Header, history[0]);
        Assert.Equal(["ban", "unban"], history.Skip(1).Select(r => r[0]));
        Assert.All(history.Skip(1), r => Assert.Equal("192.0.2.10", r[3]));
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
    }

    [Fact]
    public async Task PermanentBanHasNeverAndMinusOne()
    {
        var action = Create("recidive", history: false);
        await action.BanAsync(BuiltinFixtures.Ban("recidive", "2001:db8::5") with { BanTime = null }, default);
        var row = (await ReadCsvAsync(FilePath))[1];
        Assert.Equal("2001:db8::5", row[2]);
        Assert.Equal("-1", row[5]);
        Assert.Equal("never", row[6]);
    }

    [Fact]
    public async Task HostileMatchesNeverBreakARow()
    {
        var action = Create("apache-auth");
        var ban = BuiltinFixtures.Ban("apache-auth", "198.51.100.7", matches: BuiltinFixtures.HostileMatches);
        await action.BanAsync(ban, default);
        await action.BanAsync(BuiltinFixtures.Ban("apache-auth", "raw,id\"with\nnewline"), default);

        var rows = await ReadCsvAsync(FilePath);
        Assert.Equal(3, rows.Count);
        Assert.All(rows, r => Assert.Equal(BlocklistCsvStore.Header.Length, r.Length));
        Assert.Equal(string.Join('\n', BuiltinFixtures.HostileMatches), rows[1][8]);
        Assert.Equal("raw,id\"with\nnewline", rows[2][2]);

        var history = await ReadCsvAsync(HistoryPath);
        Assert.All(history, r => Assert.Equal(BlocklistCsvHistory.Header.Length, r.Length));
        Assert.Equal(string.Join('\n', BuiltinFixtures.HostileMatches), history[1][9]);
    }

    [Fact]
    public async Task MatchesCanBeLeftOut()
    {
        var action = Track(_factory.Create("sshd", "blocklist-csv", new Dictionary<string, string> { ["file"] = FilePath, ["matches"] = "no" }));
        await action.BanAsync(BuiltinFixtures.Ban("sshd", "192.0.2.1", matches: BuiltinFixtures.HostileMatches), default);
        Assert.Equal(string.Empty, (await ReadCsvAsync(FilePath))[1][8]);
    }

    [Fact]
    public async Task ConcurrentBansFromSeveralJailsShareOneConsistentFile()
    {
        string[] jails = ["sshd", "postfix", "nginx-http-auth", "dovecot"];
        var actions = jails.Select(j => Create(j)).ToArray();
        await Task.WhenAll(actions.Select(a => a.StartAsync(default)));

        const int perJail = 60;
        await Task.WhenAll(jails.Select((jail, j) => Task.Run(async () =>
        {
            for (var i = 0; i < perJail; i++)
            {
                var matches = new[] { $"{jail} \"quoted\", comma\nnewline {i}" };
                await actions[j].BanAsync(BuiltinFixtures.Ban(jail, $"203.0.113.{i}", failures: i, secondsFromEpoch: i, matches: matches), default);
            }
        })));

        var rows = await ReadCsvAsync(FilePath);
        Assert.Equal(1 + (jails.Length * perJail), rows.Count);
        foreach (var jail in jails)
        {
            var mine = rows.Skip(1).Where(r => r[3] == jail).ToList();
            Assert.Equal(perJail, mine.Count);
            Assert.Equal(Enumerable.Range(0, perJail).Select(i => $"203.0.113.{i}").Order(), mine.Select(r => r[2]).Order());
        }

        Assert.Equal(1 + (jails.Length * perJail), (await ReadCsvAsync(HistoryPath)).Count);

        // Unban half of one jail concurrently with a stop of another.
        await Task.WhenAll(
            Task.Run(async () =>
            {
                for (var i = 0; i < perJail / 2; i++)
                {
                    await actions[0].UnbanAsync(BuiltinFixtures.Ban("sshd", $"203.0.113.{i}"), default);
                }
            }),
            actions[1].StopAsync(default));

        rows = await ReadCsvAsync(FilePath);
        Assert.Equal(perJail / 2, rows.Count(r => r[3] == "sshd"));
        Assert.DoesNotContain(rows, r => r[3] == "postfix");
        Assert.Equal(perJail, rows.Count(r => r[3] == "dovecot"));
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
    }

    [Fact]
    public async Task SameAddressInTwoJailsIsTwoRows()
    {
        var a = Create("sshd", history: false);
        var b = Create("recidive", history: false);
        await a.BanAsync(BuiltinFixtures.Ban("sshd", "192.0.2.99"), default);
        await b.BanAsync(BuiltinFixtures.Ban("recidive", "192.0.2.99"), default);
        await a.UnbanAsync(BuiltinFixtures.Ban("sshd", "192.0.2.99"), default);
        var rows = await ReadCsvAsync(FilePath);
        Assert.Equal(2, rows.Count);
        Assert.Equal("recidive", rows[1][3]);
    }

    [Theory]
    [InlineData("", null, "'file' is required")]
    [InlineData("relative.csv", null, "absolute path")]
    [InlineData("/tmp/x.csv", "/tmp/x.csv", "must differ")]
    [InlineData("/tmp/x.csv", "rel.csv", "'history' must be an absolute path")]
    public void BadOptionsAreRejectedWithTheirName(string file, string? history, string expected)
    {
        var options = new Dictionary<string, string> { ["file"] = file };
        if (history is not null)
        {
            options["history"] = history;
        }

        var ex = Assert.Throws<BuiltinActionConfigException>(() => _factory.Create("sshd", "blocklist-csv", options));
        Assert.Contains(expected, ex.Message);
        Assert.Contains("blocklist-csv", ex.Message);
    }

    [Fact]
    public async Task AnUnwritableFileNeverFailsABanButFailsTheFlush()
    {
        // A regular file used as a directory: every write attempt fails with an IOException.
        var blocker = Path.Combine(_dir, "not-a-dir");
        await File.WriteAllTextAsync(blocker, "x");
        var action = Track(_factory.Create("sshd", "blocklist-csv", new Dictionary<string, string> { ["file"] = Path.Combine(blocker, "b.csv") }));
        await action.BanAsync(BuiltinFixtures.Ban("sshd", "192.0.2.1"), default);
        await action.UnbanAsync(BuiltinFixtures.Ban("sshd", "192.0.2.1"), default);
        await Assert.ThrowsAnyAsync<IOException>(() => ((BlocklistCsvAction)action).FlushAsync(default));
    }

    [Fact]
    public async Task SpreadsheetModeDefusesFormulas()
    {
        var action = Track(_factory.Create("sshd", "blocklist-csv", new Dictionary<string, string> { ["file"] = FilePath, ["spreadsheet"] = "yes" }));
        await action.BanAsync(BuiltinFixtures.Ban("sshd", "=cmd|' /C calc'!A0", matches: ["=HYPERLINK(\"x\")", "+1", "plain"]), default);
        var row = (await ReadCsvAsync(FilePath))[1];
        Assert.Equal("'=cmd|' /C calc'!A0", row[2]);
        Assert.Equal("'=HYPERLINK(\"x\")\n'+1\nplain", row[8]);
        Assert.Equal("-1", BlocklistCsvStore.FormatRow(BuiltinFixtures.Ban("sshd", "192.0.2.1") with { BanTime = null }, TimeZoneInfo.Utc)[5]);
    }
}

using System.Text;
using Jail2Ban.Core.Banning;
using Jail2Ban.Core.Filtering;
using Jail2Ban.Core.Net;
using Jail2Ban.Server.Persistence;
using Jail2Ban.Server.Tests.Hosting;
using Microsoft.Data.Sqlite;

namespace Jail2Ban.Server.Tests.Persistence;

/// <summary>
/// The differences <see cref="DatabaseOracleTests"/> found against fail2ban 1.0.2, pinned without
/// the oracle: the live users set written as <c>str(list)</c>, the row's bantime being the one of
/// the ban, and fail2ban's form read back and written again unchanged.
/// </summary>
public sealed class DatabaseOracleRowTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static (long BanTime, string Data) Bip(string db, string ip)
    {
        using var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = db, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT bantime, data FROM bips WHERE ip = $ip";
        cmd.Parameters.AddWithValue("$ip", ip);
        using var r = cmd.ExecuteReader();
        Assert.True(r.Read());
        return (r.GetInt64(0), Encoding.UTF8.GetString((byte[])r.GetValue(1)));
    }

    [Fact]
    public void UsersOfTheConnectionAreStoredAsFail2BanWritesThem()
    {
        var users = new HashSet<string>(StringComparer.Ordinal) { "root" };
        var fail = new FailData
        {
            ["mlfid"] = " srv sshd[1]: ",
            ["user"] = "root",
            ["ip4"] = "192.0.2.10",
            ["users"] = users,
        };
        var t = Ticket.FromFailure(IPAddr.Parse("192.0.2.10"), 1_800_000_000, [MatchLine.Split("", "Nov 22 10:00:00", " x")], fail);
        users.Add("o'neil");

        Assert.Equal(
            "{\"matches\": [[\"\", \"Nov 22 10:00:00\", \" x\"]], \"failures\": 0, \"mlfid\": \" srv sshd[1]: \", \"user\": \"root\", \"ip4\": \"192.0.2.10\", \"users\": \"['root', \\\"o'neil\\\"]\"}",
            Encoding.UTF8.GetString(BanDataJson.Serialize(t, 10)));
    }

    [Fact]
    public void TheRowKeepsTheBantimeOfTheBanNotALaterProlong()
    {
        var db = _dir.File("db.sqlite3");
        using var store = BanStore.Open(db);
        store.AddJail("sshd");
        var t = new Ticket(IPAddr.Parse("203.0.113.9"), 1_800_000_000);
        t.BanTime = 3603; // prolonged in memory by an "already banned" ticket of the same batch
        store.AddBans([new BanWrite("sshd", t, 3600) { BanTime = 3600 }]);
        Assert.Equal(3600, Bip(db, "203.0.113.9").BanTime);

        // Without the snapshot the ticket's own bantime is written (the former behaviour).
        store.AddBans([new BanWrite("sshd", t, 3600)]);
        Assert.Equal(3603, Bip(db, "203.0.113.9").BanTime);
    }

    [Fact]
    public void Fail2BansDataIsRestoredAndWrittenBackUnchanged()
    {
        const string Data = "{\"matches\": [[\"\", \"Nov 22 10:00:00\", \" a\"], \"Nov 22 10:00:01 b\"], \"failures\": 3, \"mlfid\": \" srv sshd[1]: \", \"user\": \"root\", \"ip4\": \"192.0.2.10\", \"users\": \"['admin', 'root']\"}";
        var stored = BanDataJson.Deserialize(Encoding.UTF8.GetBytes(Data));
        var row = new StoredBan("sshd", "192.0.2.10", 1_800_000_000, 3600, 1, stored);
        var t = Assert.Single(BanRestore.ToTickets([row], new RestoreQuery(null, null), 3600, 5, 1_800_000_010));

        Assert.Equal("['admin', 'root']", t.Data["users"]);
        Assert.Equal(3, t.Attempts);
        Assert.Equal(2, t.Matches.Count);
        Assert.Equal(Data, Encoding.UTF8.GetString(BanDataJson.Serialize(t, 10)));
    }
}

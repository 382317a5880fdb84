using Jail2Ban.Core.Banning;
using Jail2Ban.Core.Filtering;
using Jail2Ban.Core.Net;

namespace Jail2Ban.Core.Tests.Banning;

/// <summary>
/// The data a ticket takes from a failure, as fail2ban 1.0.2 stores it in the database: every
/// non-null value in order, the connection's <c>users</c> set live and written as Python's
/// <c>str(list)</c>, the <c>ip</c> of an F-ID failure as its text.
/// </summary>
public sealed class TicketDataTests
{
    private static FailData Failure(params (string Key, object? Value)[] items)
    {
        var d = new FailData();
        foreach (var (k, v) in items)
        {
            d[k] = v;
        }

        return d;
    }

    [Fact]
    public void KeepsEveryValueInOrderAndTheUsersSetLive()
    {
        var users = new HashSet<string>(StringComparer.Ordinal) { "root" };
        var data = Failure(("mlfid", " srv sshd[1]: "), ("user", "root"), ("alt_user", ""), ("ip4", "192.0.2.10"), ("none", null),
            ("users", users), ("matches", new List<LineTuple>()), ("nofail-matches", new List<LineTuple>()));
        var t = Ticket.FromFailure(IPAddr.Parse("192.0.2.10"), 100, [MatchLine.Split("", "d", " x")], data);

        Assert.Equal(["mlfid", "user", "alt_user", "ip4", "users"], t.Data.Keys);
        Assert.Equal("['root']", t.Data["users"]);
        Assert.Single(t.Matches);

        // Users seen later on the same connection (before the ban is stored) are stored too.
        users.Add("admin");
        Assert.Equal("['root', 'admin']", t.StoredData().Single(kv => kv.Key == "users").Value);
        Assert.Equal(["mlfid", "user", "alt_user", "ip4", "users"], t.StoredData().Select(kv => kv.Key));
    }

    [Fact]
    public void TheHostOfAnFidFailureBecomesTheTicketIp()
    {
        var data = Failure(("fid", "session-7"), ("ip", FailureId.From("2001:db8::1")));
        var t = Ticket.FromFailure(IPAddr.FromRaw("session-7"), 100, null, data);

        Assert.Equal("2001:db8::1", t.Data["ip"]);
        Assert.Equal("2001:db8::1", t.Ip);
    }

    [Fact]
    public void MatchesAndFailuresKeysAreNotData()
    {
        var data = Failure(("matches", "x"), ("failures", "9"), ("user", "u"));
        var t = Ticket.FromFailure(IPAddr.Parse("192.0.2.1"), 1, null, data);
        Assert.Equal(["user"], t.Data.Keys);
        Assert.Equal(0, t.Attempts);
    }

    // Expected values are what python3 prints for str(list_of_str).
    [Theory]
    [InlineData(new[] { "root", "admin" }, "['root', 'admin']")]
    [InlineData(new[] { "o'neil" }, "[\"o'neil\"]")]
    [InlineData(new[] { "a'b\"c" }, "['a\\'b\"c']")]
    [InlineData(new[] { "j\u00f6s\u00e9" }, "['j\u00f6s\u00e9']")]
    [InlineData(new[] { "a\tb\\c" }, "['a\\tb\\\\c']")]
    [InlineData(new[] { "\u0001\u007f\u00a0\u00ad" }, "['\\x01\\x7f\\xa0\\xad']")]
    [InlineData(new[] { "\u2000x" }, "['\\u2000x']")]
    [InlineData(new string[0], "[]")]
    public void UsersAreWrittenAsPythonsStrOfAList(string[] users, string expected) =>
        Assert.Equal(expected, Ticket.PyStrList(users));
}

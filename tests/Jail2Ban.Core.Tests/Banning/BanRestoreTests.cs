using Jail2Ban.Core.Banning;

namespace Jail2Ban.Core.Tests.Banning;

public sealed class BanRestoreTests
{
    private static StoredBan Row(string ip, long tob, double bantime, int count = 1, int matches = 0) =>
        new("j", ip, tob, bantime, count,
            new StoredBanData(Enumerable.Range(0, matches).Select(i => MatchLine.Plain("line" + i)).ToList(), 3, new Dictionary<string, string> { ["user"] = "alice" }));

    [Fact]
    public void Without_increment_the_jail_bantime_caps_and_limits_the_age()
    {
        var plan = BanRestore.Plan(60, BanTimeIncrement.Disabled);
        Assert.Equal(new RestoreQuery(60, 60), plan);
        // observed: stored 3600 → restored with 60
        var tickets = BanRestore.ToTickets([Row("192.0.2.1", 1000, 3600), Row("192.0.2.2", 1000, -1), Row("192.0.2.3", 900, 3600)], plan, 60, 5, 1030);
        Assert.Equal(["192.0.2.1", "192.0.2.2"], tickets.Select(t => t.Id.Text));
        Assert.All(tickets, t => Assert.Equal(60, t.BanTime));
        Assert.All(tickets, t => Assert.True(t.Restored));
        Assert.Equal("alice", tickets[0].Data["user"]);
        Assert.Equal(3, tickets[0].Attempts);
    }

    [Fact]
    public void Permanent_jail_restores_everything_uncapped()
    {
        var plan = BanRestore.Plan(-1, BanTimeIncrement.Disabled);
        Assert.Equal(new RestoreQuery(null, null), plan);
        var tickets = BanRestore.ToTickets([Row("192.0.2.1", 10, -1), Row("192.0.2.2", 10, 100000)], plan, -1, 5, 1000);
        Assert.Equal([-1.0, 100000.0], tickets.Select(t => t.BanTime!.Value));
    }

    [Fact]
    public void With_increment_maxtime_caps_and_permanent_stays_without_it()
    {
        var inc = BanTimeIncrement.Create(enabled: true, maxTime: "1h");
        var plan = BanRestore.Plan(600, inc);
        Assert.Equal(new RestoreQuery(null, 3600), plan);
        var t = BanRestore.ToTickets([Row("192.0.2.1", 1000, -1, 4), Row("192.0.2.2", 1000, 7200)], plan, 600, 5, 1100);
        Assert.Equal([3600.0, 3600.0], t.Select(x => x.BanTime!.Value));
        Assert.Equal(4, t[0].BanCount);

        var noCap = BanRestore.Plan(600, BanTimeIncrement.Create(enabled: true));
        Assert.Equal(-1, BanRestore.ToTickets([Row("192.0.2.1", 1000, -1)], noCap, 600, 5, 1e9)[0].BanTime);
    }

    [Fact]
    public void Legacy_minus_two_rows_get_the_jail_bantime_and_matches_are_cut()
    {
        var plan = BanRestore.Plan(600, BanTimeIncrement.Disabled);
        var t = BanRestore.ToTickets([Row("192.0.2.1", 1000, -2, 1, 8)], plan, 600, 3, 1100).Single();
        Assert.Equal(600, t.BanTime);
        Assert.Equal(["line5", "line6", "line7"], t.Matches.Select(m => m.Text));
        var none = BanRestore.ToTickets([Row("192.0.2.1", 1000, -2, 1, 8)], plan, 600, 0, 1100).Single();
        Assert.Empty(none.Matches);
        Assert.Empty(BanRestore.ToTickets([Row("192.0.2.1", 1000, 100)], plan, 600, 3, 1100));
    }
}

using Jail2Ban.Core.Banning;
using Jail2Ban.Core.Net;
using Jail2Ban.Core.Time;

namespace Jail2Ban.Core.Tests.Banning;

public sealed class BanManagerTests
{
    private static Ticket T(string ip, double time, double? bantime = null) =>
        new(IPAddr.Parse(ip), time) { BanTime = bantime };

    [Fact]
    public void End_of_ban_is_last_failure_plus_the_jails_current_bantime()
    {
        var bm = new BanManager { BanTime = 60 };
        var t = T("192.0.2.10", 1000);
        Assert.True(bm.AddBanTicket(t, 1010).Added);
        Assert.Equal(1060, t.GetEndOfBan(bm.BanTime));
        Assert.Empty(bm.UnBanList(1060));
        // `set <jail> bantime 2m` moves the end of bans without own bantime.
        bm.BanTime = 120;
        Assert.Empty(bm.UnBanList(1061));
        Assert.Equal(["192.0.2.10"], bm.UnBanList(1120.5).Select(x => x.Id.Text));
        Assert.Equal(0, bm.Count);
        Assert.Equal(1, bm.BanTotal);
        Assert.Equal(1, t.BanCount);
    }

    [Theory]
    [InlineData(-1, 1e12, false)]
    [InlineData(600, 1601, true)]
    [InlineData(600, 1600, false)]
    [InlineData(-2, 999, true)]
    public void Unban_timing_by_bantime(long bantime, double now, bool unbanned)
    {
        var bm = new BanManager { BanTime = bantime };
        var added = bm.AddBanTicket(T("192.0.2.1", 1000), 999);
        if (bantime == -2)
        {
            // any negative bantime other than -1 ends in the past: rejected as expired
            Assert.Equal(BanAddStatus.Expired, added.Status);
            Assert.Equal(0, bm.BanTotal);
            return;
        }

        Assert.True(added.Added);
        Assert.Equal(unbanned, bm.UnBanList(now).Count == 1);
    }

    [Fact]
    public void Permanent_end_of_ban_renders_as_end_of_year_9999()
    {
        var bm = new BanManager { BanTime = -1 };
        bm.AddBanTicket(T("192.0.2.150", 1795327207), 1795327207);
        Assert.Equal(["192.0.2.150 \t2026-11-22 06:00:07 + -1 = 9999-12-31 23:59:59"], bm.GetBanListWithTime(TimeZoneInfo.Utc));
        Assert.Equal(TimeFormat.MaxTime, bm.NextUnbanTime);
    }

    [Fact]
    public void Rebanning_later_prolongs_the_existing_ticket()
    {
        // observed: re-banip 6 s later with bantime 5 → existing ticket bantime 11
        var bm = new BanManager { BanTime = 5 };
        var first = T("192.0.2.20", 100);
        bm.AddBanTicket(first, 100);
        var again = bm.AddBanTicket(T("192.0.2.20", 106), 106);
        Assert.Equal(BanAddStatus.AlreadyBanned, again.Status);
        Assert.True(again.Prolonged);
        Assert.Same(first, again.Existing);
        Assert.Equal(11, first.BanTime);
        Assert.Equal(1, bm.BanTotal);
        Assert.Equal(1, first.BanCount);

        // earlier/equal end: no prolonging
        var same = bm.AddBanTicket(T("192.0.2.20", 101), 106);
        Assert.False(same.Prolonged);
        Assert.Equal(11, first.BanTime);
    }

    [Fact]
    public void Own_bantime_wins_over_the_jail_bantime()
    {
        var bm = new BanManager { BanTime = 10 };
        bm.AddBanTicket(T("192.0.2.1", 100, 1000), 100);
        bm.AddBanTicket(T("192.0.2.2", 100), 100);
        Assert.Equal(["192.0.2.2"], bm.UnBanList(111).Select(t => t.Id.Text));
        Assert.Equal(["192.0.2.1"], bm.GetBanListOrdered());
        Assert.Equal(1100, bm.NextUnbanTime);
    }

    [Fact]
    public void Unban_list_honours_max_count_and_ordered_listing()
    {
        var bm = new BanManager { BanTime = 10 };
        for (var i = 0; i < 30; i++)
        {
            bm.AddBanTicket(T($"192.0.2.{i + 1}", 100 + (29 - i)), 100);
        }

        Assert.Equal("192.0.2.30", bm.GetBanListOrdered()[0]);
        Assert.Equal("192.0.2.1", bm.GetBanList()[0].Text);
        Assert.Equal(20, bm.UnBanList(1000, 20).Count);
        Assert.Equal(10, bm.UnBanList(1000, 20).Count);
        Assert.Equal(0, bm.Count);
        Assert.Equal(30, bm.BanTotal);
    }

    [Fact]
    public void Remove_and_flush()
    {
        var bm = new BanManager();
        bm.AddBanTicket(T("192.0.2.1", 100), 100);
        bm.AddBanTicket(T("192.0.2.2", 100), 100);
        Assert.NotNull(bm.Remove(IPAddr.Parse("192.0.2.1")));
        Assert.Null(bm.Remove(IPAddr.Parse("192.0.2.1")));
        Assert.Single(bm.Flush());
        Assert.Equal(0, bm.Count);
        Assert.Equal(2, bm.BanTotal);
    }

    [Fact]
    public void Bantime_from_a_float_time_value_is_truncated()
    {
        var bm = new BanManager();
        bm.SetBanTime(TimeSpec.ToSeconds("1mo"));
        Assert.Equal(2629800, bm.BanTime);
        bm.SetBanTime(TimeSpec.ToSeconds("1.5m"));
        Assert.Equal(90, bm.BanTime);
    }
}

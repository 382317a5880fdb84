using System.Globalization;
using Jail2Ban.Core.Banning;
using Jail2Ban.Core.Net;
using Xunit.Abstractions;

namespace Jail2Ban.Core.Tests.Banning;

public sealed class FailManagerTests(ITestOutputHelper output)
{
    private static Ticket Fail(string ip, double t, params string[] lines) =>
        new(IPAddr.Parse(ip), t, lines.Select(MatchLine.Plain));

    [Fact]
    public void Rescaling_example_of_the_spec()
    {
        // maxretry 10, findtime 10, failures at 0,1,2,3,11 → retry 1,2,3,4,5; firstTime 1.
        var fm = new FailManager { MaxRetry = 10, FindTime = 10 };
        var retries = new[] { 0.0, 1, 2, 3, 11 }.Select(t => fm.AddFailure(Fail("192.0.2.1", t))).ToArray();
        Assert.Equal([1, 2, 3, 4, 5], retries);
        var t = fm.Get(IPAddr.Parse("192.0.2.1"))!;
        Assert.Equal(1, t.FirstTime);
        Assert.Equal(11, t.Time);
        Assert.Equal(5, t.Attempts);
        Assert.Equal(5, fm.FailTotal);
    }

    [Theory]
    // rate 4 failures over 40 s rescaled to a 10 s window: round(4/40*10)=1, then +1
    [InlineData(new double[] { 0, 10, 20, 30, 40 }, 10, new[] { 1, 2, 2, 2, 2 })]
    [InlineData(new double[] { 0, 1, 2, 3, 4 }, 600, new[] { 1, 2, 3, 4, 5 })]
    // round half to even: retry 5 over 20 s → 5/20*10 = 2.5 → 2, then +1 = 3
    [InlineData(new double[] { 0, 1, 2, 3, 4, 20 }, 10, new[] { 1, 2, 3, 4, 5, 3 })]
    // an older line (time not after the last one) does not rescale
    [InlineData(new double[] { 100, 50, 0 }, 10, new[] { 1, 2, 3 })]
    public void Rescaling_table(double[] times, double findTime, int[] expected)
    {
        var fm = new FailManager { MaxRetry = 100, FindTime = findTime };
        Assert.Equal(expected, times.Select(t => fm.AddFailure(Fail("192.0.2.1", t))).ToArray());
    }

    [Theory]
    [InlineData(3, 2, false)]
    [InlineData(3, 3, true)]
    [InlineData(1, 1, true)]
    [InlineData(5, 4, false)]
    public void Maxretry_boundary(int maxRetry, int failures, bool banned)
    {
        var fm = new FailManager { MaxRetry = maxRetry, FindTime = 600 };
        var id = IPAddr.Parse("192.0.2.9");
        for (var i = 0; i < failures; i++)
        {
            fm.AddFailure(Fail("192.0.2.9", 1000 + i));
        }

        var ticket = fm.ToBan(id);
        Assert.Equal(banned, ticket is not null);
        Assert.Equal(banned ? 0 : 1, fm.Count);
        if (ticket is not null)
        {
            Assert.Equal(failures, ticket.Attempts);
            Assert.Equal(failures, ticket.Retry);
        }
    }

    [Fact]
    public void Cleanup_drops_tickets_whose_last_failure_left_the_window()
    {
        var fm = new FailManager { FindTime = 600 };
        fm.AddFailure(Fail("192.0.2.1", 1000));
        fm.AddFailure(Fail("192.0.2.2", 1400));
        Assert.Equal(0, fm.Cleanup(1599));
        Assert.Equal(1, fm.Cleanup(1600)); // 1000 <= 1600 - 600
        Assert.Equal(1, fm.Count);
        Assert.Equal(1, fm.Cleanup(2000));
        Assert.Equal(0, fm.Count);
        Assert.Equal(2, fm.FailTotal);
    }

    [Fact]
    public void Maxmatches_keeps_the_last_lines_as_plain_strings()
    {
        var fm = new FailManager { MaxRetry = 10, MaxMatches = 2 };
        fm.AddFailure(new Ticket(IPAddr.Parse("192.0.2.1"), 1, [MatchLine.Split("a ", "d1", " x")]));
        fm.AddFailure(new Ticket(IPAddr.Parse("192.0.2.1"), 2, [MatchLine.Split("b ", "d2", " y")]));
        var t = fm.Get(IPAddr.Parse("192.0.2.1"))!;
        // The first ticket's own line keeps its split form, merged lines are joined.
        Assert.True(t.Matches[0].IsSplit);
        Assert.False(t.Matches[1].IsSplit);
        fm.AddFailure(new Ticket(IPAddr.Parse("192.0.2.1"), 3, [MatchLine.Split("c ", "d3", " z")]));
        Assert.Equal(["b d2 y", "c d3 z"], t.Matches.Select(m => m.Text));
        Assert.All(t.Matches, m => Assert.False(m.IsSplit));

        var none = new FailManager { MaxRetry = 10, MaxMatches = 0 };
        none.AddFailure(Fail("192.0.2.1", 1, "l1"));
        none.AddFailure(Fail("192.0.2.1", 2, "l2"));
        Assert.Empty(none.Get(IPAddr.Parse("192.0.2.1"))!.Matches);
        Assert.False(none.Get(IPAddr.Parse("192.0.2.1"))!.HasMatchesKey);
    }

    [Fact]
    public void Attempt_with_several_messages_counts_as_several_failures()
    {
        // fail2ban's `set <jail> attempt <ip> m1 m2 m3`: count = number of messages.
        var fm = new FailManager { MaxRetry = 3 };
        var retry = fm.AddFailure(Fail("192.0.2.1", 5, "m1", "m2", "m3"), 3);
        Assert.Equal(3, retry);
        var t = fm.ToBan()!;
        Assert.Equal(1, t.Attempts); // setRetry leaves failures at 1, as fail2ban does
        Assert.Null(fm.ToBan());
    }

    [Fact]
    public void Observed_failures_never_create_tickets()
    {
        var fm = new FailManager();
        var t = Fail("192.0.2.1", 5);
        fm.AddFailure(t, 2, observed: true);
        Assert.Equal(0, fm.Count);
        Assert.Equal(0, fm.FailTotal);
    }

    [Fact]
    public void Counting_agrees_with_fail2ban_FailManager_on_random_sequences()
    {
        var rnd = new Random(4242);
        var events = new List<(string Ip, int Time)>();
        var t = 1_000_000;
        for (var i = 0; i < 400; i++)
        {
            t += rnd.Next(0, 40);
            var back = rnd.Next(0, 10) == 0 ? rnd.Next(0, 30) : 0; // sometimes an older line
            events.Add(($"192.0.2.{rnd.Next(1, 6)}", t - back));
        }

        const int maxRetry = 6;
        const int findTime = 120;
        var script = string.Join('\n',
            "from fail2ban.server.failmanager import FailManager, FailManagerEmpty",
            "from fail2ban.server.ticket import FailTicket",
            "fm = FailManager(); fm.setMaxRetry(" + maxRetry + "); fm.setMaxTime(" + findTime + ")",
            "ev = [" + string.Join(",", events.Select(e => $"('{e.Ip}',{e.Time})")) + "]",
            "for ip, tm in ev:",
            "    r = fm.addFailure(FailTicket(ip, tm))",
            "    b = ''",
            "    if r >= fm.getMaxRetry():",
            "        try:",
            "            tk = fm.toBan(ip); b = 'ban:%d:%d' % (tk.getRetry(), tk.getAttempt())",
            "        except FailManagerEmpty: pass",
            "    fm.cleanup(tm)",
            "    print('%d %s %d' % (r, b, fm.size()))",
            "");
        var lines = BanningFixtures.RunOracle(script);
        if (lines is null)
        {
            output.WriteLine(BanningFixtures.OracleSkipped);
            return;
        }

        var ours = new FailManager { MaxRetry = maxRetry, FindTime = findTime };
        for (var i = 0; i < events.Count; i++)
        {
            var (ip, tm) = events[i];
            var r = ours.AddFailure(Fail(ip, tm));
            var b = string.Empty;
            if (r >= ours.MaxRetry && ours.ToBan(IPAddr.Parse(ip)) is { } tk)
            {
                b = string.Create(CultureInfo.InvariantCulture, $"ban:{tk.Retry}:{tk.Attempts}");
            }

            ours.Cleanup(tm);
            var line = string.Create(CultureInfo.InvariantCulture, $"{r} {b} {ours.Count}");
            Assert.True(lines[i] == line, $"event {i} ({ip} @ {tm}): fail2ban '{lines[i]}', ours '{line}'");
        }
    }
}

using System.Globalization;
using Jail2Ban.Core.Banning;
using Jail2Ban.Core.Net;
using Jail2Ban.Core.Tests.Time;
using Jail2Ban.Core.Time;
using Xunit.Abstractions;

namespace Jail2Ban.Core.Tests.Banning;

public sealed class BanTimeIncrementTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(600, 0, "600")]
    [InlineData(600, 1, "1200")]
    [InlineData(600, 2, "2400")]
    [InlineData(600, 5, "19200")]
    [InlineData(600, 20, "629145600")]
    [InlineData(600, 25, "629145600")]
    [InlineData(5, 1, "10")]
    [InlineData(5, 2, "20")]
    public void Default_formula(long bantime, int count, string expected)
    {
        var inc = BanTimeIncrement.Create(enabled: true);
        Assert.Equal(expected, inc.Calculate(PyNumber.Int(bantime), count).ToString());
    }

    [Theory]
    [InlineData("1 2 4 8 16 32 64", 600, 0, "600")]
    [InlineData("1 2 4 8 16 32 64", 600, 3, "4800")]
    [InlineData("1 2 4 8 16 32 64", 600, 99, "38400")]
    [InlineData("1 5 30 60 300 720 1440 2880", 60, 2, "1800")]
    public void Multipliers(string multipliers, long bantime, int count, string expected)
    {
        var inc = BanTimeIncrement.Create(enabled: true, multipliers: multipliers);
        Assert.Equal(expected, inc.Calculate(PyNumber.Int(bantime), count).ToString());
    }

    [Fact]
    public void Maxtime_caps_and_rndtime_adds_a_random_share()
    {
        var inc = BanTimeIncrement.Create(enabled: true, maxTime: "1h", rndTime: "10m", random: () => 0.5);
        Assert.Equal("3900.0", inc.Calculate(PyNumber.Int(600), 4).ToString()); // min(9600, 3600) + 300
        Assert.Equal(3600, inc.GetMaxBanTime(600));
        Assert.Equal(-1, BanTimeIncrement.Create(enabled: true).GetMaxBanTime(600));
        Assert.Equal(600, BanTimeIncrement.Disabled.GetMaxBanTime(600));
    }

    [Theory]
    [InlineData("bantime.formula", "__import__('os').system('id')")]
    [InlineData("bantime.formula", "ban.Time * foo")]
    [InlineData("bantime.formula", "ban.Time *")]
    [InlineData("bantime.factor", "x")]
    [InlineData("bantime.multipliers", "1 2 x")]
    [InlineData("bantime.maxtime", "1 fortnight")]
    public void Unsupported_or_invalid_options_are_rejected_naming_the_option(string option, string value)
    {
        var e = Assert.Throws<FormatException>(() => option switch
        {
            "bantime.formula" => BanTimeIncrement.Create(true, formula: value),
            "bantime.factor" => BanTimeIncrement.Create(true, factor: value),
            "bantime.multipliers" => BanTimeIncrement.Create(true, multipliers: value),
            _ => BanTimeIncrement.Create(true, maxTime: value),
        });
        Assert.StartsWith(option + ":", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, 10, 2)]
    [InlineData(2, 10, 3)]
    [InlineData(3, 10, 5)]
    [InlineData(4, 10, 9)]
    [InlineData(5, 10, 10)]
    [InlineData(30, 1000000000, 524289)]
    public void Failure_boost_targets(int banCount, int maxRetry, int expected)
    {
        Assert.Equal(expected, BanTimeIncrement.BoostedRetry(banCount, maxRetry));
    }

    [Fact]
    public void Observed_sequence_bantime_5_factor_1_gives_5_10_20()
    {
        // spec §3.9: DB bans rows (5,1), (10,2), (20,3)
        var inc = BanTimeIncrement.Create(enabled: true);
        var bm = new BanManager { BanTime = 5 };
        BanHistory? history = null;
        var rows = new List<(double BanTime, int Count)>();
        for (var i = 0; i < 3; i++)
        {
            var now = 1000 + (i * 100);
            var t = new Ticket(IPAddr.Parse("192.0.2.70"), now);
            Assert.True(bm.AddBanTicket(t, now).Added);
            var outcome = BanIncrementFlow.OnBanFound(t, t.GetBanTime(bm.BanTime), inc, true, () => history, now);
            Assert.True(outcome.WriteToDatabase);
            Assert.Equal(i > 0, outcome.Increased);
            Assert.Equal(i > 0, outcome.BadHistory is not null);
            rows.Add((t.GetBanTime(bm.BanTime), t.BanCount));
            history = new BanHistory(t.BanCount, now, t.GetBanTime(bm.BanTime));
            bm.Flush();
        }

        Assert.Equal([(5.0, 1), (10.0, 2), (20.0, 3)], rows);
    }

    [Fact]
    public void Ticket_not_newer_than_the_stored_ban_is_marked_restored_and_not_written()
    {
        var inc = BanTimeIncrement.Create(enabled: true);
        var t = new Ticket(IPAddr.Parse("192.0.2.70"), 1000);
        t.IncrementBanCount();
        var o = BanIncrementFlow.OnBanFound(t, 600, inc, true, () => new BanHistory(1, 1000, 600), 1001);
        Assert.True(t.Restored);
        Assert.False(o.WriteToDatabase);
        Assert.Null(o.BadHistory);
        Assert.Equal(1200, t.BanTime);
        Assert.Equal(2, t.BanCount);
    }

    [Fact]
    public void Increased_ban_that_already_ended_is_not_written_and_permanent_is_untouched()
    {
        var inc = BanTimeIncrement.Create(enabled: true);
        var old = new Ticket(IPAddr.Parse("192.0.2.1"), 100);
        var ended = BanIncrementFlow.OnBanFound(old, 10, inc, true, () => null, 5000);
        Assert.True(ended.AlreadyEnded);
        Assert.False(ended.WriteToDatabase);

        var perm = new Ticket(IPAddr.Parse("192.0.2.1"), 100);
        var called = false;
        var p = BanIncrementFlow.OnBanFound(perm, -1, inc, true, () =>
        {
            called = true;
            return new BanHistory(3, 50, 10);
        }, 5000);
        Assert.False(called);
        Assert.Equal(("permanent", "infinite"), p.Describe(100, TimeZoneInfo.Utc));
        Assert.True(p.WriteToDatabase);
    }

    [Fact]
    public void Failure_boost_adds_failures_for_known_bad_ips()
    {
        var fm = new FailManager { MaxRetry = 5 };
        var first = new Ticket(IPAddr.Parse("192.0.2.5"), 2000);
        fm.AddFailure(first);
        var o = BanIncrementFlow.OnFailureFound(fm, first, true, new BanHistory(3, 1500, 600));
        Assert.Equal(FailureBoostStatus.Boosted, o.Status);
        Assert.Equal(5, o.TargetRetry);
        Assert.True(o.Ban);
        Assert.NotNull(fm.ToBan(first.Id));

        var before = new Ticket(IPAddr.Parse("192.0.2.6"), 1000);
        fm.AddFailure(before);
        Assert.Equal(FailureBoostStatus.BeforeLastBan, BanIncrementFlow.OnFailureFound(fm, before, true, new BanHistory(1, 1500, 600)).Status);
        Assert.Equal(FailureBoostStatus.None, BanIncrementFlow.OnFailureFound(fm, before, false, new BanHistory(1, 1, 600)).Status);
        Assert.Equal(FailureBoostStatus.None, BanIncrementFlow.OnFailureFound(fm, before, true, null).Status);
    }

    [Fact]
    public void Formulas_agree_with_fail2ban()
    {
        (string? Factor, string? Formula, string? Multipliers, string? MaxTime)[] configs =
        [
            (null, null, null, null),
            ("2", null, null, null),
            ("1.5", null, null, null),
            ("2.0 / 2.885385", "ban.Time * math.exp(float(ban.Count+1)*banFactor)/math.exp(1*banFactor)", null, null),
            (null, null, "1 2 4 8 16 32 64", null),
            ("3", null, "1 5 30 60 300 720 1440 2880", null),
            (null, null, null, "1w"),
            (null, "ban.Time + ban.Count * 60", null, "5d"),
            (null, "ban.Time * (ban.Count + 1) ** 2 // 3", null, null),
        ];
        long[] bantimes = [1, 5, 60, 600, 3600, 86400];
        var script = new System.Text.StringBuilder();
        script.AppendLine("import logging; logging.disable(logging.CRITICAL)");
        script.AppendLine("from fail2ban.server.jail import Jail");
        script.AppendLine("from fail2ban.server.observer import ObserverThread");
        foreach (var c in configs)
        {
            script.AppendLine("j = Jail('t', backend='polling'); j.setBanTimeExtra('increment', 'true')");
            foreach (var (k, v) in new[] { ("factor", c.Factor), ("formula", c.Formula), ("multipliers", c.Multipliers), ("maxtime", c.MaxTime) })
            {
                if (v is not null)
                {
                    script.AppendLine($"j.setBanTimeExtra('{k}', {TimeSpecTests.PyList([v])[1..^1]})");
                }
            }

            script.AppendLine("f = j.getBanTimeExtra()['evformula']");
            script.AppendLine("for bt in [" + string.Join(",", bantimes) + "]:");
            script.AppendLine("    for c in range(0, 24): print(repr(f(ObserverThread.BanTimeIncr(bt, c))))");
        }

        var lines = BanningFixtures.RunOracle(script.ToString());
        if (lines is null)
        {
            output.WriteLine(BanningFixtures.OracleSkipped);
            return;
        }

        var i = 0;
        foreach (var c in configs)
        {
            var inc = BanTimeIncrement.Create(true, c.Factor, c.Formula, c.Multipliers, c.MaxTime);
            foreach (var bt in bantimes)
            {
                for (var count = 0; count < 24; count++)
                {
                    var expected = lines[i++];
                    var ours = inc.Calculate(PyNumber.Int(bt), count);
                    var what = $"{c} bt={bt} count={count}: fail2ban {expected}, ours {ours}";
                    Assert.True(expected.Contains('.', StringComparison.Ordinal) || expected.Contains('e', StringComparison.Ordinal) ? ours.IsFloat : !ours.IsFloat, what);
                    var e = double.Parse(expected, CultureInfo.InvariantCulture);
                    Assert.True(Math.Abs(e - ours.Value) <= Math.Abs(e) * 1e-12, what);
                }
            }
        }

        Assert.Equal(lines.Count, i);
    }
}

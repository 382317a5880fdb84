using Jail2Ban.Core.Banning;
using Jail2Ban.Core.Net;
using Jail2Ban.Core.Time;

namespace Jail2Ban.Core.Tests.Banning;

public sealed class BanLogTextTests
{
    private static readonly IPAddr Ip = IPAddr.Parse("192.0.2.70");
    private static readonly TimeZoneInfo Utc = TimeZoneInfo.Utc;

    [Fact]
    public void Plain_messages()
    {
        Assert.Equal("[sshd] Found 192.0.2.70 - 2026-11-22 05:55:20", BanLogText.Found("sshd", Ip, 1795326920.4, Utc));
        Assert.Equal("[sshd] Attempt 192.0.2.70 - 2026-11-22 05:55:20", BanLogText.Attempt("sshd", Ip, 1795326920, Utc));
        Assert.Equal("[sshd] Ignore 192.0.2.70 by ignoreself rule", BanLogText.Ignore("sshd", Ip, "ignoreself rule"));
        Assert.Equal("[sshd] Ban 192.0.2.70", BanLogText.Ban("sshd", Ip, false));
        Assert.Equal("[sshd] Restore Ban 192.0.2.70", BanLogText.Ban("sshd", Ip, true));
        Assert.Equal("[sshd] Unban 192.0.2.70", BanLogText.Unban("sshd", Ip));
        Assert.Equal("[sshd] Ignore 192.0.2.70, expired bantime", BanLogText.ExpiredBantime("sshd", Ip));
        Assert.Equal("[sshd] 192.0.2.70 already banned", BanLogText.AlreadyBanned("sshd", Ip));
        Assert.Equal([0, 1, 1, 2], new[] { 2.9, 3, 59.9, 60 }.Select(BanLogText.AlreadyBannedLevel));
    }

    [Fact]
    public void Increment_messages_of_the_observed_sequence()
    {
        // spec §3.9: "IP 192.0.2.70 is bad: 1 # ... - incr 5s to 10s", "Increase Ban 192.0.2.70 (2 # 10s -> ...)"
        var inc = BanTimeIncrement.Create(enabled: true);
        var t = new Ticket(Ip, 1795326920);
        t.IncrementBanCount();
        var o = BanIncrementFlow.OnBanFound(t, 5, inc, true, () => new BanHistory(1, 1795326900, 5), 1795326920);
        Assert.Equal("[test] IP 192.0.2.70 is bad: 1 # last 2026-11-22 05:55:00 - incr 5s to 10s",
            BanLogText.IsBad("test", Ip, o.BadHistory!, PyNumber.Int(5), o.NewBanTime, Utc));
        Assert.Equal("[test] Increase Ban 192.0.2.70 (2 # 10s -> 2026-11-22 05:55:30)",
            BanLogText.IncreaseBan("test", Ip, t.BanCount, o, t.Time, Utc));
        Assert.Equal(0, o.ProlongDelay!.Value, 6); // min(10, max(0, 10 - 5 - 5))
    }

    [Theory]
    [InlineData(1, 10, "2.0")]
    [InlineData(3, 10, "5.0")]
    [InlineData(4, 5, "5, Ban")]
    [InlineData(5, 100, "17.0")]
    [InlineData(3, 5, "5.0, Ban")]
    public void Found_bad_prints_the_target_like_python(int banCount, int maxRetry, string tail)
    {
        var target = BanTimeIncrement.BoostedRetry(banCount, maxRetry);
        var text = BanLogText.FoundBad("j", Ip, 0, banCount, target, maxRetry, Utc);
        Assert.Equal($"[j] Found 192.0.2.70, bad - 1970-01-01 00:00:00, {banCount} # -> {tail}", text);
    }
}

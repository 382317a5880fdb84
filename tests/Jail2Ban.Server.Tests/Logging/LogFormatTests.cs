using System.Text.RegularExpressions;
using Jail2Ban.Server.Logging;
using Jail2Ban.Server.Tests.Hosting;

namespace Jail2Ban.Server.Tests.Logging;

public sealed class LogFormatTests
{
    private static readonly DateTimeOffset T = DateTimeOffset.FromUnixTimeMilliseconds(1700000000987);

    // Expected lines were produced once with fail2ban 1.0.2's own formatter (TZ=UTC, pid 4242).
    [Theory]
    [InlineData(LogLevels.Notice, "2023-11-14 22:13:20,987 fail2ban.actions        [4242]: NOTICE  [sshd] Ban 1.2.3.4")]
    [InlineData(LogLevels.Msg, "2023-11-14 22:13:20,987 fail2ban.actions        [4242]: MSG     [sshd] Ban 1.2.3.4")]
    [InlineData(LogLevels.TraceDebug, "2023-11-14 22:13:20,987 fail2ban.actions        [4242]: TRACE   [sshd] Ban 1.2.3.4")]
    [InlineData(LogLevels.HeavyDebug, "2023-11-14 22:13:20,987 fail2ban.actions        [4242]: HEAVY   [sshd] Ban 1.2.3.4")]
    [InlineData(9, "2023-11-14 22:13:20,987 fail2ban.actions        [4242]: #09-Lev. [sshd] Ban 1.2.3.4")]
    [InlineData(LogLevels.Error, "2023-11-14 22:13:20,987 fail2ban.actions        [4242]: ERROR   [sshd] Ban 1.2.3.4")]
    [InlineData(51, "2023-11-14 22:13:20,987 fail2ban.actions        [4242]: Level 51 [sshd] Ban 1.2.3.4")]
    public void DefaultFormatIsByteIdenticalToFail2Ban(int level, string expected)
    {
        var line = LogFormat.Default(addTime: true, padding: true)
            .Render(new LogRecord(T, "fail2ban.actions", level, "[sshd] Ban 1.2.3.4"), 4242, TimeZoneInfo.Utc);
        Assert.Equal(expected, line);
    }

    [Fact]
    public void SyslogStyleHasNoTimeAndNoPadding()
    {
        var f = LogFormat.Default(addTime: false, padding: false);
        Assert.Equal("%(name)s[%(process)d]: %(levelname)s %(message)s", f.Text);
        Assert.Equal("fail2ban.actions[7]: NOTICE [sshd] Ban 1.2.3.4",
            f.Render(new LogRecord(T, "fail2ban.actions", LogLevels.Notice, "[sshd] Ban 1.2.3.4"), 7, TimeZoneInfo.Utc));
    }

    [Fact]
    public void MillisecondsAreTruncatedAndLocalZoneIsUsed()
    {
        var zone = TimeZoneInfo.CreateCustomTimeZone("plus2", TimeSpan.FromHours(2), "plus2", "plus2");
        var t = DateTimeOffset.FromUnixTimeMilliseconds(1700000000000).AddTicks(9999999 - 1);
        Assert.Equal("2023-11-15 00:13:20,999", LogFormat.AscTime(t, zone));
    }

    [Fact]
    public void CustomFormatOptionFieldsAndPrecision()
    {
        var f = LogFormat.Parse("%(levelname)-5.5s|%(name)s|%(message)s|%%");
        Assert.Equal("NOTIC|fail2ban.filter|x|%", f.Render(new LogRecord(T, "fail2ban.filter", LogLevels.Notice, "x"), 1, TimeZoneInfo.Utc));
    }

    [Theory]
    [InlineData("INFO", 20)]
    [InlineData("notice", 25)]
    [InlineData("MSG", 18)]
    [InlineData("TRACEDEBUG", 7)]
    [InlineData("HEAVYDEBUG", 5)]
    [InlineData("warn", 30)]
    [InlineData("9", 9)]
    public void LevelNamesAndNumbersParse(string text, int expected)
    {
        Assert.True(LogLevels.TryParse(text, out var level, out _));
        Assert.Equal(expected, level);
    }

    [Fact]
    public void UnknownLevelIsRejectedWithFail2BansMessage()
    {
        Assert.False(LogLevels.TryParse("LOUD", out _, out var error));
        Assert.Equal("Invalid log level 'LOUD'", error);
    }

    [Fact]
    public void BanLineMatchesTheStockRecidiveFailregex()
    {
        // The recidive failregex is read from the stock filter; the common.conf pieces it refers
        // to are expanded by hand (file log type) for this test.
        var conf = File.ReadAllLines(RuntimeFixtures.Compat("fail2ban", "config", "filter.d", "recidive.conf"));
        string Key(string k) => conf.First(l => l.StartsWith(k + " =", StringComparison.Ordinal))[(k.Length + 2)..].Trim();
        var failregex = Key("failregex");
        var jailname = Key("_jailname");
        var daemon = Key("_daemon");
        const string pid = @"(?:\[\d+\])";
        var daemonRe = @"[\[\(]?" + daemon + @"(?:\(\S+\))?[\]\)]?:?";
        var combs = $@"(?:{pid}?:\s+{daemonRe}|{daemonRe}{pid}?:?)";
        var prefix = $@"(?:\[\])?\s*(?:<[^.]+\.[^.]+>\s+)?(?:\S+\s+)?(?:kernel:\s?\[ *\d+\.\d+\]:?\s+)?(?:@vserver_\S+\s+)?(?:{combs}\s+)?(?:\[ID \d+ \S+\]\s+)?";
        var pattern = failregex
            .Replace("%(__prefix_line)s", prefix)
            .Replace("%(__pid_re)s", pid)
            .Replace("<_jailname>", jailname)
            .Replace("<HOST>", @"(?<ip4>\d+\.\d+\.\d+\.\d+)");
        var re = new Regex(pattern);

        var line = LogFormat.Default(true, true).Render(new LogRecord(T, "fail2ban.actions", LogLevels.Notice, "[sshd] Ban 192.0.2.10"), 11217, TimeZoneInfo.Utc);
        // fail2ban's date detector removes the leading time stamp and appends a newline.
        var seen = line["2023-11-14 22:13:20,987".Length..] + "\n";
        var m = re.Match(seen);
        Assert.True(m.Success, $"recidive failregex {pattern} did not match {seen}");
        Assert.Equal("192.0.2.10", m.Groups["ip4"].Value);

        // And it must not match recidive's own bans (negative look-ahead on the jail name).
        var own = LogFormat.Default(true, true).Render(new LogRecord(T, "fail2ban.actions", LogLevels.Notice, "[recidive] Ban 192.0.2.10"), 1, TimeZoneInfo.Utc);
        Assert.DoesNotMatch(re, own["2023-11-14 22:13:20,987".Length..] + "\n");
    }
}

public sealed class OperatorMessageTests
{
    private static readonly TimeZoneInfo Zurich = TimeZoneInfo.FindSystemTimeZoneById("Europe/Zurich");

    [Fact]
    public void BanUnbanAndFoundLinesAreByteIdentical()
    {
        var t = DateTimeOffset.FromUnixTimeMilliseconds(1700000000987);
        string Line(string logger, int level, string msg) =>
            LogFormat.Default(true, true).Render(new LogRecord(t, logger, level, msg), 11217, Zurich);
        Assert.Equal("2023-11-14 23:13:20,987 fail2ban.actions        [11217]: NOTICE  [sshd] Ban 192.0.2.10",
            Line(OperatorMessages.ActionsLogger, LogLevels.Notice, OperatorMessages.Ban("sshd", "192.0.2.10")));
        Assert.Equal("2023-11-14 23:13:20,987 fail2ban.actions        [11217]: NOTICE  [sshd] Restore Ban 192.0.2.10",
            Line(OperatorMessages.ActionsLogger, LogLevels.Notice, OperatorMessages.Ban("sshd", "192.0.2.10", restored: true)));
        Assert.Equal("2023-11-14 23:13:20,987 fail2ban.actions        [11217]: NOTICE  [sshd] Unban 192.0.2.10",
            Line(OperatorMessages.ActionsLogger, LogLevels.Notice, OperatorMessages.Unban("sshd", "192.0.2.10")));
        Assert.Equal("2023-11-14 23:13:20,987 fail2ban.filter         [11217]: INFO    [sshd] Found 192.0.2.10 - 2023-11-14 23:13:19",
            Line(OperatorMessages.FilterLogger, LogLevels.Info, OperatorMessages.Found("sshd", "192.0.2.10", t.AddSeconds(-1), Zurich)));
    }

    [Theory]
    [InlineData(2, LogLevels.Debug)]
    [InlineData(30, LogLevels.Notice)]
    [InlineData(61, LogLevels.Warning)]
    public void AlreadyBannedLevelDependsOnDelay(int seconds, int level) =>
        Assert.Equal(level, OperatorMessages.AlreadyBannedLevel(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void OtherOperatorMessages()
    {
        Assert.Equal("[sshd] Reban 1.2.3.4, action 'iptables'", OperatorMessages.Reban("sshd", "1.2.3.4", "iptables"));
        Assert.Equal("[sshd] Reban 1.2.3.4", OperatorMessages.Reban("sshd", "1.2.3.4"));
        Assert.Equal("[sshd] 1.2.3.4 already banned", OperatorMessages.AlreadyBanned("sshd", "1.2.3.4"));
        Assert.Equal("[sshd] Flush ticket(s) with iptables", OperatorMessages.FlushTickets("sshd", "iptables"));
        Assert.Equal("[sshd] Ignore 1.2.3.4 by ip", OperatorMessages.Ignore("sshd", "1.2.3.4", "ip"));
        Assert.Equal("9999-12-31 23:59:59", OperatorMessages.TimeToString(DateTimeOffset.FromUnixTimeSeconds(253402214400), TimeZoneInfo.Utc));
    }
}

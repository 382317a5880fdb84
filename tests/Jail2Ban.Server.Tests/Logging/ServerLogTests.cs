using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Jail2Ban.Server.Logging;
using Jail2Ban.Server.Tests.Hosting;
using Microsoft.Extensions.Logging;

namespace Jail2Ban.Server.Tests.Logging;

public sealed class ServerLogTests
{
    private static readonly DateTimeOffset T = DateTimeOffset.FromUnixTimeMilliseconds(1700000000123);

    private static (ServerLog log, StringWriter stdout, StringWriter stderr) Make(string journal = "/nonexistent")
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var log = new ServerLog(new FixedTime(T), new ServerLogEnvironment(stdout, stderr, 99, journal, TimeZoneInfo.Utc), "1.0.2");
        return (log, stdout, stderr);
    }

    [Fact]
    public void StdoutTargetWritesFail2BanLinesAndFiltersByLevel()
    {
        var (log, stdout, _) = Make();
        Assert.True(log.SetTarget("stdout"));
        Assert.Equal("STDOUT", log.Target);
        log.Log("fail2ban.filter", LogLevels.Msg, "hidden at INFO");
        log.Log("fail2ban.actions", LogLevels.Notice, "[sshd] Ban 192.0.2.1");
        Assert.Equal("2023-11-14 22:13:20,123 fail2ban.actions        [99]: NOTICE  [sshd] Ban 192.0.2.1\n", stdout.ToString());
        Assert.True(log.TrySetLevel("msg", out _));
        Assert.Equal("MSG", log.LevelText);
        log.Log("fail2ban.filter", LogLevels.Msg, "shown at MSG");
        Assert.EndsWith("fail2ban.filter         [99]: MSG     shown at MSG\n", stdout.ToString());
    }

    [Fact]
    public void SysoutHasNoTimeButKeepsPadding()
    {
        var (log, stdout, _) = Make();
        log.SetTarget("SYSOUT");
        log.Log("fail2ban.actions", LogLevels.Notice, "[sshd] Unban 192.0.2.1");
        Assert.Equal("fail2ban.actions        [99]: NOTICE  [sshd] Unban 192.0.2.1\n", stdout.ToString());
    }

    [Fact]
    public void OptionsInBracketsOverrideTimeAndPadding()
    {
        var (log, _, stderr) = Make();
        Assert.True(log.SetTarget("STDERR[datetime=off, padding=off]"));
        log.Log("fail2ban.jail", LogLevels.Info, "Jail 'x' started");
        Assert.Equal("fail2ban.jail[99]: INFO Jail 'x' started\n", stderr.ToString());
    }

    [Fact]
    public void ChangingTargetAnnouncesItOnTheNewTarget()
    {
        var (log, stdout, stderr) = Make();
        log.SetTarget("STDOUT");
        Assert.True(log.SetTarget("STDERR"));
        Assert.Equal("", stdout.ToString());
        var lines = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.EndsWith("INFO    Start Fail2ban v1.0.2", lines[0]);
        Assert.EndsWith("INFO    Changed logging target to STDERR for Fail2ban v1.0.2", lines[1]);
    }

    [Fact]
    public void UnwritableFileKeepsPreviousTarget()
    {
        var (log, stdout, _) = Make();
        log.SetTarget("STDOUT");
        Assert.False(log.SetTarget("/nonexistent-dir/x/fail2ban.log"));
        Assert.Equal("STDOUT", log.Target);
        Assert.Contains("ERROR   Unable to log to '/nonexistent-dir/x/fail2ban.log'", stdout.ToString());
        Assert.Contains("INFO    Logging to previous target 'STDOUT'", stdout.ToString());
    }

    [Fact]
    public void FileTargetIsReopenedByFlushLogs()
    {
        using var dir = new TempDir();
        var (log, _, _) = Make();
        var path = dir.File("f2b.log");
        Assert.True(log.SetTarget(path));
        log.Log("fail2ban.server", LogLevels.Info, "before rotation");
        File.Move(path, path + ".1");
        Assert.Equal("rolled over", log.FlushLogs());
        log.Log("fail2ban.server", LogLevels.Info, "after rotation");
        log.Dispose();
        Assert.Contains("before rotation", File.ReadAllText(path + ".1"));
        var fresh = File.ReadAllText(path);
        Assert.Contains("INFO    rollover performed on " + path, fresh);
        Assert.Contains("after rotation", fresh);
        Assert.DoesNotContain("before rotation", fresh);
    }

    [Fact]
    public void FlushLogsOnStdoutOnlyFlushes()
    {
        var (log, stdout, _) = Make();
        log.SetTarget("STDOUT");
        Assert.Equal("flushed", log.FlushLogs());
        Assert.Contains("flush performed on STDOUT", stdout.ToString());
    }

    [Fact]
    public void SyslogTargetSendsPriorityPrefixAndNul()
    {
        using var dir = new TempDir();
        var sockPath = dir.File("log.sock");
        using var server = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        server.Bind(new UnixDomainSocketEndPoint(sockPath));
        var (log, _, _) = Make();
        Assert.True(log.SetSyslogSocket(sockPath));
        Assert.True(log.SetTarget("SYSLOG[facility=AUTHPRIV]"));
        log.Log("fail2ban.actions", LogLevels.Notice, "[sshd] Ban 192.0.2.1");
        log.Log("fail2ban.filter", LogLevels.Warning, "w");
        var buf = new byte[4096];
        server.ReceiveTimeout = 5000;
        var n = server.Receive(buf);
        // AUTHPRIV (10) << 3 | notice (5) = 85
        Assert.Equal("<85>fail2ban.actions[99]: NOTICE [sshd] Ban 192.0.2.1\0", Encoding.UTF8.GetString(buf, 0, n));
        n = server.Receive(buf);
        Assert.Equal("<84>fail2ban.filter[99]: WARNING w\0", Encoding.UTF8.GetString(buf, 0, n));
    }

    [Fact]
    public void SyslogWithMissingSocketFailsWithFail2BansMessage()
    {
        var (log, stdout, _) = Make();
        log.SetTarget("STDOUT");
        log.SetSyslogSocket("/nonexistent/log.sock");
        Assert.False(log.SetTarget("SYSLOG"));
        Assert.Contains("Syslog socket file: /nonexistent/log.sock does not exists or is not a socket", stdout.ToString());
    }

    [Fact]
    public void JournalTargetUsesNativeProtocol()
    {
        using var dir = new TempDir();
        var sockPath = dir.File("journal.sock");
        using var server = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        server.Bind(new UnixDomainSocketEndPoint(sockPath));
        var (log, _, _) = Make(sockPath);
        Assert.True(log.SetTarget("systemd-journal"));
        log.Log("fail2ban.actions", LogLevels.Notice, "[sshd] Ban 192.0.2.1");
        log.Log("fail2ban.server", LogLevels.Error, "two\nlines");
        var buf = new byte[4096];
        server.ReceiveTimeout = 5000;
        var n = server.Receive(buf);
        Assert.Equal("MESSAGE=[sshd] Ban 192.0.2.1\nPRIORITY=5\nSYSLOG_IDENTIFIER=fail2ban\nLOGGER=fail2ban.actions\n", Encoding.UTF8.GetString(buf, 0, n));
        n = server.Receive(buf);
        var expected = new List<byte>(Encoding.ASCII.GetBytes("MESSAGE\n"));
        expected.AddRange(BitConverter.GetBytes(9UL));
        expected.AddRange(Encoding.ASCII.GetBytes("two\nlines\nPRIORITY=3\n"));
        Assert.Equal(expected.ToArray(), buf.AsSpan(0, expected.Count).ToArray());
    }

    [Fact]
    public void MelProviderMapsNoticeEventAndCategory()
    {
        var (log, stdout, _) = Make();
        log.SetTarget("STDOUT");
        using var factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new Fail2BanLoggerProvider(log)));
        var logger = factory.CreateLogger("fail2ban.actions");
        logger.LogNotice("[sshd] Ban 192.0.2.7");
        logger.LogMsg("not shown at INFO");
        logger.LogDebug("not shown either");
        factory.CreateLogger("Microsoft.Hosting.Lifetime").LogInformation("Application started.");
        Assert.Equal("2023-11-14 22:13:20,123 fail2ban.actions        [99]: NOTICE  [sshd] Ban 192.0.2.7\n", stdout.ToString());
    }

    [Fact]
    public void Fail2BanRegexOracleFindsOurBanLineWithRecidive()
    {
        const string tool = "/usr/bin/fail2ban-regex";
        if (!File.Exists(tool))
        {
            throw Xunit.Sdk.SkipException.ForSkip("fail2ban-regex (oracle) not installed");
        }
        using var dir = new TempDir();
        var path = dir.File("fail2ban.log");
        var now = DateTimeOffset.UtcNow;
        var log = new ServerLog(new FixedTime(now), new ServerLogEnvironment(TextWriter.Null, TextWriter.Null, 1234, "/x", TimeZoneInfo.Local), "1.0.2");
        log.SetTarget(path);
        log.Log("fail2ban.actions", LogLevels.Notice, "[sshd] Ban 192.0.2.33");
        log.Log("fail2ban.actions", LogLevels.Notice, "[recidive] Ban 192.0.2.34");
        log.Log("fail2ban.filter", LogLevels.Info, "[sshd] Found 192.0.2.33 - 2023-11-14 22:13:20");
        log.Dispose();
        var psi = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(path);
        psi.ArgumentList.Add(RuntimeFixtures.Compat("fail2ban", "config", "filter.d", "recidive.conf"));
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.Contains("Lines: 3 lines, 0 ignored, 1 matched, 2 missed", output);
    }
}

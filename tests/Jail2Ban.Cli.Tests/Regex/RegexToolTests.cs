using System.Text;
using System.Text.Json;

namespace Jail2Ban.Cli.Tests.Regex;

public sealed class RegexToolTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("j2b-regex-test").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string WriteLog(string name, byte[] content)
    {
        string p = Path.Combine(_dir, name);
        File.WriteAllBytes(p, content);
        return p;
    }

    // Summaries recorded from the installed fail2ban-regex 1.0.2 with the Debian config (the oracle).
    [Theory]
    [InlineData("sshd", "Lines: 155 lines, 42 ignored, 65 matched, 48 missed", "Failregex: 109 total")]
    [InlineData("apache-auth", "Lines: 45 lines, 0 ignored, 35 matched, 10 missed", "Failregex: 35 total")]
    public void ReportMatchesFail2banRegexOnSampleLogs(string filter, string? lines, string? failregex)
    {
        var (rc, output, _) = RegexFixtures.Run("-c", RegexFixtures.DebianConfig, Path.Combine(RegexFixtures.SampleLogs, filter), filter);
        Assert.Equal(0, rc);
        Assert.StartsWith("\nRunning tests\n=============\n\n", output.Replace("\r\n", "\n"));
        Assert.Contains($"Use   failregex filter file : {filter}, basedir: {RegexFixtures.DebianConfig}", output);
        Assert.Matches(@"\nLines: \d+ lines, \d+ ignored, \d+ matched, \d+ missed\n\[processed in \d+\.\d\d sec\]\n", output);
        if (lines is not null)
        {
            Assert.Contains("\n" + lines + "\n", output);
        }
        if (failregex is not null)
        {
            Assert.Contains("\n" + failregex + "\n", output);
        }
    }

    [Fact]
    public void SshdSampleReportHasFail2banRegexSections()
    {
        var (_, output, _) = RegexFixtures.Run("-c", RegexFixtures.DebianConfig, Path.Combine(RegexFixtures.SampleLogs, "sshd"), "sshd");
        Assert.Contains("\nUse         maxlines : 1\n", output);
        Assert.Contains("\nUse      datepattern : {^LN-BEG} : Default Detectors\n", output);
        Assert.Contains("\nPrefregex: 155 total\n", output);
        Assert.Contains("\n|-  #) [# of hits] regular expression\n|   1) [8] ", output);
        Assert.Contains("\nIgnoreregex: 0 total\n", output);
        Assert.Contains("\nDate template hits:\n|- [# of hits] date format\n", output);
        Assert.Contains("Ignored line(s): too many to print.  Use --print-all-ignored to print all 42 lines", output);
        Assert.Contains("Missed line(s): too many to print.  Use --print-all-missed to print all 48 lines", output);
    }

    [Fact]
    public void SingleLineAndLiteralRegex()
    {
        var (rc, output, _) = RegexFixtures.Run("Jan 23 21:59:59 host sshd[1]: fail from 192.0.2.1", @"fail from <HOST>$");
        Assert.Equal(0, rc);
        Assert.Contains("Use   failregex line : fail from <HOST>$", output);
        Assert.Contains("Use      single line : Jan 23 21:59:59 host sshd[1]: fail from 192.0.2.1\n", output);
        // longer values are shortened to 53 characters like fail2ban-regex's shortstr
        Assert.Contains("Use      single line : " + new string('x', 50) + "...\n", RegexFixtures.Run(new string('x', 60), "x <HOST>").Out);
        Assert.Contains("\nFailregex: 1 total\n|-  #) [# of hits] regular expression\n|   1) [1] fail from <HOST>$\n`-\n", output);
        Assert.Contains("\nLines: 1 lines, 0 ignored, 1 matched, 0 missed\n", output);
    }

    [Fact]
    public void IgnoreRegexCountsIgnoredLines()
    {
        string log = WriteLog("ign.log", Encoding.UTF8.GetBytes("fail from 192.0.2.1\nfail from 10.0.0.1\nother\n"));
        var (_, output, _) = RegexFixtures.Run(log, "fail from <HOST>", @"10\.0\.0\.1");
        Assert.Contains("\nLines: 3 lines, 1 ignored, 1 matched, 1 missed\n", output);
        Assert.Contains("\nIgnoreregex: 1 total\n", output);
    }

    [Fact]
    public void VerboseListsEachFailure()
    {
        string log = WriteLog("v.log", Encoding.UTF8.GetBytes("fail from 192.0.2.1\n"));
        var (_, output, _) = RegexFixtures.Run("-v", log, "fail from <HOST>");
        Assert.Matches(@"\|   1\) \[1\] fail from <HOST>\n\|      192\.0\.2\.1  \w{3} \w{3} \d\d \d\d:\d\d:\d\d \d{4}\n", output);
    }

    [Fact]
    public void JsonOutputIsOneObjectPerFailure()
    {
        string log = WriteLog("j.log", Encoding.UTF8.GetBytes(
            "2005-08-14 11:00:00 user bob from 192.0.2.1\n# comment\n2005-08-14 11:00:01 nothing\n2005-08-14 11:00:02 user eve from 2001:DB8::1\n"));
        var (rc, output, _) = RegexFixtures.Run("--out", "json", "--timezone", "UTC", log, @"user <F-USER>\w+</F-USER> from <HOST>$");
        Assert.Equal(0, rc);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        using var first = JsonDocument.Parse(lines[0]);
        var r = first.RootElement;
        Assert.Equal(1, r.GetProperty("line").GetInt32());
        Assert.Equal("192.0.2.1", r.GetProperty("fid").GetString());
        Assert.Equal(1124017200d, r.GetProperty("time").GetDouble());
        Assert.Equal(0, r.GetProperty("regex").GetInt32());
        Assert.False(r.GetProperty("nofail").GetBoolean());
        Assert.Equal("bob", r.GetProperty("fields").GetProperty("user").GetString());
        Assert.Equal(JsonValueKind.Null, r.GetProperty("fields").GetProperty("ip6").ValueKind);
        Assert.Equal("2005-08-14 11:00:00 user bob from 192.0.2.1", r.GetProperty("matches")[0].GetString());
        using var second = JsonDocument.Parse(lines[1]);
        Assert.Equal(4, second.RootElement.GetProperty("line").GetInt32());
        Assert.Equal("2001:db8::1", second.RootElement.GetProperty("fid").GetString());
    }

    [Theory]
    [InlineData("id", "192.0.2.1")]
    [InlineData("user", "bob")]
    [InlineData("msg", "user bob from 192.0.2.1")]
    [InlineData("<ip>:<F-USER>", "192.0.2.1:bob")]
    public void OutTokens(string token, string expected)
    {
        var (rc, output, _) = RegexFixtures.Run("-o", token, "user bob from 192.0.2.1", @"user <F-USER>\w+</F-USER> from <HOST>$");
        Assert.Equal(0, rc);
        Assert.Equal(expected + "\n", output.Replace("\r\n", "\n"));
    }

    [Fact]
    public void HostileInputDoesNotCrash()
    {
        var bytes = new List<byte>();
        bytes.AddRange(Encoding.UTF8.GetBytes("bad utf8 \xff\xfe\xc3 from 192.0.2.1\n"));
        bytes.AddRange([0xC3, 0x28, (byte)'\n']);
        bytes.AddRange(Encoding.UTF8.GetBytes("nul \0 byte from 192.0.2.2\n"));
        bytes.AddRange(Enumerable.Repeat((byte)'a', 1 << 20));
        bytes.AddRange(Encoding.UTF8.GetBytes(" from 192.0.2.3\n"));
        string log = WriteLog("hostile.log", [.. bytes]);
        var (rc, output, err) = RegexFixtures.Run(log, "from <HOST>$");
        Assert.Equal(0, rc);
        Assert.Equal("", err);
        Assert.Contains("\nLines: 4 lines, 0 ignored, 3 matched, 1 missed\n", output);
    }

    [Fact]
    public void UnterminatedLastLineIsNotReadLikeFail2ban102()
    {
        // fail2ban-regex 1.0.2 waits for the line end (observed on the cyrus-imap and portsentry samples)
        string log = WriteLog("u.log", Encoding.UTF8.GetBytes("fail from 192.0.2.1\nfail from 192.0.2.2"));
        var (_, output, _) = RegexFixtures.Run(log, "fail from <HOST>");
        Assert.Contains("\nLines: 1 lines, 0 ignored, 1 matched, 0 missed\n", output);
        string crlf = WriteLog("c.log", Encoding.UTF8.GetBytes("fail from 192.0.2.1\r\nfail from 192.0.2.2\r"));
        Assert.Contains("\nLines: 2 lines, 0 ignored, 2 matched, 0 missed\n", RegexFixtures.Run(crlf, "fail from <HOST>").Out);
    }

    [Fact]
    public void CatastrophicPatternStopsNamingIt()
    {
        string log = WriteLog("redos.log", Encoding.UTF8.GetBytes(new string('a', 40) + "!\n"));
        // a named group: an unnamed one is translated non-capturing, and .NET reduces (?:a+)+ to a+ (no backtracking)
        var (rc, _, err) = RegexFixtures.Run(TimeSpan.FromMilliseconds(100), log, @"^(?P<run>a+)+$ <HOST>");
        Assert.Equal(255, rc);
        Assert.Contains("timed out", err);
        Assert.Contains(@"^(?P<run>a+)+$ <HOST>", err);
    }

    /// <summary>
    /// The built j2b-regex keeps the match timeout with a watchdog (the patterns run without the engine's per-step
    /// checks): a runaway search ends the process with the same message and exit code as the engine's timeout.
    /// </summary>
    [Fact]
    public async Task BuiltToolEndsARunawaySearchNamingThePattern()
    {
        string exe = Path.Combine(EndToEnd.EndToEndFixtures.Dist, "j2b-regex");
        Assert.True(File.Exists(exe), $"{exe} not found; run `make build` first");
        string log = WriteLog("redos.log", Encoding.UTF8.GetBytes(new string('a', 40) + "!\n"));
        var psi = new System.Diagnostics.ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(log);
        psi.ArgumentList.Add(@"^(?P<run>a+)+$ <HOST>");
        psi.Environment["J2B_REGEX_MATCH_TIMEOUT"] = "0.3";
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var p = System.Diagnostics.Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEndAsync();
        using var cts = new CancellationTokenSource(60_000);
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail("j2b-regex did not end on the runaway search");
        }
        Assert.Equal(255, p.ExitCode);
        Assert.Contains("ERROR: Regex match timed out after 0.3s (catastrophic backtracking?) in pattern: ^(?P<run>a+)+$ <HOST>", await err);
        Assert.Contains("Use         log file : ", await output);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.3), $"ended after {clock.Elapsed.TotalSeconds} s");
    }

    [Theory]
    [InlineData("onlyone")]
    [InlineData("--print-no-missed", "--print-all-missed", "a", "b")]
    public void UsageErrorsExit255(params string[] args)
    {
        Assert.Equal(255, RegexFixtures.Run(args).Exit);
    }

    [Fact]
    public void InvalidRegexIsReported()
    {
        var (rc, output, _) = RegexFixtures.Run("line", "<HOST> <HOST>");
        Assert.Equal(255, rc);
        Assert.Contains("redefinition of group name", output);
    }

    [Fact]
    public void FilterWithOptionsAndMaxLinesOverride()
    {
        var (rc, output, _) = RegexFixtures.Run("-c", RegexFixtures.DebianConfig, "-L", "3", Path.Combine(RegexFixtures.SampleLogs, "sshd"), "sshd[mode=aggressive]");
        Assert.Equal(0, rc);
        Assert.Contains("\nUse         maxlines : 3\n", output);
        Assert.Contains("\nUse   filter options : {'mode': 'aggressive'}\n", output);
    }
}

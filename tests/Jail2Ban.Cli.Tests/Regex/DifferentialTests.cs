using System.Diagnostics;

namespace Jail2Ban.Cli.Tests.Regex;

/// <summary>
/// j2b-regex against the installed fail2ban-regex 1.0.2 (the oracle), byte for byte except the
/// "[processed in]" timing line, on sample logs with the Debian configuration.
/// (Checked by hand on all 89 sample logs whose filter Debian ships: 87 identical; dovecot and domino-smtp
/// contain ReDoS lines where fail2ban-regex needs 17 s and more per line and j2b-regex stops at its timeout.)
/// </summary>
public sealed class DifferentialTests
{
    private const string Fail2banRegex = "/usr/bin/fail2ban-regex";

    [Theory]
    [InlineData("sshd")]
    [InlineData("postfix")]
    [InlineData("apache-auth")]
    [InlineData("cyrus-imap")]
    [InlineData("recidive")]
    public async Task OutputIdenticalToFail2banRegex(string filter)
    {
        Assert.True(File.Exists(Fail2banRegex), "fail2ban (the oracle) is not installed");
        string log = Path.Combine(RegexFixtures.SampleLogs, filter);
        string[] args = ["-c", RegexFixtures.DebianConfig, "--print-all-matched", "--print-all-missed", log, filter];
        var psi = new ProcessStartInfo(Fail2banRegex, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var stderrTask = p.StandardError.ReadToEndAsync();
        string expected = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        await stderrTask;
        var (rc, actual, _) = RegexFixtures.Run(args);
        Assert.Equal(p.ExitCode, rc);
        Assert.Equal(WithoutTiming(expected), WithoutTiming(actual));
    }

    private static string WithoutTiming(string s) =>
        string.Join("\n", s.Replace("\r\n", "\n").Split('\n').Where(l => !l.StartsWith("[processed in ", StringComparison.Ordinal)));
}

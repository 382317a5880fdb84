using System.Diagnostics;

namespace Jail2Ban.Cli.Tests.Server;

public sealed class SystemdUnitTests
{
    private static readonly string Template = Path.Combine(ServerFixtures.RepoRoot, "packaging", "systemd", "jail2ban.service.in");

    private static string Substituted() => File.ReadAllText(Template)
        // The test output directory holds j2b-server and j2b-client apphosts, so systemd-analyze
        // finds executables where ExecStart/ExecReload point.
        .Replace("@BINDIR@", AppContext.BaseDirectory.TrimEnd('/'), StringComparison.Ordinal)
        .Replace("@CONFDIR@", "/etc/fail2ban", StringComparison.Ordinal);

    [Fact]
    public void UnitPassesSystemdAnalyzeVerify()
    {
        const string tool = "/usr/bin/systemd-analyze";
        if (!File.Exists(tool))
        {
            throw Xunit.Sdk.SkipException.ForSkip("systemd-analyze is not installed: the unit file could not be verified");
        }
        var dir = Directory.CreateTempSubdirectory("j2b-unit-").FullName;
        try
        {
            var unit = Path.Combine(dir, "jail2ban.service");
            File.WriteAllText(unit, Substituted());
            var psi = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
            psi.ArgumentList.Add("verify");
            psi.ArgumentList.Add(unit);
            using var p = Process.Start(psi)!;
            var stderr = p.StandardError.ReadToEnd();
            var stdout = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, $"systemd-analyze verify failed ({p.ExitCode}):\n{stdout}{stderr}");
            // Unknown keys and bad values are only warnings: they must not appear either.
            Assert.DoesNotContain("jail2ban.service", stderr);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void UnitStartsTheServerTheWaySection7Says()
    {
        var lines = Substituted().Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && l[0] != '#').ToList();
        string Value(string key) => lines.Single(l => l.StartsWith(key + "=", StringComparison.Ordinal))[(key.Length + 1)..];
        Assert.Equal("notify", Value("Type"));
        Assert.EndsWith("/j2b-server -c /etc/fail2ban -xf start", Value("ExecStart"));
        Assert.EndsWith("/j2b-client -c /etc/fail2ban reload", Value("ExecReload"));
        Assert.Equal("fail2ban", Value("RuntimeDirectory"));
        Assert.Equal("fail2ban", Value("StateDirectory"));
        Assert.Equal("0 255", Value("RestartPreventExitStatus"));
        Assert.Contains("CAP_NET_ADMIN", Value("CapabilityBoundingSet"));
        Assert.Contains("AF_NETLINK", Value("RestrictAddressFamilies"));
        // setgid mail helpers must keep working
        Assert.DoesNotContain(lines, l => l.StartsWith("NoNewPrivileges=yes", StringComparison.Ordinal));
        Assert.DoesNotContain("@", string.Join('\n', lines.Where(l => l.StartsWith("Exec", StringComparison.Ordinal))));
    }
}

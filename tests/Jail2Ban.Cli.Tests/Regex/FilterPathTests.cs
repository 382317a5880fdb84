using System.Diagnostics;

namespace Jail2Ban.Cli.Tests.Regex;

/// <summary>
/// A filter given as a path, relative (to the working directory) or absolute, without -c: j2b-regex runs as a
/// separate process in a directory holding filter.d and must print what the installed fail2ban-regex 1.0.2 prints
/// there (timing line aside). 1.0.2 itself rejects "filter.d/sshd.conf" ("Base configuration directory  does not
/// exist ", with the trailing space): it takes the parent of the relative "filter.d", "", as the base directory;
/// "./filter.d/sshd.conf" and absolute paths work.
/// </summary>
public sealed class FilterPathTests
{
    private const string Fail2banRegex = "/usr/bin/fail2ban-regex";

    public static TheoryData<string> Paths()
    {
        string abs = Path.Combine(RegexFixtures.DebianConfig, "filter.d");
        return new TheoryData<string>
        {
            "filter.d/sshd.conf",
            "filter.d/sshd",
            "./filter.d/sshd.conf",
            "./filter.d/sshd",
            "filter.d/sshd.local",
            Path.Combine(abs, "sshd.conf"),
            Path.Combine(abs, "sshd"),
        };
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task RelativeAndAbsoluteFilterPathsAsFail2banRegex(string filterPath)
    {
        Assert.True(File.Exists(Fail2banRegex), "fail2ban (the oracle) is not installed");
        string log = Path.Combine(RegexFixtures.SampleLogs, "sshd");
        var expected = await RunAsync(Fail2banRegex, [log, filterPath]);
        string dll = typeof(Jail2Ban.Regex.RegexCommand).Assembly.Location;
        var actual = await RunAsync("dotnet", [dll, log, filterPath]);
        Assert.Equal(expected.Exit, actual.Exit);
        Assert.Equal(WithoutTiming(expected.Out), WithoutTiming(actual.Out));
    }

    [Fact]
    public async Task RelativeFilterDirPathGivesFail2banErrorWithTrailingSpace()
    {
        string dll = typeof(Jail2Ban.Regex.RegexCommand).Assembly.Location;
        var (exit, output) = await RunAsync("dotnet", [dll, "Jan  1 00:00:01 h sshd[1]: x", "filter.d/sshd.conf"]);
        Assert.Equal(255, exit);
        Assert.Contains("\nWrong config file: Base configuration directory  does not exist \nERROR: failed to load filter filter.d/sshd.conf\n", output);
    }

    [Theory]
    [InlineData("Base configuration directory  does not exist", "Base configuration directory  does not exist ")]
    [InlineData("Base configuration directory /x does not exist", "Base configuration directory /x does not exist ")]
    [InlineData("No section: 'Definition'", "No section: 'Definition'")]
    public void ConfigErrorTextAsFail2ban(string message, string expected) =>
        Assert.Equal(expected, Jail2Ban.Regex.RegexTool.Fail2banConfigError(message));

    private static async Task<(int Exit, string Out)> RunAsync(string exe, string[] args)
    {
        var psi = new ProcessStartInfo(exe, args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RegexFixtures.DebianConfig,
        };
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        string output = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        await err;
        return (p.ExitCode, output.Replace("\r\n", "\n"));
    }

    private static string WithoutTiming(string s) =>
        string.Join("\n", s.Split('\n').Where(l => !l.StartsWith("[processed in ", StringComparison.Ordinal)));
}

using System.Diagnostics;

namespace Jail2Ban.Core.Tests.Banning;

/// <summary>
/// Test helpers of the banning area: the shared-folder lookup of the brief, a manual clock,
/// and the fail2ban 1.0.2 python module as an oracle (null when it is not installed).
/// </summary>
internal static class BanningFixtures
{
    private const string Python = "/usr/bin/python3";
    private const string Fail2BanModule = "/usr/lib/python3/dist-packages/fail2ban/server/mytime.py";

    public static string SharedRoot => RepoPaths.Shared;

    public static bool OracleAvailable => File.Exists(Python) && File.Exists(Fail2BanModule);

    /// <summary>Runs a python script with fail2ban importable; returns stdout lines, or null when
    /// fail2ban is not installed (the caller then reports the skip).</summary>
    public static IReadOnlyList<string>? RunOracle(string script)
    {
        if (!OracleAvailable)
        {
            return null;
        }

        var psi = new ProcessStartInfo(Python)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-");
        psi.Environment["TZ"] = "UTC";
        using var p = Process.Start(psi)!;
        p.StandardInput.Write(script);
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(60_000))
        {
            p.Kill(true);
            throw new TimeoutException("python oracle did not finish");
        }

        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException("python oracle failed: " + stderr.Result);
        }

        return stdout.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    public const string OracleSkipped = "SKIPPED: fail2ban 1.0.2 (python3 module) is not installed; oracle comparison not run";
}

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualTime(double unixSeconds) : TimeProvider
{
    public double Now { get; set; } = unixSeconds;

    public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(Now * 1000));

    public void Advance(double seconds) => Now += seconds;
}

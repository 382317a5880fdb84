namespace Jail2Ban.Core.Tests.Banning;

/// <summary>
/// Test helpers of the banning area: the shared-folder lookup of the brief, a manual clock,
/// and the fail2ban 1.0.2 python module as an oracle (null when it is not installed).
/// </summary>
internal static class BanningFixtures
{
    public static string SharedRoot => RepoPaths.Shared;

    public static bool OracleAvailable => PythonOracle.Available("server/mytime.py");

    /// <summary>Runs a python script with fail2ban importable; returns stdout lines, or null when
    /// fail2ban is not installed (the caller then reports the skip).</summary>
    public static IReadOnlyList<string>? RunOracle(string script)
    {
        if (!OracleAvailable)
        {
            return null;
        }

        return PythonOracle.Run(script, TimeSpan.FromSeconds(60));
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

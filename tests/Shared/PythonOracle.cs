using System.Diagnostics;

namespace Jail2Ban.TestSupport;

/// <summary>
/// fail2ban 1.0.2's python module as an oracle: runs a script (fed on stdin, TZ=UTC) with the installed
/// module importable and returns its non-empty stdout lines. Linked into the test projects that use it.
/// </summary>
internal static class PythonOracle
{
    private const string Python = "/usr/bin/python3";
    private const string ModuleDir = "/usr/lib/python3/dist-packages/fail2ban";

    /// <summary>True when python3 and the given file of the fail2ban module (e.g. "server/database.py") exist.</summary>
    public static bool Available(string moduleFile) =>
        File.Exists(Python) && File.Exists(Path.Combine(ModuleDir, moduleFile));

    public static IReadOnlyList<string> Run(string script, TimeSpan timeout)
    {
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
        if (!p.WaitForExit(timeout))
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
}

using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Jail2Ban.Core.Tests.Actions;

/// <summary>
/// Finds the python that has fail2ban 1.0.2 installed. The goldens are fail2ban's own output
/// (GPL text), so they are produced at test time by tools/make_goldens.py, never committed.
/// </summary>
internal static class Fail2banOracle
{
    public const string Version = "1.0.2";

    public const string Missing = "SKIPPED: fail2ban " + Version + " not installed (apt-get install fail2ban)";

    /// <summary>
    /// dotnet test prints skip reasons only at detailed verbosity, so a skipped test also carries
    /// the short reason in its display name, which every verbosity shows.
    /// </summary>
    public static string SkippedDisplayName(string member) => $"{nameof(ActionGoldenTests)}.{member} [{Missing}]";

    /// <summary>Null when the oracle can run, otherwise the reason the golden tests are skipped.</summary>
    public static string? SkipReason => Probe.Value.SkipReason;

    public static string Python => Probe.Value.Python;

    // Written once, read-only afterwards: the probe runs python once per test run, at discovery.
    private static readonly Lazy<(string Python, string? SkipReason)> Probe = new(Detect);

    private static (string, string?) Detect()
    {
        // J2B_FAIL2BAN_PYTHON lets a run point at another interpreter (or a missing one, to see the skip).
        var python = Environment.GetEnvironmentVariable("J2B_FAIL2BAN_PYTHON") is { Length: > 0 } env ? env
            : File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        const string missing = Missing;
        try
        {
            var r = Run(python, ["-c", "import sys, fail2ban.version as v; sys.stdout.write(v.version)"], TimeSpan.FromSeconds(30));
            if (r.ExitCode != 0) return (python, $"{missing}: {python} cannot import fail2ban");
            return r.Stdout.Trim() == Version ? (python, null) : (python, $"{missing}: {python} has fail2ban {r.Stdout.Trim()}");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or TimeoutException)
        {
            return (python, $"{missing}: {python}: {e.Message}");
        }
    }

    public static ProcessResult Run(string exe, IEnumerable<string> args, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start " + exe);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{exe} did not finish within {timeout.TotalSeconds} s");
        }
        p.WaitForExit();
        return new ProcessResult(p.ExitCode, stdout.Result, stderr.Result);
    }
}

internal sealed record ProcessResult(int ExitCode, string Stdout, string Stderr);

/// <summary>A [Fact] that is skipped, with the reason shown, when fail2ban 1.0.2 is not installed.</summary>
internal sealed class Fail2banFactAttribute : FactAttribute
{
    public Fail2banFactAttribute([CallerMemberName] string member = "")
    {
        if (Fail2banOracle.SkipReason is not { } reason) return;
        Skip = reason;
        DisplayName = Fail2banOracle.SkippedDisplayName(member);
    }
}

/// <summary>A [Theory] that is skipped, with the reason shown, when fail2ban 1.0.2 is not installed.</summary>
internal sealed class Fail2banTheoryAttribute : TheoryAttribute
{
    public Fail2banTheoryAttribute([CallerMemberName] string member = "")
    {
        if (Fail2banOracle.SkipReason is not { } reason) return;
        Skip = reason;
        DisplayName = Fail2banOracle.SkippedDisplayName(member);
    }
}

/// <summary>
/// Runs tools/make_goldens.py once for the test class into a temp directory (the inputs: the
/// compat oracle dumps and the jail.local trees the script writes in temp) and removes it after.
/// </summary>
public sealed class GoldenFixture : IDisposable
{
    private readonly Lazy<string> _dir;
    private readonly string _root = Path.Combine(Path.GetTempPath(), "j2b-goldens-" + Guid.NewGuid().ToString("N"));

    public GoldenFixture() => _dir = new Lazy<string>(Generate);

    /// <summary>Directory holding &lt;case&gt;.json; generated on first use, throws with the script's output if that failed.</summary>
    public string Dir => _dir.Value;

    public TimeSpan GenerationTime { get; private set; }

    private string Generate()
    {
        if (Fail2banOracle.SkipReason is { } reason) throw new InvalidOperationException(reason);
        var outDir = Path.Combine(_root, "out");
        var script = Path.Combine(ActionsFixtures.RepoRoot, "tests", "Jail2Ban.Core.Tests", "Actions", "tools", "make_goldens.py");
        var sw = Stopwatch.StartNew();
        var r = Fail2banOracle.Run(Fail2banOracle.Python, [script, ActionsFixtures.Shared, outDir], TimeSpan.FromMinutes(5));
        GenerationTime = sw.Elapsed;
        if (r.ExitCode != 0)
            throw new InvalidOperationException($"{Fail2banOracle.Python} {script} failed (exit {r.ExitCode}):\n{r.Stdout}\n{r.Stderr}");
        return outDir;
    }

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }
}

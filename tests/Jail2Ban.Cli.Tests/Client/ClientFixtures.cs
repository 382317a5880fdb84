using System.Diagnostics;
using System.Text.RegularExpressions;
using Jail2Ban.Client;

namespace Jail2Ban.Cli.Tests.Client;

/// <summary>Golden files of the client (recorded by Golden/record.sh from the real fail2ban 1.0.2).</summary>
internal static partial class ClientFixtures
{
    public static string RepoRoot => RepoPaths.Root;

    public static string GoldenDir => Path.Combine(RepoRoot, "tests", "Jail2Ban.Cli.Tests", "Client", "Golden");

    /// <summary>The socket path the recording used; "server down" cases expect it in the message.</summary>
    public const string RecordedSocket = "/tmp/j2b-golden/f2b.sock";

    public sealed record Case(string Name, int ExitCode, string[] Args, string Stdout, string? Stderr)
    {
        public bool ServerDown => Name.EndsWith("_down", StringComparison.Ordinal);

        public override string ToString() => Name;
    }

    /// <summary>Golden files of the commands 1.0.2 lacks, recorded by Golden110/record.sh from fail2ban 1.1.0.</summary>
    public static string Golden110Dir => Path.Combine(RepoRoot, "tests", "Jail2Ban.Cli.Tests", "Client", "Golden110");

    public static IReadOnlyList<Case> Cases() => Cases(GoldenDir);

    public static IReadOnlyList<Case> Cases(string goldenDir) =>
        File.ReadAllLines(Path.Combine(goldenDir, "cases.tsv"))
            .Where(l => l.Length > 0)
            .Select(l => l.Split('\t'))
            .Select(p => new Case(p[0], int.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture), p[2..],
                File.ReadAllText(Path.Combine(goldenDir, p[0] + ".out")),
                File.Exists(Path.Combine(goldenDir, p[0] + ".err")) ? File.ReadAllText(Path.Combine(goldenDir, p[0] + ".err")) : null))
            .ToList();

    /// <summary>The fail regex as the real server reported it (its expansion is the filter area's job).</summary>
    public static string RecordedFailRegex() =>
        File.ReadAllLines(Path.Combine(GoldenDir, "get_failregex.out"))[1]["`- [0]: ".Length..];

    /// <summary>j2b-client's code, in process, against <paramref name="sock"/>.</summary>
    public static async Task<(int Rc, string Out, string Err)> RunJ2bClient(string sock, string[] args)
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        var rc = await ClientCommandLine.RunAsync(["-s", sock, .. args], stdout, stderr, dump: null, CancellationToken.None);
        return (rc, stdout.ToString(), stderr.ToString());
    }

    /// <summary>A Python fail2ban-client (<paramref name="client"/>, with <paramref name="pythonPath"/> when it is not the installed one).</summary>
    public static async Task<(int Rc, string Out, string Err)> RunPythonClient(string client, string? pythonPath, string confDir, string sock, string[] args)
    {
        var psi = new ProcessStartInfo(pythonPath is null ? client : "python3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (pythonPath is not null)
        {
            psi.Environment["PYTHONPATH"] = pythonPath;
            psi.ArgumentList.Add(client);
        }
        foreach (var a in (string[])["-c", confDir, "-s", sock, .. args])
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return (p.ExitCode, await o, await e);
    }

    /// <summary>One recorded case against what a client printed: exit code, stdout, normalised stderr.</summary>
    public static void Compare(Case c, int rc, string stdout, string stderr, List<string> mismatches)
    {
        if (rc != c.ExitCode)
            mismatches.Add($"{c.Name}: exit {rc}, expected {c.ExitCode}");
        if (stdout != c.Stdout)
            mismatches.Add($"{c.Name}: stdout\n--- got ---\n{stdout}--- expected ---\n{c.Stdout}");
        var err = NormalizeStderr(stderr);
        if (err != (c.Stderr ?? ""))
            mismatches.Add($"{c.Name}: stderr\n--- got ---\n{err}--- expected ---\n{c.Stderr}");
    }

    /// <summary>Same normalisation as record.sh: time stamp and pid of the client log line.</summary>
    public static string NormalizeStderr(string text) =>
        string.Join("", text.Split('\n').Where(l => l.Length > 0).Select(l => Pid().Replace(Time().Replace(l, "<TIME> ", 1), "[<PID>]:", 1) + "\n"));

    [GeneratedRegex(@"^[0-9-]+ [0-9:,]+ ")]
    private static partial System.Text.RegularExpressions.Regex Time();

    [GeneratedRegex(@"\[[0-9]+\]:")]
    private static partial System.Text.RegularExpressions.Regex Pid();
}

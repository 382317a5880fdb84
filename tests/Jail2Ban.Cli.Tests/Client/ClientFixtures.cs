using System.Text.RegularExpressions;

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

    /// <summary>Same normalisation as record.sh: time stamp and pid of the client log line.</summary>
    public static string NormalizeStderr(string text) =>
        string.Join("", text.Split('\n').Where(l => l.Length > 0).Select(l => Pid().Replace(Time().Replace(l, "<TIME> ", 1), "[<PID>]:", 1) + "\n"));

    [GeneratedRegex(@"^[0-9-]+ [0-9:,]+ ")]
    private static partial System.Text.RegularExpressions.Regex Time();

    [GeneratedRegex(@"\[[0-9]+\]:")]
    private static partial System.Text.RegularExpressions.Regex Pid();
}

namespace Jail2Ban.Client;

/// <summary>
/// Bridges fail2ban-client's getopt grammar and System.CommandLine: fail2ban-client stops option
/// parsing at the command word and forwards every later word verbatim (values such as
/// <c>--report-absent</c>, <c>--with-time</c>, <c>-1</c> or a regex starting with '-' must reach the
/// server untouched). For pass-through commands we therefore insert <c>--</c> after the command word.
/// -v/-q are counted here because System.CommandLine has no counting flag.
/// </summary>
internal static class ArgvNormalizer
{
    /// <summary>Hidden subcommand that forwards unknown command words.</summary>
    public const string RawCommand = "__forward";

    /// <summary>Commands whose arguments System.CommandLine parses (they have typed options).</summary>
    public static readonly IReadOnlySet<string> TypedCommands =
        new HashSet<string>(StringComparer.Ordinal) { "status", "unban", "ping", "reload", "restart", "start", "stop", "banned" };

    /// <summary>Commands declared as subcommands whose words are forwarded verbatim.</summary>
    public static readonly IReadOnlySet<string> PassThroughCommands =
        new HashSet<string>(StringComparer.Ordinal) { "set", "get", "echo", "add", "version", "flushlogs", "stats", "statistic", "statistics", "server-status" };

    private static readonly HashSet<string> ValueOptions = new(StringComparer.Ordinal)
    {
        "-c", "--conf", "-s", "--socket", "-p", "--pidfile", "--pname", "--loglevel", "--logtarget",
        "--syslogsocket", "--timeout", "--str2sec",
    };

    public sealed record Result(string[] Args, int Verbosity);

    public static Result Normalize(IReadOnlyList<string> argv)
    {
        var tokens = new List<string>();
        var verbosity = 1;
        var i = 0;
        for (; i < argv.Count; i++)
        {
            var t = argv[i];
            if (t == "--" || !t.StartsWith('-') || t == "-")
                break;
            if (IsCountFlag(t))
            {
                foreach (var ch in t.AsSpan(1))
                    verbosity += ch == 'v' ? 1 : -1;
                continue;
            }
            tokens.Add(t);
            if (ValueOptions.Contains(t) && i + 1 < argv.Count)
                tokens.Add(argv[++i]);
        }
        if (i >= argv.Count)
            return new([.. tokens], verbosity);
        if (argv[i] == "--")
        {
            // getopt's end of options: everything after it is the command, forwarded verbatim.
            tokens.Add(RawCommand);
            tokens.AddRange(argv.Skip(i));
            return new([.. tokens], verbosity);
        }
        var word = argv[i];
        var rest = argv.Skip(i + 1).ToList();
        if (TypedCommands.Contains(word))
        {
            tokens.Add(word);
            tokens.AddRange(rest);
            return new([.. tokens], verbosity);
        }
        // A trailing --json is always our option, never a value to forward.
        if (rest.Count > 0 && rest[^1] == "--json")
        {
            rest.RemoveAt(rest.Count - 1);
            tokens.Add("--json");
        }
        if (PassThroughCommands.Contains(word))
        {
            tokens.Add(word);
            if (rest is not (["-h"] or ["--help"] or ["-?"]))
                tokens.Add("--");
            tokens.AddRange(rest);
        }
        else
        {
            // Unknown word: forwarded to the server (which answers "Invalid command").
            tokens.Add(RawCommand);
            tokens.Add("--");
            tokens.Add(word);
            tokens.AddRange(rest);
        }
        return new([.. tokens], verbosity);
    }

    private static bool IsCountFlag(string t) =>
        t.Length >= 2 && t[0] == '-' && t[1] != '-' && t.AsSpan(1).IndexOfAnyExcept('v', 'q') < 0;
}

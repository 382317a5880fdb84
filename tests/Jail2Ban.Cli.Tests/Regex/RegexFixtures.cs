namespace Jail2Ban.Cli.Tests.Regex;

/// <summary>Locates ../shared (read-only corpus) per the brief, and runs j2b-regex in-process.</summary>
internal static class RegexFixtures
{
    public static string Shared => RepoPaths.Shared;

    public static string DebianConfig => Path.Combine(Shared, "compat", "fail2ban-debian-1.0.2", "config");

    public static string SampleLogs => Path.Combine(Shared, "compat", "fail2ban", "files", "logs");

    public static (int Exit, string Out, string Err) Run(params string[] args) => Run(null, args);

    public static (int Exit, string Out, string Err) Run(TimeSpan? timeout, params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int rc = Jail2Ban.Regex.RegexCommand.Invoke(args, o, e, TimeProvider.System, new Jail2Ban.Core.Filtering.NoHostResolver(), timeout);
        return (rc, o.ToString(), e.ToString());
    }
}

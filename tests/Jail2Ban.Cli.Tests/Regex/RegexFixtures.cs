namespace Jail2Ban.Cli.Tests.Regex;

/// <summary>Locates ../shared (read-only corpus) per the brief, and runs j2b-regex in-process.</summary>
internal static class RegexFixtures
{
    private static readonly Lazy<string> SharedDir = new(Locate);

    public static string Shared => SharedDir.Value;

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

    private static string Locate()
    {
        string? env = Environment.GetEnvironmentVariable("J2B_SHARED");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env))
        {
            return env;
        }
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Jail2Ban.sln")))
        {
            dir = dir.Parent;
        }
        if (dir is not null)
        {
            string candidate = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared"));
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }
        return "/work/shared";
    }
}

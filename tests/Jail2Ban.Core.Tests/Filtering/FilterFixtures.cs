namespace Jail2Ban.Core.Tests.Filtering;

/// <summary>Locates ../shared (the read-only compat corpus) from the test binaries, per the brief.</summary>
internal static class FilterFixtures
{
    private static readonly Lazy<string> SharedDir = new(Locate);

    public static string Shared => SharedDir.Value;

    public static string Compat => Path.Combine(Shared, "compat");

    public static string StockConfig => Path.Combine(Compat, "fail2ban", "config");

    public static string TestConfig => Path.Combine(Compat, "fail2ban", "test-config");

    public static string SampleLogs => Path.Combine(Compat, "fail2ban", "files", "logs");

    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Jail2Ban.sln")))
            {
                dir = dir.Parent;
            }
            return dir?.FullName ?? throw new InvalidOperationException("Jail2Ban.sln not found above " + AppContext.BaseDirectory);
        }
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

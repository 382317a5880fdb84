namespace Jail2Ban.Core.Tests.Actions;

/// <summary>Locates the repository root and the shared compat corpus for the action tests.</summary>
internal static class ActionsFixtures
{
    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Jail2Ban.sln")))
                dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("Jail2Ban.sln not found above " + AppContext.BaseDirectory);
        }
    }

    public static string Shared
    {
        get
        {
            if (Environment.GetEnvironmentVariable("J2B_SHARED") is { Length: > 0 } env) return env;
            var rel = Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));
            return Directory.Exists(rel) ? rel : "/work/shared";
        }
    }

    public static string Compat => Path.Combine(Shared, "compat");

    public static string GoldenDir => Path.Combine(RepoRoot, "tests", "Jail2Ban.Core.Tests", "Actions", "Golden");
}

namespace Jail2Ban.Cli.Tests.Dump;

/// <summary>Locates ../shared (compat corpus, oracle) for the dump tests.</summary>
internal static class DumpFixtures
{
    private static readonly Lazy<string> SharedDir = new(FindShared);

    public static string Compat => Path.Combine(SharedDir.Value, "compat");

    public static string Oracle => Path.Combine(Compat, "oracle");

    /// <summary>Copies a directory tree (used to add jail.local to a stock tree without touching it).</summary>
    public static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        }
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
        }
    }

    private static string FindShared()
    {
        var env = Environment.GetEnvironmentVariable("J2B_SHARED");
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
            var shared = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared"));
            if (Directory.Exists(shared))
            {
                return shared;
            }
        }
        return "/work/shared";
    }
}

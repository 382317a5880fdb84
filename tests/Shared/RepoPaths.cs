namespace Jail2Ban.TestSupport;

/// <summary>
/// Where tests find the repository (the first directory above the test binary that holds Jail2Ban.sln) and the
/// read-only shared material: $J2B_SHARED, or ../shared beside the repository (as on CI and every developer's
/// machine). Linked into every test project; the area fixtures build their paths on it.
/// </summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> RootDir = new(FindRoot);
    private static readonly Lazy<string> SharedDir = new(FindShared);

    public static string Root => RootDir.Value;

    public static string Shared => SharedDir.Value;

    public static string Compat => Path.Combine(Shared, "compat");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Jail2Ban.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Jail2Ban.sln not found above " + AppContext.BaseDirectory);
    }

    private static string FindShared()
    {
        var env = Environment.GetEnvironmentVariable("J2B_SHARED");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env))
        {
            return env;
        }
        var beside = Path.GetFullPath(Path.Combine(Root, "..", "shared"));
        return Directory.Exists(beside)
            ? beside
            : throw new DirectoryNotFoundException($"the shared material is not at {beside}; set J2B_SHARED to its directory");
    }
}

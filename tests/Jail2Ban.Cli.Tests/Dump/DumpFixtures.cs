namespace Jail2Ban.Cli.Tests.Dump;

/// <summary>Locates ../shared (compat corpus, oracle) for the dump tests.</summary>
internal static class DumpFixtures
{
    public static string Compat => RepoPaths.Compat;

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
}

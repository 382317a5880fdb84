namespace Jail2Ban.Protocol.Tests;

/// <summary>Locates test fixtures: the repository root is the first parent holding Jail2Ban.sln.</summary>
internal static class ProtocolFixtures
{
    public static string RepoRoot { get; } = FindRoot();

    public static string Dir => Path.Combine(RepoRoot, "tests", "Jail2Ban.Protocol.Tests", "Fixtures");

    public static byte[] Pickle(string name) =>
        Convert.FromHexString(File.ReadAllText(Path.Combine(Dir, name + ".hex")).Trim());

    public static IEnumerable<string> AllNames() =>
        Directory.GetFiles(Dir, "*.hex").Select(Path.GetFileNameWithoutExtension).OfType<string>().Order(StringComparer.Ordinal);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Jail2Ban.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException("Jail2Ban.sln not found above " + AppContext.BaseDirectory);
    }
}

namespace Jail2Ban.Protocol.Tests;

/// <summary>Locates test fixtures: the repository root is the first parent holding Jail2Ban.sln.</summary>
internal static class ProtocolFixtures
{
    public static string RepoRoot => RepoPaths.Root;

    public static string Dir => Path.Combine(RepoRoot, "tests", "Jail2Ban.Protocol.Tests", "Fixtures");

    public static byte[] Pickle(string name) =>
        Convert.FromHexString(File.ReadAllText(Path.Combine(Dir, name + ".hex")).Trim());

    public static IEnumerable<string> AllNames() =>
        Directory.GetFiles(Dir, "*.hex").Select(Path.GetFileNameWithoutExtension).OfType<string>().Order(StringComparer.Ordinal);
}

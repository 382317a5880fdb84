namespace Jail2Ban.Cli.Tests.Server;

/// <summary>Repository root (the directory holding Jail2Ban.sln) for the server CLI tests.</summary>
internal static class ServerFixtures
{
    public static string RepoRoot => RepoPaths.Root;
}

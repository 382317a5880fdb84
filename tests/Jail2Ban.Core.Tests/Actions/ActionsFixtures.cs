namespace Jail2Ban.Core.Tests.Actions;

/// <summary>Locates the repository root and the shared compat corpus for the action tests.</summary>
internal static class ActionsFixtures
{
    public static string RepoRoot => RepoPaths.Root;

    public static string Shared => RepoPaths.Shared;

    public static string Compat => Path.Combine(Shared, "compat");
}

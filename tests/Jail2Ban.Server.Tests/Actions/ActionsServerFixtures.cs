namespace Jail2Ban.Server.Tests.Actions;

/// <summary>Locates the shared compat corpus for the Server action tests.</summary>
internal static class ActionsServerFixtures
{
    public static string Shared => RepoPaths.Shared;
}

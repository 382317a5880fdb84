namespace Jail2Ban.Cli.Tests.Server;

/// <summary>Repository root (the directory holding Jail2Ban.sln) for the server CLI tests.</summary>
internal static class ServerFixtures
{
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
}

namespace Jail2Ban.Server.Tests.Actions;

/// <summary>Locates the shared compat corpus for the Server action tests.</summary>
internal static class ActionsServerFixtures
{
    public static string Shared
    {
        get
        {
            if (Environment.GetEnvironmentVariable("J2B_SHARED") is { Length: > 0 } env) return env;
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Jail2Ban.sln"))) dir = dir.Parent;
            var rel = dir is null ? null : Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared"));
            return rel is not null && Directory.Exists(rel) ? rel : "/work/shared";
        }
    }
}

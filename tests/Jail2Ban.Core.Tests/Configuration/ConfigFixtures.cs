namespace Jail2Ban.Core.Tests.Configuration;

/// <summary>Locates ../shared (compat corpus, oracle) for the configuration tests.</summary>
internal static class ConfigFixtures
{
    private static readonly Lazy<string> SharedDir = new(FindShared);

    public static string Shared => SharedDir.Value;

    public static string Compat => Path.Combine(Shared, "compat");

    /// <summary>Upstream (HEAD) stock configuration tree.</summary>
    public static string UpstreamConfig => Path.Combine(Compat, "fail2ban", "config");

    /// <summary>Debian 1.0.2 stock configuration tree.</summary>
    public static string DebianConfig => Path.Combine(Compat, "fail2ban-debian-1.0.2", "config");

    public static string Oracle => Path.Combine(Compat, "oracle");

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

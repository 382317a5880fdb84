namespace Jail2Ban.Core.Tests.Configuration;

/// <summary>Locates ../shared (compat corpus, oracle) for the configuration tests.</summary>
internal static class ConfigFixtures
{
    public static string Shared => RepoPaths.Shared;

    public static string Compat => Path.Combine(Shared, "compat");

    /// <summary>Upstream (HEAD) stock configuration tree.</summary>
    public static string UpstreamConfig => Path.Combine(Compat, "fail2ban", "config");

    /// <summary>Debian 1.0.2 stock configuration tree.</summary>
    public static string DebianConfig => Path.Combine(Compat, "fail2ban-debian-1.0.2", "config");

    public static string Oracle => Path.Combine(Compat, "oracle");
}

namespace Jail2Ban.Core.Tests.Filtering;

/// <summary>Locates ../shared (the read-only compat corpus) from the test binaries, per the brief.</summary>
internal static class FilterFixtures
{
    public static string Shared => RepoPaths.Shared;

    public static string Compat => Path.Combine(Shared, "compat");

    public static string StockConfig => Path.Combine(Compat, "fail2ban", "config");

    public static string TestConfig => Path.Combine(Compat, "fail2ban", "test-config");

    public static string SampleLogs => Path.Combine(Compat, "fail2ban", "files", "logs");

    public static string RepoRoot => RepoPaths.Root;
}

namespace Jail2Ban.Core.Tests.Filtering.Dates;

/// <summary>Locates the shared reference material (../shared, $J2B_SHARED or /work/shared) and the test time zone.</summary>
internal static class DateFixtures
{
    /// <summary>The sample tests' clock: 2005-08-14 12:00 CEST.</summary>
    internal const double SampleNow = 1124013600;

    internal static TimeZoneInfo Zurich { get; } = TimeZoneInfo.FindSystemTimeZoneById("Europe/Zurich");

    internal static string SharedDir { get; } = FindShared();

    internal static string SampleLogsDir => Path.Combine(SharedDir, "compat", "fail2ban", "files", "logs");

    private static string FindShared()
    {
        var env = Environment.GetEnvironmentVariable("J2B_SHARED");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env))
        {
            return env;
        }
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Jail2Ban.sln")))
            {
                var shared = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared"));
                if (Directory.Exists(shared))
                {
                    return shared;
                }
                break;
            }
        }
        return "/work/shared";
    }

    /// <summary>The first line of a sample log that contains <paramref name="fragment"/> and is not a comment.</summary>
    internal static string SampleLine(string file, string fragment) =>
        File.ReadLines(Path.Combine(SampleLogsDir, file))
            .First(l => !l.StartsWith('#') && l.Contains(fragment, StringComparison.Ordinal));
}

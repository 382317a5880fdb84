namespace Jail2Ban.Core.Tests.Filtering.Dates;

/// <summary>Locates the shared reference material (../shared, $J2B_SHARED or /work/shared) and the test time zone.</summary>
internal static class DateFixtures
{
    /// <summary>The sample tests' clock: 2005-08-14 12:00 CEST.</summary>
    internal const double SampleNow = 1124013600;

    internal static TimeZoneInfo Zurich { get; } = TimeZoneInfo.FindSystemTimeZoneById("Europe/Zurich");

    internal static string SharedDir => RepoPaths.Shared;

    internal static string SampleLogsDir => Path.Combine(SharedDir, "compat", "fail2ban", "files", "logs");

    /// <summary>The first line of a sample log that contains <paramref name="fragment"/> and is not a comment.</summary>
    internal static string SampleLine(string file, string fragment) =>
        File.ReadLines(Path.Combine(SampleLogsDir, file))
            .First(l => !l.StartsWith('#') && l.Contains(fragment, StringComparison.Ordinal));
}

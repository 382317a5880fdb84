using Jail2Ban.Core.Configuration;

namespace Jail2Ban.Server.Logs;

/// <summary>
/// What a jail does with its journal source (filtersystemd.run and the jail's stream): the
/// filter's journalmatch lines as match groups, the start point from findtime and the position
/// stored in the database, and the position to store after each batch.
/// </summary>
internal static class JournalJailSetup
{
    /// <param name="source">The jail's journal source, not yet read.</param>
    /// <param name="journalMatch">The filter's journalmatch value: one addjournalmatch per line, shell-split.</param>
    /// <param name="findTimeSeconds">The jail's findtime.</param>
    /// <param name="storedTime">The database's journal position (logs row <c>systemd-journal</c>), if any.</param>
    /// <param name="encoding">The jail's logencoding, if set.</param>
    public static void Configure(IJournalLogSource source, string? journalMatch, double findTimeSeconds, double? storedTime, string? encoding)
    {
        foreach (var line in (journalMatch ?? string.Empty).Split('\n'))
        {
            if (line.Trim().Length > 0)
            {
                source.AddMatch(ShellSplit.Split(line));
            }
        }
        if (!string.IsNullOrWhiteSpace(encoding))
        {
            source.SetEncoding(encoding.Trim());
        }
        source.SetStart(new JournalStart(TimeSpan.FromSeconds(findTimeSeconds), storedTime is { } t and > 0 ? FromUnixSeconds(t) : null));
    }

    /// <summary>What fail2ban stores for the last entry processed: its time (float seconds) and its date text.</summary>
    public static (double Time, string DateText) Position(JournalEntry entry) =>
        ((entry.Time - DateTimeOffset.UnixEpoch).Ticks / (double)TimeSpan.TicksPerSecond, entry.DateText);

    /// <summary>Seconds as stored (a double) back to a time, rounded to the journal's microseconds.</summary>
    public static DateTimeOffset FromUnixSeconds(double seconds) =>
        DateTimeOffset.UnixEpoch.AddTicks((long)Math.Round(seconds * 1e6) * 10);
}

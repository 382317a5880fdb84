namespace Jail2Ban.Core.Tests.Filtering.Dates;

/// <summary>A wall clock frozen at one instant (template "last used" times, the %ExY year).</summary>
internal sealed class FixedClock(DateTimeOffset now, TimeZoneInfo zone) : TimeProvider
{
    /// <summary>2026-11-22 in Europe/Zurich: the day the oracle values were produced (%ExY = 20[012]\d).</summary>
    internal static FixedClock OracleDay { get; } = new(new DateTimeOffset(2026, 11, 22, 6, 0, 0, TimeSpan.Zero), DateFixtures.Zurich);

    public override DateTimeOffset GetUtcNow() => now;

    public override TimeZoneInfo LocalTimeZone => zone;
}

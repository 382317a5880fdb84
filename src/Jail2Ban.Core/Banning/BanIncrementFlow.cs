using Jail2Ban.Core.Time;

namespace Jail2Ban.Core.Banning;

/// <summary>What the ban-time increment did with a new ban (for logging and the DB write).</summary>
public sealed record BanFoundOutcome
{
    /// <summary>Base bantime the ban started with (ticket's or jail's).</summary>
    public required double OldBanTime { get; init; }

    /// <summary>Effective bantime afterwards (−1 permanent).</summary>
    public required PyNumber NewBanTime { get; init; }

    /// <summary>History row found: INFO <c>[jail] IP ip is bad: count # last time - incr old to new</c>
    /// (only when the ticket is newer than the stored ban).</summary>
    public BanHistory? BadHistory { get; init; }

    /// <summary>Bantime changed: NOTICE <c>[jail] Increase Ban ip (bancount # dur -> end)</c>.</summary>
    public bool Increased { get; init; }

    /// <summary>Delay in seconds before actions with <c>actionprolong</c> get the new bantime.</summary>
    public double? ProlongDelay { get; init; }

    /// <summary>The (possibly increased) ban already ended: nothing is written.</summary>
    public bool AlreadyEnded { get; init; }

    /// <summary>Write the ban to the DB (<c>bans</c> insert + <c>bips</c> upsert).</summary>
    public bool WriteToDatabase { get; init; }

    /// <summary>Rendered duration/end for the Increase log (<c>permanent</c>/<c>infinite</c> for −1).</summary>
    public (string Duration, string End) Describe(double ticketTime, TimeZoneInfo zone) =>
        NewBanTime.Value == -1
            ? ("permanent", "infinite")
            : (TimeSpec.SecondsToString(NewBanTime), TimeFormat.ToDateTimeString(ticketTime + NewBanTime.Value, zone));
}

/// <summary>What the failure boost decided (observer <c>failureFound</c>).</summary>
public enum FailureBoostStatus
{
    /// <summary>Increment off, no history, or boost ≤ 1: nothing to do.</summary>
    None,

    /// <summary>The failure is not newer than the last ban (DEBUG "Ignore failure ... before last ban").</summary>
    BeforeLastBan,

    /// <summary>Extra failures were added (INFO <c>[jail] Found ip, bad - time, count # -> retry[, Ban]</c>).</summary>
    Boosted,
}

public sealed record FailureBoostOutcome(FailureBoostStatus Status, int BanCount = 0, int TargetRetry = 0, bool Ban = false);

/// <summary>
/// The observer's ban-time increment logic (spec §3.9), made synchronous: the runtime calls
/// <see cref="OnBanFound"/> right after <see cref="BanManager.AddBanTicket"/> accepted a
/// non-restored ticket and <em>before</em> running the actions (the intended behaviour; the
/// original races here), and <see cref="OnFailureFound"/> after a filter failure.
/// </summary>
public static class BanIncrementFlow
{
    /// <param name="ticket">the accepted ban ticket (mutated: bantime, ban count, restored flag).</param>
    /// <param name="banTime">bantime the ban started with: ticket's own else the jail's.</param>
    /// <param name="increment">the jail's increment settings.</param>
    /// <param name="databaseAvailable">a DB is configured (increment needs it).</param>
    /// <param name="history">lookup of the ID's history (this jail, or all with overalljails); called at most once.</param>
    /// <param name="now">current time.</param>
    public static BanFoundOutcome OnBanFound(Ticket ticket, double banTime, BanTimeIncrement increment,
        bool databaseAvailable, Func<BanHistory?> history, double now)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        ArgumentNullException.ThrowIfNull(increment);
        ArgumentNullException.ThrowIfNull(history);
        var old = banTime;
        var btime = new PyNumber(banTime, banTime != Math.Floor(banTime));
        BanHistory? bad = null;
        if (btime.Value != -1 && ticket.BanTime is null)
        {
            if (databaseAvailable && btime.Value > 0 && increment.Enabled && history() is { } h)
            {
                if (h.BanCount >= ticket.BanCount)
                {
                    ticket.SetBanCount(h.BanCount + 1);
                }

                if (h.BanCount > 0)
                {
                    btime = increment.Calculate(btime, h.BanCount);
                }

                ticket.BanTime = btime.Value;
                // A ticket not newer than the stored ban was re-read from the log after a
                // restart: it is the restored ban, not a new one.
                if (ticket.Time > h.TimeOfBan)
                {
                    bad = h;
                }
                else
                {
                    ticket.Restored = true;
                }
            }

            if (btime.Value == -1 || btime.Value > old)
            {
                ticket.BanTime = btime.Value;
            }
        }

        if (btime.Value != -1 && ticket.Time + btime.Value < now)
        {
            return new BanFoundOutcome { OldBanTime = old, NewBanTime = btime, BadHistory = bad, AlreadyEnded = true };
        }

        var increased = btime.Value != old;
        return new BanFoundOutcome
        {
            OldBanTime = old,
            NewBanTime = btime,
            BadHistory = bad,
            Increased = increased,
            ProlongDelay = increased ? Math.Min(10, Math.Max(0, btime.Value - old - 5)) : null,
            WriteToDatabase = databaseAvailable && !ticket.Restored,
        };
    }

    /// <summary>
    /// Boosts the retry count of a known bad ID (spec §3.9, failure side). When it returns
    /// <see cref="FailureBoostStatus.Boosted"/> with <c>Ban</c>, the caller bans the ID now
    /// (<see cref="FailManager.ToBan"/> with the ID).
    /// </summary>
    /// <param name="history">the ID's history in this jail (null: none).</param>
    public static FailureBoostOutcome OnFailureFound(FailManager failManager, Ticket ticket, bool incrementEnabled, BanHistory? history)
    {
        ArgumentNullException.ThrowIfNull(failManager);
        ArgumentNullException.ThrowIfNull(ticket);
        if (!incrementEnabled)
        {
            return new FailureBoostOutcome(FailureBoostStatus.None);
        }

        var maxRetry = failManager.MaxRetry;
        var banCount = 0;
        var retry = 1;
        if (history is not null)
        {
            banCount = Math.Max(history.BanCount, ticket.BanCount);
            retry = BanTimeIncrement.BoostedRetry(banCount, maxRetry);
            if (ticket.Time <= history.TimeOfBan)
            {
                return new FailureBoostOutcome(FailureBoostStatus.BeforeLastBan, banCount);
            }
        }

        retry = Math.Min(retry, maxRetry);
        if (retry <= 1)
        {
            return new FailureBoostOutcome(FailureBoostStatus.None, banCount);
        }

        var target = retry;
        var reached = failManager.AddFailure(ticket, retry - 1, observed: true);
        ticket.SetBanCount(banCount);
        return new FailureBoostOutcome(FailureBoostStatus.Boosted, banCount, target, reached >= maxRetry);
    }
}

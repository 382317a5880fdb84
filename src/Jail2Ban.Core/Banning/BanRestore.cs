using Jail2Ban.Core.Net;

namespace Jail2Ban.Core.Banning;

/// <summary>Ticket data as stored in the DB <c>data</c> JSON: matches, failures, other keys.</summary>
public sealed record StoredBanData(IReadOnlyList<MatchLine> Matches, int? Failures, IReadOnlyDictionary<string, string> Extra)
{
    /// <summary>The JSON had a <c>matches</c> key.</summary>
    public bool HasMatchesKey { get; init; }

    public static readonly StoredBanData Empty = new([], null, new Dictionary<string, string>());
}

/// <summary>A row of <c>bans</c> or <c>bips</c>.</summary>
public sealed record StoredBan(string Jail, string Ip, long TimeOfBan, double BanTime, int BanCount, StoredBanData Data);

/// <summary>Which rows to read at jail start: <see cref="ForBanTime"/> = only bans newer than
/// now − this (null: any age); <see cref="CorrectBanTime"/> = cap of the restored bantime
/// (null: keep the stored one).</summary>
public sealed record RestoreQuery(double? ForBanTime, double? CorrectBanTime);

/// <summary>
/// Restore of current bans at jail start (spec §3.10, fail2ban's restoreCurrentBans +
/// getCurrentBans). The store reads the rows (<see cref="Plan"/> says which), this turns them
/// into restored tickets; the runtime then applies the ignore checks and queues them.
/// </summary>
public static class BanRestore
{
    public static RestoreQuery Plan(long jailBanTime, BanTimeIncrement increment)
    {
        ArgumentNullException.ThrowIfNull(increment);
        if (increment.Enabled)
        {
            var max = increment.GetMaxBanTime(jailBanTime);
            return new RestoreQuery(null, max == -1 ? null : max);
        }

        return new RestoreQuery(jailBanTime == -1 ? null : jailBanTime, jailBanTime == -1 ? null : jailBanTime);
    }

    /// <summary>
    /// Tickets for the still-active rows: bantime capped per <paramref name="query"/> (legacy −2
    /// rows get the jail bantime), matches cut to <paramref name="maxMatches"/>, marked restored;
    /// rows whose (capped) ban already ended are skipped.
    /// </summary>
    public static IReadOnlyList<Ticket> ToTickets(IEnumerable<StoredBan> rows, RestoreQuery query, long jailBanTime, int maxMatches, double now)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(query);
        var result = new List<Ticket>();
        foreach (var row in rows)
        {
            if (string.IsNullOrEmpty(row.Ip))
            {
                continue;
            }

            var bantime = row.BanTime;
            if (bantime == -2)
            {
                bantime = jailBanTime;
            }
            else if (query.CorrectBanTime is { } cap && cap >= 0 && (bantime == -1 || bantime > cap))
            {
                bantime = cap;
            }

            if (bantime != -1 && row.TimeOfBan + bantime <= now)
            {
                continue;
            }

            IPAddr id;
            try
            {
                id = IPAddr.Parse(row.Ip);
            }
            catch (FormatException)
            {
                continue;
            }

            var ticket = new Ticket(id, row.TimeOfBan, row.Data.Matches, row.Data.Extra!, row.Data.Failures ?? 0);
            if (maxMatches > 0)
            {
                if (ticket.Matches.Count > maxMatches)
                {
                    ticket.SetMatches(ticket.Matches.Skip(ticket.Matches.Count - maxMatches).Select(m => m.Joined()));
                }
            }
            else
            {
                ticket.SetMatches(null);
            }

            ticket.BanTime = bantime;
            ticket.SetBanCount(row.BanCount);
            ticket.Restored = true;

            // Remaining time: same end of ban, measured from now.
            var remaining = bantime;
            var elapsed = now - ticket.Time;
            if (remaining != -1 && elapsed > 0)
            {
                remaining -= elapsed;
            }

            if (remaining != -1 && remaining <= 0)
            {
                continue;
            }

            result.Add(ticket);
        }

        return result;
    }
}

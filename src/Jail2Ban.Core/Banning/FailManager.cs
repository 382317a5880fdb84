using Jail2Ban.Core.Net;

namespace Jail2Ban.Core.Banning;

/// <summary>
/// Counts failures per ID with fail2ban's rescaling rule (spec §3.3): a known ID's count is
/// rescaled to a findtime-long window when its first failure falls out of the window — a
/// rate estimate, not an exact sliding window. Thread-safe (one lock, as in fail2ban): the
/// filter thread adds failures while the control socket reads counters.
/// </summary>
public sealed class FailManager
{
    private readonly Lock _lock = new();
    private Dictionary<IPAddr, Ticket> _failList = new();
    private long _failTotal;

    /// <summary>Failures needed for a ban (server default 3).</summary>
    public int MaxRetry { get; set; } = 3;

    /// <summary>findtime in seconds (server default 600).</summary>
    public double FindTime { get; set; } = 600;

    /// <summary>Matched lines kept per ticket (server default 5; 0 keeps none).</summary>
    public int MaxMatches { get; set; } = 5;

    /// <summary>"Total failed": every accepted failure since the jail was created.</summary>
    public long FailTotal
    {
        get => Interlocked.Read(ref _failTotal);
        set => Interlocked.Exchange(ref _failTotal, value);
    }

    /// <summary>"Currently failed": IDs holding a fail ticket.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _failList.Count;
            }
        }
    }

    /// <summary>(IDs, sum of their retry counts).</summary>
    public (int Ids, long Retries) GetFailCount()
    {
        lock (_lock)
        {
            return (_failList.Count, _failList.Values.Sum(t => (long)t.Retry));
        }
    }

    /// <summary>
    /// Adds a failure (fail2ban's addFailure). Returns the ID's retry count afterwards; the
    /// caller bans (via <see cref="ToBan"/>) when it reaches <see cref="MaxRetry"/>.
    /// </summary>
    /// <param name="ticket">the failure; for a new ID it becomes the stored ticket itself.</param>
    /// <param name="count">how much the retry count grows (<c>attempt</c> with n messages: n).</param>
    /// <param name="observed">boost from the ban-time increment observer: never creates a ticket.</param>
    public int AddFailure(Ticket ticket, int count = 1, bool observed = false)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        lock (_lock)
        {
            Ticket stored;
            if (_failList.TryGetValue(ticket.Id, out var existing))
            {
                stored = existing;
                IReadOnlyList<MatchLine>? matches;
                int attempt;
                if (ReferenceEquals(existing, ticket))
                {
                    matches = null;
                    attempt = 1;
                }
                else
                {
                    // Merged lines are kept as plain strings (fail2ban's getMatches joins them).
                    matches = MaxMatches != 0 ? ticket.Matches.Select(m => m.Joined()).ToList() : null;
                    attempt = ticket.Attempts;
                    if (attempt <= 0)
                    {
                        attempt += 1;
                    }
                }

                existing.AdjustTime(ticket.Time, FindTime);
                existing.Increment(matches, attempt, count);
                if (MaxMatches != 0)
                {
                    if (existing.Matches.Count > MaxMatches)
                    {
                        existing.SetMatches(existing.Matches.Skip(existing.Matches.Count - MaxMatches).Select(m => m.Joined()));
                    }
                }
                else
                {
                    existing.SetMatches(null);
                }
            }
            else
            {
                if (observed || ticket.Kind == TicketKind.Ban)
                {
                    return ticket.Retry;
                }

                stored = ticket;
                if (count > ticket.Attempts)
                {
                    stored.SetRetry(count);
                }

                _failList[ticket.Id] = stored;
            }

            Interlocked.Increment(ref _failTotal);
            return stored.Retry;
        }
    }

    /// <summary>Drops tickets whose last failure is at or before <paramref name="now"/> − findtime.</summary>
    public int Cleanup(double now)
    {
        var limit = now - FindTime;
        lock (_lock)
        {
            var before = _failList.Count;
            if (before == 0)
            {
                return 0;
            }

            var keep = new Dictionary<IPAddr, Ticket>(_failList.Count);
            foreach (var (id, t) in _failList)
            {
                if (t.Time > limit)
                {
                    keep[id] = t;
                }
            }

            if (keep.Count != before)
            {
                _failList = keep;
            }

            return before - keep.Count;
        }
    }

    public bool DelFailure(IPAddr id)
    {
        lock (_lock)
        {
            return _failList.Remove(id);
        }
    }

    /// <summary>
    /// Removes and returns a ticket that reached maxretry: the given ID's if it is known, else
    /// the first such ticket; null when there is none (fail2ban's FailManagerEmpty).
    /// </summary>
    public Ticket? ToBan(IPAddr? id = null)
    {
        lock (_lock)
        {
            if (id is not null && _failList.TryGetValue(id, out var one))
            {
                if (one.Retry >= MaxRetry)
                {
                    _failList.Remove(id);
                    return one;
                }

                return null;
            }

            foreach (var (key, t) in _failList)
            {
                if (t.Retry >= MaxRetry)
                {
                    _failList.Remove(key);
                    return t;
                }
            }

            return null;
        }
    }

    /// <summary>The ticket of an ID (for inspection; do not mutate outside the runtime thread).</summary>
    public Ticket? Get(IPAddr id)
    {
        lock (_lock)
        {
            return _failList.GetValueOrDefault(id);
        }
    }

    /// <summary>Snapshot of the IDs currently failing.</summary>
    public IReadOnlyList<IPAddr> Ids
    {
        get
        {
            lock (_lock)
            {
                return [.. _failList.Keys];
            }
        }
    }
}

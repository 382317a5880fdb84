using Jail2Ban.Core.Net;
using Jail2Ban.Core.Time;

namespace Jail2Ban.Core.Banning;

/// <summary>Why <see cref="BanManager.AddBanTicket"/> did or did not add a ticket.</summary>
public enum BanAddStatus
{
    Added,

    /// <summary>End of ban already in the past ("Ignore &lt;ip&gt;, expired bantime").</summary>
    Expired,

    /// <summary>The ID is already banned (see <see cref="BanAddResult.Prolonged"/>).</summary>
    AlreadyBanned,
}

/// <param name="Existing">the ticket already in the ban list (AlreadyBanned).</param>
/// <param name="Prolonged">the existing ticket's bantime was extended.</param>
public sealed record BanAddResult(BanAddStatus Status, Ticket? Existing = null, bool Prolonged = false)
{
    public bool Added => Status == BanAddStatus.Added;
}

/// <summary>
/// A jail's ban list (spec §3.5). End of ban = ticket time + bantime, where tickets without
/// an own bantime follow the jail's <em>current</em> <see cref="BanTime"/>; −1 is permanent.
/// Thread-safe (one lock): the actions thread adds/unbans while the control socket reads.
/// </summary>
public sealed class BanManager
{
    private readonly Lock _lock = new();
    private Dictionary<IPAddr, Ticket> _banList = new();
    private long _banTime = 600;
    private long _banTotal;
    private double _nextUnbanTime = TimeFormat.MaxTime;

    /// <summary>The jail bantime in whole seconds (fail2ban stores <c>int(value)</c>).</summary>
    public long BanTime
    {
        get => Interlocked.Read(ref _banTime);
        set
        {
            Interlocked.Exchange(ref _banTime, value);
            lock (_lock)
            {
                // The end of every ticket without own bantime moves: recompute lazily.
                _nextUnbanTime = double.MinValue;
            }
        }
    }

    /// <summary>Sets the bantime from a str2seconds result (truncated like Python's int()).</summary>
    public void SetBanTime(PyNumber seconds) => BanTime = (long)Math.Truncate(seconds.Value);

    /// <summary>"Total banned": successful adds (restored ones included) since jail creation.</summary>
    public long BanTotal
    {
        get => Interlocked.Read(ref _banTotal);
        set => Interlocked.Exchange(ref _banTotal, value);
    }

    /// <summary>"Currently banned".</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _banList.Count;
            }
        }
    }

    /// <summary>Earliest end of ban known (a lower bound; MaxTime when nothing is banned).</summary>
    public double NextUnbanTime
    {
        get
        {
            lock (_lock)
            {
                if (_nextUnbanTime == double.MinValue)
                {
                    var bt = BanTime;
                    _nextUnbanTime = _banList.Count == 0 ? TimeFormat.MaxTime : _banList.Values.Min(t => t.GetEndOfBan(bt));
                }

                return _nextUnbanTime;
            }
        }
    }

    public bool Contains(IPAddr id)
    {
        lock (_lock)
        {
            return _banList.ContainsKey(id);
        }
    }

    public Ticket? Get(IPAddr id)
    {
        lock (_lock)
        {
            return _banList.GetValueOrDefault(id);
        }
    }

    /// <summary>
    /// fail2ban's addBanTicket at time <paramref name="now"/>: rejects expired tickets; for an
    /// ID already banned prolongs the existing ticket when the new end of ban is later
    /// (its bantime becomes new bantime + (new time − old time), unless permanent); otherwise
    /// adds the ticket, increments <see cref="BanTotal"/> and the ticket's ban count.
    /// </summary>
    public BanAddResult AddBanTicket(Ticket ticket, double now)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        ticket.Kind = TicketKind.Ban;
        var bt = BanTime;
        var eob = ticket.GetEndOfBan(bt);
        if (eob < now)
        {
            return new BanAddResult(BanAddStatus.Expired);
        }

        lock (_lock)
        {
            if (_banList.TryGetValue(ticket.Id, out var old))
            {
                var prolong = false;
                if (eob > old.GetEndOfBan(bt))
                {
                    prolong = true;
                    var btm = ticket.GetBanTime(bt);
                    if (btm != -1)
                    {
                        var diff = ticket.Time - old.Time;
                        if (diff > 0)
                        {
                            btm += diff;
                        }
                    }

                    old.BanTime = btm;
                    _nextUnbanTime = double.MinValue;
                }

                return new BanAddResult(BanAddStatus.AlreadyBanned, old, prolong);
            }

            _banList[ticket.Id] = ticket;
            _banTotal++;
            ticket.IncrementBanCount();
            if (_nextUnbanTime != double.MinValue && _nextUnbanTime > eob)
            {
                _nextUnbanTime = eob;
            }

            return new BanAddResult(BanAddStatus.Added);
        }
    }

    /// <summary>
    /// Removes and returns the tickets whose end of ban is before <paramref name="now"/>
    /// (at most <paramref name="maxCount"/>). Quick exit while nothing can have expired.
    /// </summary>
    public IReadOnlyList<Ticket> UnBanList(double now, int maxCount = int.MaxValue)
    {
        lock (_lock)
        {
            if (_nextUnbanTime != double.MinValue && _nextUnbanTime > now)
            {
                return [];
            }

            var bt = BanTime;
            var result = new List<Ticket>();
            var next = TimeFormat.MaxTime;
            var stoppedEarly = false;
            foreach (var t in _banList.Values)
            {
                var eob = t.GetEndOfBan(bt);
                if (now > eob)
                {
                    result.Add(t);
                    if (result.Count >= maxCount)
                    {
                        stoppedEarly = true;
                        break;
                    }
                }
                else if (next > eob)
                {
                    next = eob;
                }
            }

            // Stopped early: more may be due, so look again at the next call.
            _nextUnbanTime = stoppedEarly ? double.MinValue : next;
            foreach (var t in result)
            {
                _banList.Remove(t.Id);
            }

            return result;
        }
    }

    /// <summary>Removes and returns every ticket (jail stop, unban --all).</summary>
    public IReadOnlyList<Ticket> Flush()
    {
        lock (_lock)
        {
            var all = _banList.Values.ToList();
            _banList = new Dictionary<IPAddr, Ticket>();
            _nextUnbanTime = TimeFormat.MaxTime;
            return all;
        }
    }

    /// <summary>Removes and returns the ticket of <paramref name="id"/> (manual unban).</summary>
    public Ticket? Remove(IPAddr id)
    {
        lock (_lock)
        {
            return _banList.Remove(id, out var t) ? t : null;
        }
    }

    /// <summary>Banned IDs in ban-list (insertion) order — status "Banned IP list".</summary>
    public IReadOnlyList<IPAddr> GetBanList()
    {
        lock (_lock)
        {
            return [.. _banList.Keys];
        }
    }

    /// <summary>Snapshot of the tickets with their end of ban, ordered by end of ban (stable).</summary>
    public IReadOnlyList<(Ticket Ticket, double EndOfBan)> GetOrderedTickets()
    {
        var bt = BanTime;
        lock (_lock)
        {
            return [.. _banList.Values.Select(t => (t, t.GetEndOfBan(bt))).OrderBy(p => p.Item2)];
        }
    }

    /// <summary><c>get &lt;jail&gt; banip</c>: IDs ordered by end of ban.</summary>
    public IReadOnlyList<string> GetBanListOrdered() => [.. GetOrderedTickets().Select(p => p.Ticket.Id.Text)];

    /// <summary><c>get &lt;jail&gt; banip --with-time</c>: <c>ID \tstart + bantime = end</c>.</summary>
    public IReadOnlyList<string> GetBanListWithTime(TimeZoneInfo zone)
    {
        var bt = BanTime;
        return
        [
            .. GetOrderedTickets().Select(p =>
                $"{p.Ticket.Id.Text} \t{TimeFormat.ToDateTimeString(p.Ticket.Time, zone)} + {(long)p.Ticket.GetBanTime(bt)} = {TimeFormat.ToDateTimeString(p.EndOfBan, zone)}"),
        ];
    }
}

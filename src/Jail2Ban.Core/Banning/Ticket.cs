using System.Globalization;
using Jail2Ban.Core.Configuration;
using Jail2Ban.Core.Filtering;
using Jail2Ban.Core.Net;
using Jail2Ban.Core.Time;

namespace Jail2Ban.Core.Banning;

/// <summary>
/// One matched log line of a ticket. fail2ban keeps the lines the filter produced as
/// (text before the date, date text, text after) and lines that went through a merge as
/// plain strings; both forms end up in the database (spec §5.2), so both are kept.
/// </summary>
public sealed record MatchLine(string Before, string Date, string After, bool IsSplit)
{
    public static MatchLine Plain(string text) => new(text, string.Empty, string.Empty, false);

    public static MatchLine Split(string before, string date, string after) => new(before, date, after, true);

    /// <summary>The whole line (fail2ban's getMatches joins the parts).</summary>
    public string Text => IsSplit ? string.Concat(Before, Date, After) : Before;

    /// <summary>The plain-string form.</summary>
    public MatchLine Joined() => IsSplit ? Plain(Text) : this;

    public override string ToString() => Text;
}

/// <summary>Whether a ticket is still collecting failures or has been handed to the actions.</summary>
public enum TicketKind
{
    Fail,
    Ban,
}

/// <summary>
/// fail2ban's FailTicket/BanTicket (one class, the kind flips when the actions take it).
/// Not thread-safe by itself: a ticket is owned by the fail manager until it is handed out by
/// <see cref="FailManager.ToBan"/>, then by the jail's actions thread / <see cref="BanManager"/>.
/// </summary>
public sealed class Ticket
{
    private List<MatchLine> _matches;

    // Data values that stay shared with the filter after the ticket is made: fail2ban's `users`
    // set belongs to the connection's mlfid cache entry, so users seen on that connection after
    // the first failure (still before the ban is stored) end up in the database too.
    private Dictionary<string, IReadOnlyCollection<string>>? _liveSets;

    /// <param name="id">failure ID (IP, subnet or raw ID).</param>
    /// <param name="time">time of the failure (from the log line) or of the ban.</param>
    /// <param name="matches">matched lines.</param>
    /// <param name="data">captured groups and other ticket data (null values are dropped).</param>
    /// <param name="failures">stored attempt count (DB restore); fresh failures start at 0 and
    /// become 1 when the fail manager takes them, as in fail2ban.</param>
    public Ticket(IPAddr id, double time, IEnumerable<MatchLine>? matches = null,
        IEnumerable<KeyValuePair<string, string?>>? data = null, int failures = 0)
    {
        ArgumentNullException.ThrowIfNull(id);
        Id = id;
        Time = time;
        FirstTime = time;
        _matches = matches is null ? [] : [.. matches];
        Data = new Dictionary<string, string>(StringComparer.Ordinal);
        if (data is not null)
        {
            foreach (var (k, v) in data)
            {
                if (v is not null && k is not "matches" and not "failures")
                {
                    Data[k] = v;
                }
            }
        }

        Attempts = failures;
        Retry = failures;
    }

    /// <summary>
    /// A ticket for a failure the filter found (fail2ban's <c>FailTicket(ip, time, data=fail)</c>):
    /// every non-null value of the failure data is kept, in order. Strings as they are; a set of
    /// strings (<c>users</c>) stays live and is stored as Python's <c>str(list(set))</c>, as
    /// fail2ban's JSON adapter writes it; other values (the <c>ip</c> address of an F-ID failure)
    /// as their text, as Python's <c>str()</c> does. Lists of lines (<c>nofail-matches</c>) are
    /// dropped: they never reach a failure that counts.
    /// </summary>
    public static Ticket FromFailure(IPAddr id, double time, IEnumerable<MatchLine>? matches, IEnumerable<KeyValuePair<string, object?>> data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var t = new Ticket(id, time, matches);
        foreach (var (k, v) in data)
        {
            if (k is "matches" or "failures")
            {
                continue;
            }

            switch (v)
            {
                case null:
                    break;
                case string s:
                    t.Data[k] = s;
                    break;
                case IReadOnlyCollection<string> set:
                    (t._liveSets ??= new Dictionary<string, IReadOnlyCollection<string>>(StringComparer.Ordinal))[k] = set;
                    t.Data[k] = PyStrList(Snapshot(set, []) ?? []);
                    break;
                case FailureId fid:
                    t.Data[k] = fid.Text;
                    break;
                case System.Collections.IEnumerable:
                    break;
                case IFormattable f:
                    t.Data[k] = f.ToString(null, CultureInfo.InvariantCulture);
                    break;
                default:
                    t.Data[k] = v.ToString() ?? string.Empty;
                    break;
            }
        }

        return t;
    }

    /// <summary>
    /// The data as the database stores it (after <c>matches</c> and <c>failures</c>): <see cref="Data"/>
    /// in order, with live sets rendered as they are now (fail2ban serialises the shared set when it
    /// writes the ban).
    /// </summary>
    public IEnumerable<KeyValuePair<string, string>> StoredData()
    {
        foreach (var (k, v) in Data)
        {
            if (_liveSets is not null && _liveSets.TryGetValue(k, out var set))
            {
                var now = Snapshot(set, null);
                yield return new(k, now is null ? v : PyStrList(now));
            }
            else
            {
                yield return new(k, v);
            }
        }
    }

    // The filter thread may add to the set while the actions thread stores the ban: copy with a
    // few retries; null when every try met a concurrent change (the caller keeps the old text).
    private static List<string>? Snapshot(IReadOnlyCollection<string> set, List<string>? fallback)
    {
        for (var i = 0; i < 3; i++)
        {
            try
            {
                return [.. set];
            }
            catch (Exception e) when (e is InvalidOperationException or IndexOutOfRangeException or ArgumentException)
            {
            }
        }

        return fallback;
    }

    /// <summary>Python's <c>str()</c> of a list of strings: <c>['a', "o'b"]</c>.</summary>
    internal static string PyStrList(IEnumerable<string> items) => PyRepr.Repr(items.ToList());

    public IPAddr Id { get; }

    /// <summary>Last failure time (seconds since the epoch).</summary>
    public double Time { get; set; }

    /// <summary>Start of the (rescaled) observation window.</summary>
    public double FirstTime { get; internal set; }

    /// <summary>Decaying count compared with maxretry (may be raised for known bad IPs).</summary>
    public int Retry { get; internal set; }

    /// <summary>Plain attempt total (<c>&lt;failures&gt;</c>, DB <c>failures</c>).</summary>
    public int Attempts { get; set; }

    /// <summary>Own ban time; null = follow the jail's current bantime.</summary>
    public double? BanTime { get; set; }

    public int BanCount { get; private set; }

    /// <summary>Restored from the database: not written again, skipped by <c>norestored</c> actions.</summary>
    public bool Restored { get; set; }

    /// <summary>All actions have run their ban for this ticket.</summary>
    public bool Banned { get; set; }

    /// <summary>Ban epoch of the actions when the ticket was banned (reban after repair).</summary>
    public int BanEpoch { get; set; }

    public TicketKind Kind { get; set; } = TicketKind.Fail;

    /// <summary>Captured groups and other data (<c>&lt;F-*&gt;</c> tags, <c>ip</c>, <c>ip4</c>...), insertion ordered.</summary>
    public Dictionary<string, string> Data { get; }

    public IReadOnlyList<MatchLine> Matches => _matches;

    /// <summary><c>&lt;ip&gt;</c>: the host captured besides an F-ID, else the ID.</summary>
    public string Ip => Data.TryGetValue("ip", out var ip) ? ip : Id.Text;

    /// <summary>fail2ban's setMatches: an empty/null list removes the <c>matches</c> key from the
    /// ticket data (then the DB JSON has no <c>matches</c>), a non-empty one sets it.</summary>
    public void SetMatches(IEnumerable<MatchLine>? matches)
    {
        _matches = matches is null ? [] : [.. matches];
        HasMatchesKey = _matches.Count > 0;
    }

    /// <summary>The ticket data still has its <c>matches</c> key (a new ticket always has one, maybe empty).</summary>
    public bool HasMatchesKey { get; private set; } = true;

    /// <summary>The bantime in effect: own, else the jail's.</summary>
    public double GetBanTime(long jailBanTime) => BanTime ?? jailBanTime;

    /// <summary>End of ban: ticket time + bantime; permanent (-1) → <see cref="TimeFormat.MaxTime"/>.</summary>
    public double GetEndOfBan(long jailBanTime)
    {
        var bt = GetBanTime(jailBanTime);
        return bt == -1 ? TimeFormat.MaxTime : Time + bt;
    }

    public bool IsTimedOut(double now, long jailBanTime)
    {
        var bt = GetBanTime(jailBanTime);
        return bt != -1 && now > Time + bt;
    }

    /// <summary>Sets the ban count if larger (or always).</summary>
    public void SetBanCount(int value, bool always = false)
    {
        if (always || value > BanCount)
        {
            BanCount = value;
        }
    }

    public void IncrementBanCount(int by = 1) => BanCount += by;

    /// <summary>fail2ban's setRetry: an artificial retry count; attempts become at least 1,
    /// and 0 clears attempts and matches.</summary>
    public void SetRetry(int value)
    {
        Retry = value;
        if (Attempts == 0)
        {
            Attempts = 1;
        }

        if (value == 0)
        {
            Attempts = 0;
            _matches = [];
            HasMatchesKey = true;
        }
    }

    /// <summary>fail2ban's adjustTime: rescale the count to a findtime-long window (§3.3).</summary>
    internal void AdjustTime(double time, double maxTime)
    {
        if (time > Time)
        {
            if (FirstTime < time - maxTime)
            {
                Retry = (int)Math.Round(Retry / (time - FirstTime) * maxTime, MidpointRounding.ToEven);
                FirstTime = time - maxTime;
            }

            Time = time;
        }
    }

    internal void Increment(IReadOnlyList<MatchLine>? matches, int attempt, int count)
    {
        Retry += count;
        Attempts += attempt;
        if (matches is { Count: > 0 })
        {
            _matches.AddRange(matches);
            HasMatchesKey = true;
        }
    }

    public override string ToString() =>
        $"{(Kind == TicketKind.Ban ? "BanTicket" : "FailTicket")}: ip={Id} time={Time} bantime={BanTime?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "None"} bancount={BanCount} #attempts={Attempts}";
}

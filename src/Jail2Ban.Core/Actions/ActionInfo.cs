using System.Text;

namespace Jail2Ban.Core.Actions;

/// <summary>Merged ban data of one address from the database (fail2ban's <c>getBansMerged</c>).</summary>
internal sealed record MergedBans(IReadOnlyList<string> Matches, int Failures);

/// <summary>
/// What the dynamic tags need from the jail and the server (spec §4.5). The jail runtime implements
/// it; every member is read lazily, only when a command uses the tag.
/// </summary>
internal interface IActionJailContext
{
    /// <summary>The jail's current bantime in seconds (tickets without their own bantime follow it).</summary>
    long JailBanTime { get; }

    int BannedCount => 0;

    int BannedTotal => 0;

    int FoundCount => 0;

    int FoundTotal => 0;

    /// <summary>DB-merged bans of <paramref name="ip"/> (all jails or this jail); null = no DB / no entry,
    /// the ticket's own values are used instead.</summary>
    MergedBans? GetBansMerged(string ip, bool allJails) => null;

    /// <summary>Increments the jail's ban epoch and returns it (fail2ban's <c>invalidateBanEpoch</c>);
    /// -1 = no jail epoch, the action counts on its own.</summary>
    int InvalidateBanEpoch() => -1;

    /// <summary>Reverse DNS of the address (fail2ban caches it 5 min); null renders as <c>None</c>.</summary>
    string? ResolveHost(string ip) => null;
}

/// <summary>A fixed context for tests and for callers without a running jail.</summary>
internal sealed record StaticJailContext(long JailBanTime) : IActionJailContext;

/// <summary>
/// The dynamic tag map of one ticket (fail2ban's <c>Actions.ActionInfo</c>, a lazily evaluated
/// "calling map"): each value is computed on first use and kept for the life of this object.
/// Values are already rendered as fail2ban's <c>str()</c> would render them.
/// </summary>
internal sealed class ActionInfo
{
    // The tags fail2ban 1.0.2 defines (Actions.ActionInfo.AI_DICT). <jail.name> is 1.1+ only.
    private static readonly HashSet<string> Known =
    [
        "ip", "family", "ip-rev", "ip-host", "fid", "failures", "time", "bantime", "bancount",
        "matches", "restored", "ipmatches", "ipjailmatches", "ipfailures", "ipjailfailures",
        "raw-ticket", "jail.banned", "jail.banned_total", "jail.found", "jail.found_total",
    ];

    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly IActionJailContext _jail;
    private ActionAddress? _address;
    private MergedBans? _mergedAll, _mergedJail;
    private bool _mergedAllDone, _mergedJailDone;

    public ActionInfo(ActionTicket ticket, IActionJailContext jail)
    {
        Ticket = ticket;
        _jail = jail;
    }

    public ActionTicket Ticket { get; }

    public IActionJailContext Jail => _jail;

    /// <summary>
    /// The info fail2ban uses for start/stop/flush/check/reload: an empty ticket, <c>&lt;time&gt;</c>
    /// = now (float), <c>&lt;family&gt;</c> = the family being operated on (§4.3).
    /// </summary>
    public static ActionInfo ForOperation(IActionJailContext jail, double now, string family)
    {
        var info = new ActionInfo(new ActionTicket("", now), jail);
        info.Set("time", PyText.Float(now));
        info.Set("family", family);
        return info;
    }

    /// <summary>Overrides a tag (fail2ban code does <c>aInfo['family'] = ...</c>).</summary>
    public void Set(string tag, string value) => _values[tag] = value;

    /// <summary>The family used to pick conditional options (<c>''</c> for a raw ID).</summary>
    public string Family => TryGet("family", out var f) && f != "None" ? f : "";

    /// <summary>The text fail2ban puts into "Error banning %(ip)s".</summary>
    public string IpForMessage() => TryGet("ip", out var ip) ? ip : Ticket.IpText;

    private ActionAddress Address => _address ??= ActionAddress.Parse(Ticket.IpText);

    public bool TryGet(string tag, out string value)
    {
        if (_values.TryGetValue(tag, out value!)) return true;
        if (!Known.Contains(tag)) return false;
        value = Compute(tag);
        _values[tag] = value;
        return true;
    }

    /// <summary>The ticket data for <c>&lt;F-NAME&gt;</c> tags (fail2ban keeps failures there too).</summary>
    public bool TryGetData(string key, out string value)
    {
        if (Ticket.TicketData.TryGetValue(key, out value!)) return true;
        if (key == "failures")
        {
            value = PyText.Int(Ticket.Failures);
            return true;
        }
        if (key == "matches")
        {
            value = PyText.ReprList(Ticket.MatchLines);
            return true;
        }
        return false;
    }

    private string Compute(string tag) => tag switch
    {
        "ip" => Address.Text,
        "family" => Address.Family ?? "None",
        "ip-rev" => Address.Reverse,
        "ip-host" => _jail.ResolveHost(Address.Text) ?? "None",
        "fid" => Ticket.Id,
        "failures" => PyText.Int(Ticket.Failures),
        "time" => Ticket.Restored ? PyText.Int((long)Ticket.Time) : PyText.Float(Ticket.Time),
        "bantime" => PyText.Int(Ticket.BanTime ?? _jail.JailBanTime),
        "bancount" => PyText.Int(Ticket.BanCount),
        "matches" => string.Join('\n', Ticket.MatchLines),
        "restored" => Ticket.Restored ? "1" : "0",
        "ipmatches" => string.Join('\n', Merged(true)?.Matches ?? Ticket.MatchLines),
        "ipjailmatches" => string.Join('\n', Merged(false)?.Matches ?? Ticket.MatchLines),
        "ipfailures" => PyText.Int(Merged(true)?.Failures ?? Ticket.Failures),
        "ipjailfailures" => PyText.Int(Merged(false)?.Failures ?? Ticket.Failures),
        "raw-ticket" => RawTicket(),
        "jail.banned" => PyText.Int(_jail.BannedCount),
        "jail.banned_total" => PyText.Int(_jail.BannedTotal),
        "jail.found" => PyText.Int(_jail.FoundCount),
        "jail.found_total" => PyText.Int(_jail.FoundTotal),
        _ => throw new ArgumentOutOfRangeException(nameof(tag), tag, "not a dynamic tag"),
    };

    private MergedBans? Merged(bool allJails)
    {
        // Like fail2ban's _mi4ip: asked once per info object; failures fall back to the ticket.
        if (allJails)
        {
            if (!_mergedAllDone) { _mergedAll = SafeMerged(true); _mergedAllDone = true; }
            return _mergedAll;
        }
        if (!_mergedJailDone) { _mergedJail = SafeMerged(false); _mergedJailDone = true; }
        return _mergedJail;
    }

    private MergedBans? SafeMerged(bool allJails)
    {
        try
        {
            return _jail.GetBansMerged(Address.Text, allJails);
        }
        catch (Exception)
        {
            // fail2ban logs and uses the ticket itself: an action must never fail on this.
            return null;
        }
    }

    private string RawTicket()
    {
        var t = Ticket;
        var sb = new StringBuilder("BanTicket: ip=").Append(t.Id)
            .Append(" time=").Append(t.Restored ? PyText.Int((long)t.Time) : PyText.Float(t.Time))
            .Append(" bantime=").Append(t.BanTime is { } b ? PyText.Int(b) : "None")
            .Append(" bancount=").Append(PyText.Int(t.BanCount))
            .Append(" #attempts=").Append(PyText.Int(t.Failures))
            .Append(" matches=").Append(PyText.ReprList(t.MatchLines));
        return sb.ToString();
    }
}

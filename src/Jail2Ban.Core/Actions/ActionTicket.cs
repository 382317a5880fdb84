namespace Jail2Ban.Core.Actions;

/// <summary>
/// What an action needs to know about a ban ticket (fail2ban's <c>BanTicket</c> as seen through
/// <c>Actions.ActionInfo</c>, spec §4.5). Built by the jail runtime from its own ticket type.
/// </summary>
/// <param name="Id">The failure ID (<c>&lt;fid&gt;</c>): an address or a raw ID.</param>
/// <param name="Time">Ticket time in epoch seconds (last failure / ban start).</param>
/// <param name="Failures">Attempts counted (0 for a manual ban).</param>
/// <param name="BanTime">The ticket's own bantime in seconds, null to use the jail's (−1 = permanent).</param>
/// <param name="BanCount">Times banned (1 for a first ban).</param>
/// <param name="Restored">Restored from the database at start; <c>&lt;time&gt;</c> is then an integer.</param>
/// <param name="Matches">Matched log lines, full text.</param>
/// <param name="Data">Captured <c>&lt;F-NAME&gt;</c> groups keyed like fail2ban's ticket data:
/// lower-case name, with <c>F-ID</c> stored as <c>fid</c> and <c>F-PORT</c> as <c>fport</c>.
/// Key <c>ip</c> (when the filter captured an address beside an F-ID) becomes <c>&lt;ip&gt;</c>.</param>
internal sealed record ActionTicket(
    string Id,
    double Time,
    int Failures = 0,
    long? BanTime = null,
    int BanCount = 0,
    bool Restored = false,
    IReadOnlyList<string>? Matches = null,
    IReadOnlyDictionary<string, string>? Data = null)
{
    public IReadOnlyList<string> MatchLines => Matches ?? [];

    public IReadOnlyDictionary<string, string> TicketData => Data ?? EmptyData;

    private static readonly IReadOnlyDictionary<string, string> EmptyData = new Dictionary<string, string>();

    /// <summary>fail2ban's <c>ticket.getIP()</c>: data item <c>ip</c> if present, else the ID.</summary>
    public string IpText => TicketData.TryGetValue("ip", out var ip) ? ip : Id;
}

using System.Collections.Concurrent;

namespace Jail2Ban.Core.Actions;

/// <summary>
/// Turns an <see cref="ActionDefinition"/> plus a ticket (or an operation and family) into the exact
/// command fail2ban's CommandAction would run. Pure: nothing is executed here. Static results are
/// cached per (query, family) like fail2ban's substitution cache; the definition is immutable, so the
/// cache never needs clearing.
/// </summary>
internal sealed class ActionCommandBuilder
{
    // CommandAction.clearAllParams(): every command exists and is empty unless set.
    private static readonly string[] DefaultEmpty =
    [
        ActionTags.Start, ActionTags.Ban, ActionTags.Reban, ActionTags.Unban, ActionTags.Check,
        ActionTags.Repair, ActionTags.Flush, ActionTags.Stop, ActionTags.Reload,
    ];

    private readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, string>> _resolved = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Query, string Conditional), string> _static = new();
    private readonly ActionHostNames _hosts;

    public ActionCommandBuilder(ActionDefinition definition, ActionHostNames? hosts = null)
    {
        Definition = definition;
        _hosts = hosts ?? ActionHostNames.FromSystem();
        Properties = BuildProperties(definition);
    }

    public ActionDefinition Definition { get; }

    /// <summary>The action's properties as fail2ban's <c>_properties</c> sees them (sorted like <c>dir()</c>).</summary>
    public IReadOnlyDictionary<string, string> Properties { get; }

    private static SortedDictionary<string, string> BuildProperties(ActionDefinition d)
    {
        var p = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var k in DefaultEmpty) p[k] = "";
        p["timeout"] = "60";
        foreach (var (k, v) in d.Options)
        {
            // Private names are invisible to fail2ban's properties; `bantime` is ignored by the
            // action setter (it is a dynamic tag); `timeout` is stored after str2seconds.
            if (k.StartsWith('_') || k == "bantime") continue;
            if (k == "timeout")
            {
                if (ActionTime.TryParseSeconds(v, out _, out var rendered)) p[k] = rendered;
                continue;
            }
            p[k] = v;
        }
        return p;
    }

    /// <summary><c>replaceTag('&lt;op&gt;', properties, 'family=..')</c> — static stage only.</summary>
    public string Static(string query, string family)
    {
        if (!query.Contains('<')) return query;
        var cond = ActionTags.Conditional(family);
        return _static.GetOrAdd((query, cond), key =>
        {
            var resolved = _resolved.GetOrAdd(key.Conditional,
                c => TagSubstitution.SubstituteRecursive(Properties, c));
            return TagSubstitution.ReplaceStatic(key.Query, resolved, key.Conditional, _hosts);
        });
    }

    /// <summary>
    /// fail2ban's <c>_getOperation</c>: static stage, then <c>&lt;family&gt;</c> as a dynamic tag when a
    /// family is given (any F- tag becomes empty there, as in fail2ban). This is also the exact text
    /// used for <c>actioncheck</c>/<c>actionrepair</c>, which fail2ban runs without ticket tags.
    /// </summary>
    public string Operation(string operation, string family)
    {
        var cmd = Static("<" + operation + ">", family);
        if (family.Length == 0 || !cmd.Contains('<')) return cmd;
        var r = TagSubstitution.ReplaceDynamic(cmd, t => t == "family" ? family : null, null, _hosts);
        // A family name never contains shell-special characters, so this stays a plain script.
        return r.Script;
    }

    /// <summary>
    /// Start/stop/flush/reload: the operation text with the dynamic tags of an empty ticket
    /// (<see cref="ActionInfo.ForOperation"/>).
    /// </summary>
    public ActionCommand ForOperation(string operationText, ActionInfo emptyInfo) =>
        operationText.Length == 0 ? ActionCommand.Empty : Dynamic(operationText, emptyInfo);

    /// <summary>
    /// Ban/unban/reban/prolong of one ticket (<c>_processCmd</c>): static stage with the ticket's
    /// family, then the ticket's dynamic tags with shell protection.
    /// </summary>
    public ActionCommand ForTicket(string operation, ActionInfo info)
    {
        var text = Static("<" + operation + ">", info.Family);
        return text.Length == 0 ? ActionCommand.Empty : Dynamic(text, info);
    }

    /// <summary>
    /// Jail2Ban's bulk form (<c>actionban_bulk</c>/<c>actionunban_bulk</c>) for tickets of one family:
    /// the empty-ticket tags of <paramref name="familyInfo"/> plus <c>&lt;ips&gt;</c>,
    /// <c>&lt;ips-lines&gt;</c>, <c>&lt;ips-count&gt;</c>. Addresses go through the same protection as any
    /// dynamic value (a newline-joined list travels as a positional parameter).
    /// </summary>
    public ActionCommand ForBulk(string bulkOption, IReadOnlyList<ActionTicket> tickets, ActionInfo familyInfo) =>
        ForBulk(bulkOption, tickets.Select(t => new ActionInfo(t, familyInfo.Jail)).ToArray(), familyInfo);

    /// <inheritdoc cref="ForBulk(string, IReadOnlyList{ActionTicket}, ActionInfo)"/>
    public ActionCommand ForBulk(string bulkOption, IReadOnlyList<ActionInfo> tickets, ActionInfo familyInfo)
    {
        var text = Static("<" + bulkOption + ">", familyInfo.Family);
        if (text.Length == 0 || text == "<" + bulkOption + ">") return ActionCommand.Empty;
        var ips = tickets.Select(t => t.TryGet("ip", out var ip) ? ip : t.Ticket.IpText).ToArray();
        string? Lookup(string tag) => tag switch
        {
            "ips" => string.Join(", ", ips),
            "ips-lines" => string.Join('\n', ips),
            "ips-count" => PyText.Int(ips.Length),
            _ => familyInfo.TryGet(tag, out var v) ? v : null,
        };
        return TagSubstitution.ReplaceDynamic(text, Lookup, k => familyInfo.TryGetData(k, out var v) ? v : null, _hosts);
    }

    /// <summary>
    /// The jail's <c>ignorecommand</c> (and the <c>ignorecache</c> key) as fail2ban's filter builds it:
    /// with a ticket, the dynamic stage with shell protection; with only an address, a plain
    /// <c>replaceTag</c> with <c>{'ip': ip}</c>. Run it with exit 0 = ignore, 1 = do not ignore,
    /// anything else = error (treated as not ignored).
    /// </summary>
    public static ActionCommand ForIgnoreCommand(string command, ActionInfo? info, string ip, ActionHostNames hosts)
    {
        if (info is not null)
        {
            return TagSubstitution.ReplaceDynamic(command,
                t => info.TryGet(t, out var v) ? v : null, k => info.TryGetData(k, out var v) ? v : null, hosts);
        }
        var props = new Dictionary<string, string>(StringComparer.Ordinal) { ["ip"] = ip };
        return new ActionCommand(TagSubstitution.ReplaceStatic(command, props, "", hosts));
    }

    private ActionCommand Dynamic(string text, ActionInfo info) =>
        TagSubstitution.ReplaceDynamic(
            text,
            t => info.TryGet(t, out var v) ? v : null,
            k => info.TryGetData(k, out var v) ? v : null,
            _hosts);
}

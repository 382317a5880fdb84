namespace Jail2Ban.Core.Actions;

/// <summary>
/// One command action of a jail as the server receives it: the action instance name (`actname`)
/// and its option strings exactly as fail2ban's client sends them with
/// <c>['set'|'multi-set', jail, 'action', actname, ...]</c> (static config-time tags already
/// substituted, run-time tags such as <c>&lt;iptables&gt;</c>, <c>&lt;ip&gt;</c> still present).
/// Conditional keys keep their fail2ban spelling, e.g. <c>blocktype?family=inet6</c>.
/// Boolean options (<c>norestored</c>, <c>actionstart_on_demand</c>, <c>actionrepair_on_unban</c>)
/// may be given as Python's <c>True</c>/<c>False</c> or any fail2ban boolean word.
/// </summary>
/// <remarks>
/// Jail2Ban extensions (not in fail2ban, ignored by it): <c>actionban_bulk</c> /
/// <c>actionunban_bulk</c> — one command for many tickets of one family, with the dynamic tags
/// <c>&lt;ips&gt;</c> (addresses joined by <c>", "</c>), <c>&lt;ips-lines&gt;</c> (joined by newline),
/// <c>&lt;ips-count&gt;</c>; <c>actionbulk_size</c> — at most that many tickets per command
/// (default 1000: at most ~41 KB of addresses, far below Linux's 128 KiB limit for one argument).
/// </remarks>
internal sealed record ActionDefinition(string Name, IReadOnlyDictionary<string, string> Options)
{
    /// <summary>The keys fail2ban's CommandAction knows (besides any custom parameter).</summary>
    public static readonly IReadOnlyList<string> CommandKeys =
    [
        "actionstart", "actionstop", "actioncheck", "actionban", "actionunban", "actionflush",
        "actionreload", "actionrepair", "actionrepair_on_unban", "actionprolong", "actionreban",
        "actionstart_on_demand", "norestored", "timeout",
        BulkBanKey, BulkUnbanKey, BulkSizeKey,
    ];

    public const string BulkBanKey = "actionban_bulk";
    public const string BulkUnbanKey = "actionunban_bulk";
    public const string BulkSizeKey = "actionbulk_size";

    public string? Get(string key) => Options.TryGetValue(key, out var v) ? v : null;

    /// <summary>`norestored`: skip this action for tickets restored from the database (§3.7).</summary>
    public bool NoRestored => PyBool(Get("norestored"));

    /// <summary>`actionrepair_on_unban` (§4.7).</summary>
    public bool RepairOnUnban => PyBool(Get("actionrepair_on_unban"));

    /// <summary>True when some key is conditional on the family (`key?family=...`).</summary>
    public bool HasConditionalSection => Options.Keys.Any(ActionTags.IsFamilyConditionalKey);

    /// <summary>
    /// Start on demand (right before the first ban of each family): the explicit option, else
    /// automatically when the action has family-conditional keys (§4.3).
    /// </summary>
    public bool StartOnDemand =>
        Get("actionstart_on_demand") is { } v ? PyBool(v) : HasConditionalSection;

    /// <summary>Command timeout; fail2ban default 60 s.</summary>
    public TimeSpan Timeout => TimeSpan.FromSeconds(TimeoutSeconds);

    /// <summary>The `timeout` property after fail2ban's str2seconds (also what &lt;timeout&gt; renders).</summary>
    public double TimeoutSeconds =>
        Get("timeout") is { } t && ActionTime.TryParseSeconds(t, out var s) ? s : 60;

    public bool HasBulkBan => !string.IsNullOrWhiteSpace(Get(BulkBanKey));

    public bool HasBulkUnban => !string.IsNullOrWhiteSpace(Get(BulkUnbanKey));

    public int BulkSize =>
        Get(BulkSizeKey) is { } v && int.TryParse(v, out var n) && n > 0 ? n : 1000;

    /// <summary>fail2ban's boolean words, plus Python's <c>True</c> as the client dump prints it.</summary>
    internal static bool PyBool(string? value) =>
        value is not null && value.Trim().ToLowerInvariant() is "1" or "on" or "true" or "yes";
}

using System.Globalization;
using System.Text.RegularExpressions;
using Jail2Ban.Core.Net;
using Jail2Ban.Core.Time;

namespace Jail2Ban.Core.Banning;

/// <summary>Result of an ignore check. <see cref="Source"/> is the log word of
/// <c>[jail] Ignore &lt;ip&gt; by &lt;source&gt;</c>: <c>ignoreself rule</c>, <c>ip</c>, <c>dns</c>,
/// <c>command</c>; null for cache hits and non-ignored IDs (nothing is logged then).</summary>
public readonly record struct IgnoreDecision(bool Ignored, string? Source, bool FromCache = false)
{
    public static readonly IgnoreDecision NotIgnored = new(false, null);
}

/// <summary>
/// Runs a jail's <c>ignorecommand</c> for an ID: the implementation substitutes the tags
/// (action tag set with shell escaping when <paramref name="ticket"/> is known, else only
/// <c>&lt;ip&gt;</c>) and executes it under the global command lock. Core only decides.
/// </summary>
public interface IIgnoreCommandRunner
{
    /// <returns>true: exit 0 (ignore); false: exit 1 (do not ignore); null: error (logged by
    /// the runner; not ignored).</returns>
    bool? Run(string command, IPAddr id, Ticket? ticket);
}

/// <summary>
/// <c>ignorecache</c> setting: <c>key="&lt;template&gt;", max-count=&lt;n&gt;, max-time=&lt;time&gt;</c>
/// (defaults 100 and 5m). <c>get &lt;jail&gt; ignorecache</c> shows <c>[key, max-count, max-time]</c>.
/// </summary>
public sealed partial record IgnoreCacheOptions(string Key, int MaxCount, PyNumber MaxTime)
{
    /// <summary>Parses the option value; empty → null (cache disabled).</summary>
    /// <exception cref="FormatException">syntax error or missing <c>key</c> (message names the option).</exception>
    public static IgnoreCacheOptions? Parse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        // fail2ban parses it as the options of "cache[<value>]".
        var opts = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match m in OptionRegex().Matches(value))
        {
            if (m.Groups["wrngA"].Success || m.Groups["wrngB"].Success)
            {
                throw new FormatException($"ignorecache: unexpected syntax at {m.Index}: '{value}'");
            }

            if (!m.Groups[1].Success || m.Groups[1].Value.Length == 0)
            {
                continue;
            }

            var v = m.Groups[2].Success ? m.Groups[2].Value : m.Groups[3].Success ? m.Groups[3].Value : m.Groups[4].Value;
            opts[m.Groups[1].Value.Trim()] = v.Trim();
        }

        if (!opts.TryGetValue("key", out var key))
        {
            throw new FormatException($"ignorecache: missing 'key' in '{value}'");
        }

        var maxCount = 100;
        if (opts.TryGetValue("max-count", out var mc) &&
            !int.TryParse(mc, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out maxCount))
        {
            throw new FormatException($"ignorecache: invalid max-count '{mc}'");
        }

        var maxTime = PyNumber.Int(300);
        if (opts.TryGetValue("max-time", out var mt))
        {
            try
            {
                maxTime = TimeSpec.ToSeconds(mt);
            }
            catch (FormatException e)
            {
                throw new FormatException($"ignorecache: max-time: {e.Message}", e);
            }
        }

        return new IgnoreCacheOptions(key, maxCount, maxTime);
    }

    // fail2ban's option-list syntax: name="..." | name='...' | name=value, separated by commas.
    [GeneratedRegex("""\s*([\w\-_\.]+)=(?:"([^"]*)"|'([^']*)'|([^,\]]*))(?:,|\]\s*\[|$|(?<wrngA>.+))|,?\s*$|(?<wrngB>.+)""", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex OptionRegex();
}

/// <summary>
/// The ignore checks of a jail (spec §3.4) in fail2ban's order: ignore cache, ignoreself,
/// ignoreip singles, ignoreip subnets/names, ignorecommand; the result is cached when
/// <c>ignorecache</c> is set. Thread-safe. Not applied to manual bans (caller's business).
/// </summary>
public sealed class IgnoreFilter(TimeProvider time, IDnsResolver? dns = null, ISelfAddressProvider? self = null)
{
    private ExpiringCache<string, bool>? _cache;
    private IgnoreCacheOptions? _cacheOptions;

    /// <summary>Ignore the host's own addresses (default true).</summary>
    public bool IgnoreSelf { get; set; } = true;

    public IgnoreList IgnoreIp { get; } = new();

    /// <summary><c>ignorecommand</c> template; null/empty = none.</summary>
    public string? IgnoreCommand { get; set; }

    public IIgnoreCommandRunner? CommandRunner { get; set; }

    /// <summary>Renders the cache key template for an ID/ticket (action tag substitution lives
    /// in the actions area; the default replaces <c>&lt;ip&gt;</c> only).</summary>
    public Func<string, IPAddr, Ticket?, string> KeyRenderer { get; set; } =
        (template, id, ticket) => template.Replace("<ip>", ticket?.Ip ?? id.Text, StringComparison.Ordinal);

    /// <summary>The <c>ignorecache</c> setting; setting it (even to the same value) empties the cache.</summary>
    public IgnoreCacheOptions? Cache
    {
        get => _cacheOptions;
        set
        {
            _cacheOptions = value;
            _cache = value is null ? null : new ExpiringCache<string, bool>(time, value.MaxCount, value.MaxTime.Value);
        }
    }

    public IgnoreDecision Check(IPAddr id, Ticket? ticket = null)
    {
        ArgumentNullException.ThrowIfNull(id);
        var cache = _cache;
        string? key = null;
        if (cache is not null && _cacheOptions is { } opts)
        {
            key = KeyRenderer(opts.Key, id, ticket);
            if (cache.TryGet(key, out var cached))
            {
                return new IgnoreDecision(cached, null, true);
            }
        }

        if (IgnoreSelf && self is not null && self.GetSelfAddresses().Contains(id))
        {
            Remember(cache, key, true);
            return new IgnoreDecision(true, "ignoreself rule");
        }

        var source = IgnoreIp.Match(id, dns);
        if (source is not null)
        {
            // fail2ban does not cache hits of single addresses (a set lookup is cheap anyway).
            if (source != "ip" || !IgnoreIpIsSingle(id))
            {
                Remember(cache, key, true);
            }

            return new IgnoreDecision(true, source);
        }

        if (!string.IsNullOrEmpty(IgnoreCommand) && CommandRunner is { } runner)
        {
            var ignored = runner.Run(IgnoreCommand, id, ticket) == true;
            Remember(cache, key, ignored);
            return ignored ? new IgnoreDecision(true, "command") : IgnoreDecision.NotIgnored;
        }

        Remember(cache, key, false);
        return IgnoreDecision.NotIgnored;
    }

    private bool IgnoreIpIsSingle(IPAddr id) => IgnoreIp.Entries.Any(e => e.IsSingle && e.Equals(id));

    private static void Remember(ExpiringCache<string, bool>? cache, string? key, bool value)
    {
        if (cache is not null && key is not null)
        {
            cache.Set(key, value);
        }
    }
}

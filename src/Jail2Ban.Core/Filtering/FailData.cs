using System.Collections;

namespace Jail2Ban.Core.Filtering;

/// <summary>One log line split around its date text, as fail2ban keeps it: regexes see Prefix + Suffix.</summary>
public readonly record struct LineTuple(string Prefix, string DateText, string Suffix)
{
    public string Text => Prefix.Length == 0 ? Suffix : Suffix.Length == 0 ? Prefix : string.Concat(Prefix, Suffix);

    /// <summary>The original line (date text put back).</summary>
    public override string ToString() => string.Concat(Prefix, DateText, Suffix);
}

/// <summary>
/// The failure data of a match: fail2ban's <c>fail</c> dict. Keys are group names (<c>user</c>, <c>ip4</c>,
/// custom F- names...) plus <c>matches</c> (list of <see cref="LineTuple"/>), <c>users</c> (set), <c>ip</c>,
/// <c>nofail</c>, <c>mlfpending</c>, <c>nofail-matches</c>. Mutable because the mlfid cache shares and merges it,
/// exactly as fail2ban does.
/// </summary>
public sealed class FailData : IEnumerable<KeyValuePair<string, object?>>
{
    private readonly Dictionary<string, object?> _items;
    private readonly List<string> _order;

    public FailData()
    {
        _items = new Dictionary<string, object?>(StringComparer.Ordinal);
        _order = [];
    }

    private FailData(FailData other)
    {
        _items = new Dictionary<string, object?>(other._items, StringComparer.Ordinal);
        _order = [.. other._order];
    }

    public object? this[string key]
    {
        get => _items.GetValueOrDefault(key);
        set
        {
            if (_items.TryAdd(key, value))
            {
                _order.Add(key);
            }
            else
            {
                _items[key] = value;
            }
        }
    }

    public int Count => _items.Count;

    public IEnumerable<string> Keys => _order;

    public bool ContainsKey(string key) => _items.ContainsKey(key);

    public object? Get(string key) => _items.GetValueOrDefault(key);

    public string? GetString(string key) => _items.GetValueOrDefault(key) as string;

    /// <summary>Python truthiness of the value under <paramref name="key"/>.</summary>
    public bool IsTruthy(string key) => Truthy(_items.GetValueOrDefault(key));

    public object? Pop(string key)
    {
        if (_items.Remove(key, out object? v))
        {
            _order.Remove(key);
            return v;
        }
        return null;
    }

    /// <summary>The matched lines accumulated for this failure.</summary>
    public IReadOnlyList<LineTuple> Matches => _items.GetValueOrDefault("matches") as List<LineTuple> ?? [];

    /// <summary>Shallow copy (Python's dict.copy()).</summary>
    public FailData Copy() => new(this);

    public static bool Truthy(object? v) => v switch
    {
        null => false,
        string s => s.Length > 0,
        int i => i != 0,
        bool b => b,
        ICollection c => c.Count > 0,
        _ => true,
    };

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        foreach (string k in _order)
        {
            yield return new KeyValuePair<string, object?>(k, _items[k]);
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>
/// A failure's id: an IP address (with prefix length when a CIDR was captured), or a raw string when the text
/// is not a valid address (DNS names in raw mode, F-ID values, invalid IPs such as 192.030.0.6).
/// </summary>
public sealed record FailureId(string Text, System.Net.IPAddress? Address, int PrefixLength)
{
    public bool IsAddress => Address is not null;

    public override string ToString() => Text;

    /// <summary>fail2ban's IPAddr(text, cidr): strict parse; cidr null = full mask; raw = never parse.</summary>
    public static FailureId From(string text, int? cidr = null, bool raw = false)
    {
        if (raw)
        {
            return new FailureId(text, null, 0);
        }
        string s = text;
        if (cidr is null)
        {
            // "[v6]" and "addr/plen" forms, as IPAddr accepts them
            if (s.Length > 2 && s[0] == '[' && s[^1] == ']')
            {
                s = s[1..^1];
            }
            int slash = s.IndexOf('/');
            if (slash >= 0 && int.TryParse(s.AsSpan(slash + 1), System.Globalization.NumberStyles.None, null, out int plen))
            {
                cidr = plen;
                s = s[..slash];
            }
        }
        if (!IpText.TryParse(s, out var addr))
        {
            return new FailureId(text, null, 0);
        }
        int full = addr.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128;
        int p = cidr is int c && c >= 0 ? Math.Min(c, full) : full;
        if (p == full && cidr is null && addr.IsIPv4MappedToIPv6)
        {
            // IPv4-mapped IPv6 (::ffff:a.b.c.d) becomes the IPv4 address
            addr = addr.MapToIPv4();
            full = p = 32;
        }
        if (p < full)
        {
            addr = IpText.Mask(addr, p);
            return new FailureId($"{IpText.Format(addr)}/{p}", addr, p);
        }
        return new FailureId(IpText.Format(addr), addr, p);
    }
}

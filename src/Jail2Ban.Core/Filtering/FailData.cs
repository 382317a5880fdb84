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
    // A handful of keys per failure: an insertion-ordered array searched linearly is cheaper than a hash table
    // plus an order list (this is built for every matching log line), and keeps Python's dict order for free.
    // One array of structs: one allocation per FailData, and stores without the covariant-array type check.
    private Entry[] _entries;
    private int _count;

    private struct Entry(string key, object? value)
    {
        public readonly string Key = key;
        public object? Value = value;
    }

    // One bit per key present (a 64-bit Bloom filter over length and first/last characters): most lookups are misses
    // ("mlfgained", "nofail", "users"... on a failure that has none) and end here without a scan. Pop leaves the bit
    // set (a stale bit only costs a scan). Bit() has no collision between the keys the filter uses.
    private ulong _mask;

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static ulong Bit(string key)
    {
        int n = key.Length;
        return n == 0 ? 1UL : 1UL << ((n + (key[0] * 6) + (key[n - 1] * 3)) & 63);
    }

    public FailData()
        : this(8)
    {
    }

    internal FailData(int capacity)
    {
        _entries = new Entry[Math.Max(capacity, 1)];
    }

    private FailData(FailData other)
    {
        int cap = Math.Max(other._count + 4, 8);
        _entries = new Entry[cap];
        Array.Copy(other._entries, _entries, other._count);
        _count = other._count;
        _mask = other._mask;
    }

    private int IndexOf(string key)
    {
        if ((_mask & Bit(key)) == 0)
        {
            return -1;
        }
        var entries = _entries;
        for (int i = 0; i < _count; i++)
        {
            string k = entries[i].Key;
            // the filter's keys are interned (group names, literals): mostly a reference hit; the first character
            // settles most misses between keys of the same length ("ip4"/"fid", "users"/"mlfid")
            if ((object)k == key || (k.Length == key.Length && (k.Length == 0 || k[0] == key[0]) && string.Equals(k, key, StringComparison.Ordinal)))
            {
                return i;
            }
        }
        return -1;
    }

    public object? this[string key]
    {
        get => Get(key);
        set
        {
            ArgumentNullException.ThrowIfNull(key);
            int i = IndexOf(key);
            if (i >= 0)
            {
                _entries[i].Value = value;
                return;
            }
            AddNew(key, value);
        }
    }

    /// <summary>Appends a key the caller knows is not there yet (a regex's distinct group names): no lookup.</summary>
    internal void AddNew(string key, object? value)
    {
        if (_count == _entries.Length)
        {
            Array.Resize(ref _entries, _count * 2);
        }
        _entries[_count] = new Entry(key, value);
        _count++;
        _mask |= Bit(key);
    }

    public int Count => _count;

    /// <summary>
    /// How a failregex's group joins the prefregex's groups: a captured value replaces, a group that did not
    /// participate (null) only adds its key when absent.
    /// </summary>
    internal void MergeGroup(string key, object? value)
    {
        if (value is not null || !ContainsKey(key))
        {
            this[key] = value;
        }
    }

    public IEnumerable<string> Keys
    {
        get
        {
            var keys = new string[_count];
            for (int i = 0; i < _count; i++)
            {
                keys[i] = _entries[i].Key;
            }
            return keys;
        }
    }

    public bool ContainsKey(string key) => IndexOf(key) >= 0;

    public object? Get(string key)
    {
        int i = IndexOf(key);
        return i >= 0 ? _entries[i].Value : null;
    }

    public string? GetString(string key) => Get(key) as string;

    /// <summary>Python truthiness of the value under <paramref name="key"/>.</summary>
    public bool IsTruthy(string key) => Truthy(Get(key));

    public object? Pop(string key)
    {
        int i = IndexOf(key);
        if (i < 0)
        {
            return null;
        }
        object? v = _entries[i].Value;
        _count--;
        Array.Copy(_entries, i + 1, _entries, i, _count - i);
        _entries[_count] = default;
        return v;
    }

    /// <summary>The matched lines accumulated for this failure.</summary>
    public IReadOnlyList<LineTuple> Matches => Get("matches") as List<LineTuple> ?? [];

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

    /// <summary>
    /// A struct enumerator: the filter's merges (<c>foreach (var kv in fail)</c>, run for most matching lines) allocate
    /// nothing. Like the iterator it replaces, it reads the entries live (only values change during a merge).
    /// </summary>
    public Enumerator GetEnumerator() => new(this);

    IEnumerator<KeyValuePair<string, object?>> IEnumerable<KeyValuePair<string, object?>>.GetEnumerator() => Iterate();

    IEnumerator IEnumerable.GetEnumerator() => Iterate();

    private IEnumerator<KeyValuePair<string, object?>> Iterate()
    {
        for (int i = 0; i < _count; i++)
        {
            yield return new KeyValuePair<string, object?>(_entries[i].Key, _entries[i].Value);
        }
    }

    public struct Enumerator(FailData data)
    {
        private int _index = -1;

        public readonly KeyValuePair<string, object?> Current => new(data._entries[_index].Key, data._entries[_index].Value);

        public bool MoveNext() => ++_index < data._count;
    }
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
        // a strict dotted quad (no leading zeros) is already in inet_ntop's form: no need to format it again
        bool canonical = addr.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && !s.Contains(':');
        return new FailureId(canonical ? s : IpText.Format(addr), addr, p);
    }
}

namespace Jail2Ban.Core.Net;

/// <summary>Result of adding an <c>ignoreip</c> entry.</summary>
public enum IgnoreAddResult
{
    Added,

    /// <summary>Exact duplicate, skipped (fail2ban logs "Ignore duplicate ...").</summary>
    Duplicate,

    /// <summary>Empty word, nothing to do.</summary>
    Empty,
}

/// <summary>
/// A jail's <c>ignoreip</c> list (spec §3.4 steps 3-4): single addresses in a set (exact
/// lookup), everything else (subnets, host names) in insertion order. Thread-safe: the
/// runtime may add/remove entries from the control socket while the filter thread checks.
/// Not supported: the 1.1+ <c>file:&lt;path&gt;</c> entries (they are kept as host names).
/// </summary>
public sealed class IgnoreList
{
    private readonly Lock _lock = new();
    private readonly List<IPAddr> _singles = []; // insertion order (fail2ban: hash order)
    private readonly HashSet<IPAddr> _singleSet = [];
    private readonly List<IPAddr> _others = [];

    /// <summary>Splits an <c>ignoreip</c> option value on whitespace and commas.</summary>
    public static IReadOnlyList<string> SplitValue(string? value) =>
        string.IsNullOrEmpty(value)
            ? []
            : value.Split([' ', '\t', '\n', '\r', ','], StringSplitOptions.RemoveEmptyEntries);

    /// <exception cref="FormatException">bad prefix or netmask in <paramref name="entry"/>.</exception>
    public IgnoreAddResult Add(string entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.Length == 0)
        {
            return IgnoreAddResult.Empty;
        }

        var ip = IPAddr.Parse(entry);
        lock (_lock)
        {
            if (_singleSet.Contains(ip) || _others.Contains(ip))
            {
                return IgnoreAddResult.Duplicate;
            }

            if (ip.IsSingle)
            {
                _singleSet.Add(ip);
                _singles.Add(ip);
            }
            else
            {
                _others.Add(ip);
            }

            return IgnoreAddResult.Added;
        }
    }

    /// <summary>Removes one entry; false when it is not in the list (fail2ban raises).</summary>
    public bool Remove(string entry)
    {
        if (!IPAddr.TryParse(entry, out var ip) || ip is null)
        {
            return false;
        }

        lock (_lock)
        {
            if (_singleSet.Remove(ip))
            {
                _singles.Remove(ip);
                return true;
            }

            return _others.Remove(ip);
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _singles.Clear();
            _singleSet.Clear();
            _others.Clear();
        }
    }

    /// <summary>What <c>get &lt;jail&gt; ignoreip</c> lists: non-single entries first, then singles.</summary>
    public IReadOnlyList<IPAddr> Entries
    {
        get
        {
            lock (_lock)
            {
                return [.. _others, .. _singles];
            }
        }
    }

    /// <summary>
    /// Checks <paramref name="id"/>; returns the log source (<c>ip</c> or <c>dns</c>) when it is
    /// ignored, else null. Host-name entries are resolved through <paramref name="dns"/>.
    /// </summary>
    public string? Match(IPAddr id, IDnsResolver? dns)
    {
        ArgumentNullException.ThrowIfNull(id);
        IPAddr[] others;
        lock (_lock)
        {
            if (_singleSet.Contains(id))
            {
                return "ip";
            }

            if (_others.Count == 0)
            {
                return null;
            }

            others = [.. _others];
        }

        // Resolution happens outside the lock: it may take seconds.
        foreach (var net in others)
        {
            if (id.IsInNet(net, dns))
            {
                return net.IsValid ? "ip" : "dns";
            }
        }

        return null;
    }
}

using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Jail2Ban.Core.Net;

/// <summary>Answer of a name lookup: the addresses, or an error text (logged once by callers:
/// "Unable to find a corresponding IP address for &lt;name&gt;: &lt;error&gt;").</summary>
public sealed record DnsResult(IReadOnlySet<IPAddr> Addresses, string? Error)
{
    public static readonly DnsResult Empty = new(new HashSet<IPAddr>(), null);
}

/// <summary>Resolves host names to addresses (A and AAAA). Behind an interface so tests and
/// Core need no network.</summary>
public interface IDnsResolver
{
    DnsResult Resolve(string name);
}

/// <summary>The host's own addresses for <c>ignoreself</c>.</summary>
public interface ISelfAddressProvider
{
    IReadOnlySet<IPAddr> GetSelfAddresses();
}

/// <summary>
/// fail2ban's name cache in front of a resolver: answers (failures included) are kept 5 min,
/// at most 1000 names. Thread-safe.
/// </summary>
public sealed class CachingDnsResolver(IDnsResolver inner, TimeProvider time, int maxCount = 1000, double maxSeconds = 300) : IDnsResolver
{
    private readonly ExpiringCache<string, DnsResult> _cache = new(time, maxCount, maxSeconds);

    public DnsResult Resolve(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_cache.TryGet(name, out var cached))
        {
            return cached;
        }

        var result = inner.Resolve(name);
        _cache.Set(name, result);
        return result;
    }

    /// <summary>Forget everything (reload --all clears fail2ban's DNS caches).</summary>
    public void Clear() => _cache.Clear();
}

/// <summary>System resolver (getaddrinfo through <see cref="Dns"/>).</summary>
public sealed class SystemDnsResolver : IDnsResolver
{
    public DnsResult Resolve(string name)
    {
        try
        {
            var set = new HashSet<IPAddr>();
            foreach (var a in Dns.GetHostAddresses(name))
            {
                if (a.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
                {
                    set.Add(IPAddr.FromIPAddress(a));
                }
            }

            return new DnsResult(set, null);
        }
        catch (Exception e) when (e is SocketException or ArgumentException)
        {
            return new DnsResult(new HashSet<IPAddr>(), e.Message);
        }
    }
}

/// <summary>
/// Own addresses: resolution of <c>localhost</c>, the short and the fully-qualified host name
/// (fail2ban 1.0.2) plus the addresses of the network interfaces (fail2ban 1.1+); cached 5 min.
/// </summary>
public sealed class SystemSelfAddressProvider(IDnsResolver dns, TimeProvider time) : ISelfAddressProvider
{
    private readonly ExpiringCache<string, IReadOnlySet<IPAddr>> _cache = new(time, 1, 300);

    public IReadOnlySet<IPAddr> GetSelfAddresses()
    {
        if (_cache.TryGet("self", out var cached))
        {
            return cached;
        }

        var set = new HashSet<IPAddr>();
        foreach (var name in SelfNames())
        {
            set.UnionWith(dns.Resolve(name).Addresses);
        }

        try
        {
            foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
            {
                foreach (var ua in nic.GetIPProperties().UnicastAddresses)
                {
                    set.Add(IPAddr.FromIPAddress(ua.Address));
                }
            }
        }
        catch (NetworkInformationException)
        {
            // Interface enumeration is an addition to fail2ban 1.0.2; names are enough.
        }

        _cache.Set("self", set);
        return set;
    }

    private static IEnumerable<string> SelfNames()
    {
        var names = new HashSet<string>(StringComparer.Ordinal) { "localhost" };
        try
        {
            var host = Dns.GetHostName();
            if (host.Length != 0)
            {
                names.Add(host);
                try
                {
                    var fqdn = Dns.GetHostEntry(host).HostName;
                    if (fqdn.Length != 0)
                    {
                        names.Add(fqdn);
                    }
                }
                catch (SocketException)
                {
                    // unresolvable own name: only the short name and localhost remain
                }
            }
        }
        catch (SocketException)
        {
            // no host name
        }

        return names;
    }
}

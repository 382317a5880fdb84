using Jail2Ban.Core.Net;

namespace Jail2Ban.Core.Tests.Net;

/// <summary>A resolver answering from a table, counting lookups.</summary>
internal sealed class FakeDns(Dictionary<string, string[]> table) : IDnsResolver
{
    public int Lookups { get; private set; }

    public DnsResult Resolve(string name)
    {
        Lookups++;
        return table.TryGetValue(name, out var ips)
            ? new DnsResult(ips.Select(IPAddr.Parse).ToHashSet(), null)
            : new DnsResult(new HashSet<IPAddr>(), "Name or service not known");
    }
}

public sealed class IgnoreListTests
{
    private static readonly FakeDns Dns = new(new Dictionary<string, string[]>
    {
        ["trusted.example"] = ["198.51.100.7", "2001:db8::7"],
    });

    [Theory]
    [InlineData("192.0.2.1", "ip")]
    [InlineData("10.9.8.7", "ip")]
    [InlineData("172.16.5.5", "ip")]
    [InlineData("2001:db8:1::1", "ip")]
    [InlineData("198.51.100.7", "dns")]
    [InlineData("2001:db8::7", "dns")]
    [InlineData("198.51.100.8", null)]
    [InlineData("192.0.2.2", null)]
    public void Match_by_address_cidr_netmask_and_dns(string id, string? source)
    {
        var list = new IgnoreList();
        foreach (var e in IgnoreList.SplitValue("192.0.2.1, 10.0.0.0/8 172.16.0.0/255.240.0.0\n2001:db8:1::/48,trusted.example"))
        {
            Assert.Equal(IgnoreAddResult.Added, list.Add(e));
        }

        Assert.Equal(source, list.Match(IPAddr.Parse(id), Dns));
    }

    [Fact]
    public void Raw_id_is_not_matched_by_a_name_entry_of_the_same_text()
    {
        var list = new IgnoreList();
        list.Add("alice");
        Assert.Null(list.Match(IPAddr.FromRaw("alice"), Dns));
    }

    [Fact]
    public void Duplicates_are_skipped_and_entries_list_non_singles_first()
    {
        var list = new IgnoreList();
        Assert.Equal(IgnoreAddResult.Added, list.Add("192.0.2.1"));
        Assert.Equal(IgnoreAddResult.Added, list.Add("10.0.0.0/8"));
        Assert.Equal(IgnoreAddResult.Duplicate, list.Add("192.0.2.1/32"));
        Assert.Equal(IgnoreAddResult.Duplicate, list.Add("10.1.0.0/8"));
        Assert.Equal(IgnoreAddResult.Empty, list.Add(""));
        Assert.Equal(IgnoreAddResult.Added, list.Add("host.example"));
        Assert.Equal(["10.0.0.0/8", "host.example", "192.0.2.1"], list.Entries.Select(e => e.Text));
        Assert.True(list.Remove("192.0.2.1"));
        Assert.False(list.Remove("192.0.2.1"));
        Assert.True(list.Remove("10.0.0.0/8"));
        Assert.Equal(["host.example"], list.Entries.Select(e => e.Text));
    }

    [Fact]
    public void Dns_cache_keeps_answers_for_five_minutes()
    {
        var time = new Banning.ManualTime(1000);
        var inner = new FakeDns(new Dictionary<string, string[]> { ["a.example"] = ["192.0.2.1"] });
        var cached = new CachingDnsResolver(inner, time);
        Assert.Single(cached.Resolve("a.example").Addresses);
        cached.Resolve("a.example");
        cached.Resolve("missing.example");
        cached.Resolve("missing.example");
        Assert.Equal(2, inner.Lookups);
        time.Advance(301);
        cached.Resolve("a.example");
        Assert.Equal(3, inner.Lookups);
    }
}

public sealed class SystemAddressTests
{
    [Fact]
    public void Own_addresses_include_localhost()
    {
        // /etc/hosts resolution of "localhost" plus the interface list: no network needed.
        var self = new SystemSelfAddressProvider(new SystemDnsResolver(), TimeProvider.System).GetSelfAddresses();
        Assert.Contains(IPAddr.Parse("127.0.0.1"), self);
        Assert.Empty(new SystemDnsResolver().Resolve("no-such-host.invalid").Addresses);
    }
}

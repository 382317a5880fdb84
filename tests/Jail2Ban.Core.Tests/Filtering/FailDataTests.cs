using Jail2Ban.Core.Filtering;

namespace Jail2Ban.Core.Tests.Filtering;

/// <summary>FailData's lookups (with their key-bit pre-check), insertion order, Pop and the struct enumerator.</summary>
public sealed class FailDataTests
{
    [Fact]
    public void KeysWithTheSameBitAreTold()
    {
        // "user" and "qaxz" / "raxx" share a pre-check bit (same length, 6*first + 3*last mod 64)
        var d = new FailData { ["user"] = "bob", ["qaxz"] = 1 };
        Assert.Equal("bob", d.Get("user"));
        Assert.Equal(1, d.Get("qaxz"));
        Assert.False(d.ContainsKey("raxx"));
        Assert.Null(d.Get("raxx"));
        Assert.False(d.ContainsKey("users"));
        // not the interned literal: found by value
        Assert.Equal("bob", d.Get(new string("user".ToCharArray())));
    }

    [Fact]
    public void PopKeepsOrderAndLookupsRight()
    {
        var d = new FailData();
        foreach (string k in new[] { "mlfid", "nofail", "user", "ip4", "ip6", "dns", "mlfforget", "matches", "users", "cidr" })
        {
            d[k] = k.ToUpperInvariant();
        }
        Assert.Equal("NOFAIL", d.Pop("nofail"));
        Assert.Null(d.Pop("nofail"));
        Assert.False(d.ContainsKey("nofail"));
        d["nofail"] = "again";
        Assert.Equal("again", d.Get("nofail"));
        Assert.Equal(["mlfid", "user", "ip4", "ip6", "dns", "mlfforget", "matches", "users", "cidr", "nofail"], d.Keys);
        var copy = d.Copy();
        Assert.Equal("IP4", copy.Get("ip4"));
        Assert.Null(copy.Get("mlfgained"));
        copy["mlfgained"] = 1;
        Assert.False(d.ContainsKey("mlfgained"));
    }

    [Fact]
    public void EnumeratesInInsertionOrderLikeTheInterface()
    {
        var d = new FailData { ["b"] = 1, ["a"] = null, ["c"] = "x" };
        var seen = new List<KeyValuePair<string, object?>>();
        foreach (var kv in d)
        {
            seen.Add(kv);
            d[kv.Key] = "changed"; // values may change during a merge
        }
        Assert.Equal([new("b", 1), new("a", null), new("c", "x")], seen);
        Assert.Equal(d.Select(kv => kv.Key), ["b", "a", "c"]);
        Assert.All(d, kv => Assert.Equal("changed", kv.Value));
    }
}

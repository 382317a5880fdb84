using System.Net;
using System.Text.RegularExpressions;
using Jail2Ban.Core.Filtering;

namespace Jail2Ban.Core.Tests.Filtering;

/// <summary>
/// FilterRegex reads captures straight from the match (no GroupCollection): it must give what Match.Groups gives,
/// for every group number, and the fast path must actually be in use on this runtime.
/// </summary>
public sealed class MatchCapturesTests
{
    [Fact]
    public void FastPathIsAvailableOnThisRuntime()
    {
        Assert.True(MatchCaptures.Available);
    }

    [Theory]
    [InlineData(@"^(?<a>x)(?<b>y)?(?<c>z)", "xz", 0, 0)]
    [InlineData(@"(?<w>\w)+-(?<d>\d)*", "..abc-", 0, 0)]
    [InlineData(@"(?<w>\w)+-(?<d>\d)*", "..abc-123", 0, 0)]
    [InlineData(@"^(?<q>')?(?<v>[^']*)(?(q)')(?<x>x)?$", "'abc'", 0, 0)]
    [InlineData(@"(?<u>\S+) from (?<ip4>\d+\.\d+\.\d+\.\d+)|(?<ip6>[0-9a-f:]+)", "Failed for bob from 10.0.0.1 port 22", 0, 0)]
    [InlineData(@"^(?<u>\S+) (?<r>.*)$", "prefix: user rest of line\n", 8, 18)]
    [InlineData(@"(?<a>a)|(?<b>b)|(?<c>c)", "zzc", 0, 0)]
    [InlineData(@"(a)(?<n>b)(c)", "abc", 0, 0)]
    public void GroupsReadLikeMatchGroups(string pattern, string text, int start, int length)
    {
        var r = new Regex(pattern, RegexOptions.CultureInvariant);
        var m = length > 0 ? r.Match(text, start, length) : r.Match(text);
        Assert.True(m.Success);
        foreach (int n in r.GetGroupNumbers().Append(r.GetGroupNumbers().Max() + 1))
        {
            var g = m.Groups[n];
            // both ways: the private fields (what runs here) and the public-API fallback (another runtime)
            foreach (bool fast in new[] { true, false })
            {
                bool found = MatchCaptures.TryGet(m, n, fast, out int index, out int len);
                Assert.Equal(g.Success, found);
                Assert.Equal(g.Success ? g.Value : null, MatchCaptures.Value(m, n, fast));
                Assert.Equal(g.Success ? g.Value : "", MatchCaptures.Span(m, n, fast).ToString());
                if (found)
                {
                    Assert.Equal((g.Index, g.Length), (index, len));
                }
            }
            Assert.Equal(g.Success ? g.Value : null, FilterRegex.GroupValue(m, n));
            Assert.Equal(g.Success ? g.Value : "", FilterRegex.GroupSpan(m, n).ToString());
            Assert.Equal(g.Success, FilterRegex.TryGetGroup(m, n, out _, out _));
        }
    }

    [Theory]
    [InlineData("192.0.2.1", true)]
    [InlineData("0.0.0.0", true)]
    [InlineData("255.255.255.255", true)]
    [InlineData("10.20.30.40", true)]
    [InlineData("1.2.3.256", false)]
    [InlineData("192.030.0.6", false)]
    [InlineData("1.2.3", false)]
    [InlineData("1.2.3.4.5", false)]
    [InlineData("1.2.3.4.", false)]
    [InlineData("1..3.4", false)]
    [InlineData("1.2.3.0004", false)]
    [InlineData("0x1.2.3.4", false)]
    public void ParsesDottedQuadsStrictly(string text, bool valid)
    {
        Assert.Equal(valid, IpText.TryParse(text, out var a));
        if (valid)
        {
            Assert.Equal(IPAddress.Parse(text), a);
            Assert.Equal(text, a.ToString());
            Assert.Equal(IPAddress.Parse(text).GetAddressBytes(), a.GetAddressBytes());
        }
    }
}

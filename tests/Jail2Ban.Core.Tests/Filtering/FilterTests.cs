using System.Globalization;
using System.Text.RegularExpressions;
using Jail2Ban.Core.Filtering;
using Jail2Ban.Core.Filtering.Dates;

namespace Jail2Ban.Core.Tests.Filtering;

/// <summary>A date finder for unit tests: "YYYY-MM-DD HH:MM:SS" (UTC) anywhere in the line, or "()" = empty date.</summary>
internal sealed partial class IsoDateFinder : IDateFinder
{
    [GeneratedRegex(@"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)|^(\(\))")]
    private static partial Regex Pattern();

    public DateHit? Find(string line, double now)
    {
        var m = Pattern().Match(line);
        if (!m.Success)
        {
            return null;
        }
        if (m.Groups[2].Success)
        {
            return new DateHit(0, 0, null);
        }
        var g = m.Groups[1];
        double? t = DateTime.TryParseExact(g.Value, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var d)
            ? new DateTimeOffset(d).ToUnixTimeSeconds() : null;
        return new DateHit(g.Index, g.Index + g.Length, t);
    }
}

public sealed class FilterTests
{
    private const double Now = 1_000_000_000;
    private static readonly FilterRegexCompiler Compiler = new(TimeSpan.FromSeconds(1), compiled: false);

    private static Filter Make(FilterSettings o, FilterBehavior? b = null) =>
        new(o, new IsoDateFinder(), b ?? FilterBehavior.SampleTest, Compiler);

    [Fact]
    public void DateIsCutOutAndNewlineAppended()
    {
        var f = Make(new FilterSettings { FailRegex = [@"^ host sshd\[1\]: fail from <HOST>$"] });
        var r = Assert.Single(f.ProcessLine("2001-09-09 01:46:40 host sshd[1]: fail from 192.0.2.7", Now));
        Assert.Equal(0, r.RegexIndex);
        Assert.Equal("192.0.2.7", r.Id!.Text);
        Assert.Equal(1_000_000_000d, r.Time);
        Assert.Equal("192.0.2.7", r.Data.GetString("ip4"));
        Assert.Null(r.Data.GetString("ip6"));
        Assert.True(r.Data.ContainsKey("dns"));
        var line = Assert.Single(r.Data.Matches);
        Assert.Equal("2001-09-09 01:46:40", line.DateText);
        Assert.Equal("2001-09-09 01:46:40 host sshd[1]: fail from 192.0.2.7", line.ToString());
    }

    [Fact]
    public void CheckAllReturnsEveryMatchingRegexButProductionStopsAtFirst()
    {
        var o = new FilterSettings { FailRegex = ["from <HOST>", "fail from <ADDR>"] };
        Assert.Equal(2, Make(o).ProcessLine("fail from 192.0.2.7", Now).Count);
        Assert.Single(Make(o, FilterBehavior.RegexTool).ProcessLine("fail from 192.0.2.7", Now));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(4, 0)]
    public void IgnoreRegexEarlyVersusLateCheck(int failRegexCount, int expected)
    {
        // §2.3 observed: early check (ignore < fail - 2) sees the full line; late check sees prefregex content
        var fails = new List<string> { "^fail <HOST>$" };
        for (int i = 1; i < failRegexCount; i++)
        {
            fails.Add("^never" + i + " <HOST>$");
        }
        var f = Make(new FilterSettings
        {
            PrefRegex = "^pref: <F-CONTENT>.+</F-CONTENT>$",
            FailRegex = fails,
            IgnoreRegex = ["^pref: fail"],
        });
        Assert.Equal(expected, f.ProcessLine("pref: fail 192.0.2.1", Now).Count);
    }

    [Fact]
    public void PrefRegexMustMatchAndItsGroupsAreMerged()
    {
        var f = Make(new FilterSettings
        {
            PrefRegex = @"^(?P<daemon>\w+): <F-CONTENT>.+</F-CONTENT>$",
            FailRegex = [@"^bad user <F-USER>\S+</F-USER> from <HOST>$"],
        });
        Assert.Empty(f.ProcessLine("no prefix here bad user x from 1.2.3.4", Now));
        var r = Assert.Single(f.ProcessLine("sshd: bad user bob from 1.2.3.4", Now));
        Assert.Equal("sshd", r.Data.GetString("daemon"));
        Assert.Equal("bob", r.Data.GetString("user"));
        Assert.False(r.Data.ContainsKey("content"));
    }

    [Fact]
    public void FidDifferentFromIpKeepsIpInData()
    {
        var f = Make(new FilterSettings { FailRegex = [@"session <F-ID>\w+</F-ID> from <ADDR>"] });
        var r = Assert.Single(f.ProcessLine("session abc from 10.0.0.1", Now));
        Assert.Equal("abc", r.Id!.Text);
        Assert.False(r.Id.IsAddress);
        Assert.Equal("10.0.0.1", ((FailureId)r.Data["ip"]!).Text);
    }

    [Theory]
    [InlineData("from 2001:DB8::1 x", "2001:db8::1", true)]
    [InlineData("from 192.030.0.6 x", "192.030.0.6", false)]
    [InlineData("from 10.0.0.0/8 x", "10.0.0.0/8", true)]
    [InlineData("from 10.1.2.3/8 x", "10.0.0.0/8", true)]
    public void IdsAreNormalisedAddressesOrRawText(string line, string id, bool isAddress)
    {
        var f = Make(new FilterSettings { FailRegex = ["from <SUBNET> x"] });
        var r = Assert.Single(f.ProcessLine(line, Now));
        Assert.Equal(id, r.Id!.Text);
        Assert.Equal(isAddress, r.Id.IsAddress);
    }

    [Fact]
    public void WithoutIdParsingAFailureKeepsTheCapturedTextAndTheSameFailuresAreFound()
    {
        var o = new FilterSettings { FailRegex = ["from <HOST> x", "user <F-ID>\\S+</F-ID> at <HOST>"] };
        var resolver = new FakeResolver();
        var parsed = new Filter(o, new IsoDateFinder(), FilterBehavior.RegexTool, Compiler, resolver);
        var kept = new Filter(o, new IsoDateFinder(), FilterBehavior.RegexTool with { ParseFailureIds = false }, Compiler, resolver);
        string[] lines = ["from 2001:DB8:0:0::1 x", "from 192.0.2.9 x", "user bob at 192.0.2.10", "from evil.example x"];
        foreach (string line in lines)
        {
            var p = parsed.ProcessLine(line, Now);
            var k = kept.ProcessLine(line, Now);
            Assert.Equal(p.Count, k.Count);
            Assert.Equal(p.Select(f => f.RegexIndex), k.Select(f => f.RegexIndex));
        }
        // the canonical address against the text as captured
        Assert.Equal("2001:db8::1", Assert.Single(parsed.ProcessLine(lines[0], Now)).Id!.Text);
        var raw = Assert.Single(kept.ProcessLine(lines[0], Now)).Id!;
        Assert.Equal("2001:DB8:0:0::1", raw.Text);
        Assert.False(raw.IsAddress);
        Assert.True(Assert.Single(parsed.ProcessLine(lines[1], Now)).Id!.IsAddress);
        var v4 = Assert.Single(kept.ProcessLine(lines[1], Now)).Id!;
        Assert.Equal("192.0.2.9", v4.Text);
        Assert.False(v4.IsAddress);
        // an F-ID beside an address: the address is kept under "ip", as text
        var withId = Assert.Single(kept.ProcessLine(lines[2], Now));
        Assert.Equal("bob", withId.Id!.Text);
        Assert.False(Assert.IsType<FailureId>(withId.Data.Get("ip")).IsAddress);
        // a DNS name is still resolved: how many failures a line gives depends on it
        Assert.Equal(["192.0.2.1", "192.0.2.2"], kept.ProcessLine(lines[3], Now).Select(f => f.Id!.Text));
    }

    [Fact]
    public void WithoutMatchedLinesTheSameFailuresComeWithNoLines()
    {
        // an mlfid filter: a nofail line first (its line waits in nofail-matches), then the failure
        var o = new FilterSettings
        {
            PrefRegex = @"^<F-MLFID>\S+ sshd\[\d+\]:</F-MLFID> <F-CONTENT>.+</F-CONTENT>$",
            FailRegex = ["^<F-NOFAIL>Connection from</F-NOFAIL> <HOST>", "^Failed password for \\S+ from <HOST>"],
        };
        var keep = Make(o, FilterBehavior.RegexTool);
        var drop = Make(o, FilterBehavior.RegexTool with { KeepMatchedLines = false });
        string[] lines = ["host sshd[7]: Connection from 192.0.2.5", "host sshd[7]: Failed password for root from 192.0.2.5"];
        var kept = lines.Select(l => keep.ProcessLine(l, Now)).ToList();
        var dropped = lines.Select(l => drop.ProcessLine(l, Now)).ToList();
        Assert.Equal(kept.Select(r => r.Count), dropped.Select(r => r.Count));
        Assert.Equal(kept.SelectMany(r => r.Select(f => (f.RegexIndex, f.Id!.Text, f.IsNoFail))),
            dropped.SelectMany(r => r.Select(f => (f.RegexIndex, f.Id!.Text, f.IsNoFail))));
        // with lines: the failure carries both (the nofail line, then its own)
        Assert.Equal(lines, Assert.Single(kept[1]).Data.Matches.Select(m => m.ToString()));
        Assert.Empty(Assert.Single(dropped[1]).Data.Matches);
    }

    [Fact]
    public void DnsNamesAreRawInTestModeAndResolvedOtherwise()
    {
        var o = new FilterSettings { FailRegex = ["from <HOST> x"] };
        Assert.Equal("evil.example", Assert.Single(Make(o).ProcessLine("from evil.example x", Now)).Id!.Text);
        var resolver = new FakeResolver();
        var f = new Filter(o, new IsoDateFinder(), FilterBehavior.RegexTool, Compiler, resolver);
        var rs = f.ProcessLine("from evil.example x", Now);
        Assert.Equal(["192.0.2.1", "192.0.2.2"], rs.Select(r => r.Id!.Text));
        Assert.Equal(["evil.example"], resolver.Asked);
        var no = new Filter(o with { UseDns = UseDns.No }, new IsoDateFinder(), FilterBehavior.RegexTool, Compiler, resolver);
        Assert.Empty(no.ProcessLine("from evil.example x", Now));
    }

    private sealed class FakeResolver : IHostResolver
    {
        public List<string> Asked { get; } = [];

        public IReadOnlyList<System.Net.IPAddress> Resolve(string host)
        {
            Asked.Add(host);
            return [System.Net.IPAddress.Parse("192.0.2.1"), System.Net.IPAddress.Parse("192.0.2.2")];
        }
    }

    [Fact]
    public void MultiLineBufferConsumesMatchedLinesOnly()
    {
        var f = Make(new FilterSettings
        {
            MaxLines = 3,
            FailRegex = [@"^ login from <HOST>\n.* failed$"],
        });
        Assert.Empty(f.ProcessLine("2001-09-09 01:46:38 noise", Now));
        Assert.Empty(f.ProcessLine("2001-09-09 01:46:39 login from 192.0.2.9", Now));
        var r = Assert.Single(f.ProcessLine("2001-09-09 01:46:40 auth failed", Now));
        Assert.Equal("192.0.2.9", r.Id!.Text);
        Assert.Equal(1_000_000_000d, r.Time);
        Assert.Equal(2, r.Data.Matches.Count);
        Assert.Equal(" noise", Assert.Single(f.LineBuffer).Text);
    }

    [Fact]
    public void SkipLinesAreNotPartOfTheMatch()
    {
        var f = Make(new FilterSettings
        {
            MaxLines = 5,
            FailRegex = [@"^start <HOST><SKIPLINES>^end$"],
        });
        f.ProcessLine("start 192.0.2.3", Now);
        f.ProcessLine("other", Now);
        var r = Assert.Single(f.ProcessLine("end", Now));
        Assert.Equal(["start 192.0.2.3", "end"], r.Data.Matches.Select(m => m.Text));
        Assert.Equal("other", Assert.Single(f.LineBuffer).Text);
    }

    [Fact]
    public void EmptyDateInheritsLastDateWithinAMinute()
    {
        var f = Make(new FilterSettings { FailRegex = ["x <HOST>"] });
        f.ProcessLine("2001-09-09 01:46:40 nothing", Now + 30);
        var r = Assert.Single(f.ProcessLine("() x 1.2.3.4", Now + 30));
        Assert.Equal(Now, r.Time);
        var g = Make(new FilterSettings { FailRegex = ["x <HOST>"] });
        Assert.Equal(Now + 500, Assert.Single(g.ProcessLine("() x 1.2.3.4", Now + 500)).Time);
    }

    [Fact]
    public void NoDateGivesNullTimeInToolModeAndNowInOperation()
    {
        var o = new FilterSettings { FailRegex = ["x <HOST>"] };
        Assert.Null(Assert.Single(Make(o).ProcessLine("x 1.2.3.4", Now)).Time);
        var d = new Filter(o, new IsoDateFinder(), FilterBehavior.Daemon, Compiler);
        Assert.Equal(Now, Assert.Single(d.ProcessLine("x 1.2.3.4", Now)).Time);
    }

    private static Filter MlfidFilter() => Make(new FilterSettings
    {
        PrefRegex = @"^conn\[<F-MLFID>\d+</F-MLFID>\]: <F-CONTENT>.+</F-CONTENT>$",
        FailRegex =
        [
            "^connect from <HOST>$",
            @"^failed for <F-USER>\w+</F-USER>$",
            @"^<F-NOFAIL>accepted</F-NOFAIL> for <F-USER>\w+</F-USER>$",
            @"^<F-MLFFORGET>closed</F-MLFFORGET>$",
        ],
    });

    [Fact]
    public void MlfidConnectsLinesOfOneConnection()
    {
        var f = MlfidFilter();
        var c = Assert.Single(f.ProcessLine("conn[7]: connect from 192.0.2.5", Now));
        Assert.Equal("192.0.2.5", c.Id!.Text);
        var fail = Assert.Single(f.ProcessLine("conn[7]: failed for bob", Now));
        Assert.Equal("192.0.2.5", fail.Id!.Text);
        Assert.Equal("bob", fail.Data.GetString("user"));
        Assert.Single(fail.Data.Matches);
        var other = Assert.Single(f.ProcessLine("conn[8]: failed for eve", Now));
        Assert.Null(other.Id);
        Assert.Equal(1, other.Data["mlfpending"]);
    }

    [Fact]
    public void MlfidSuccessAfterOtherUsersStillCountsAsFailure()
    {
        var f = MlfidFilter();
        f.ProcessLine("conn[9]: connect from 192.0.2.6", Now);
        f.ProcessLine("conn[9]: failed for root", Now);
        var ok = Assert.Single(f.ProcessLine("conn[9]: accepted for known", Now));
        Assert.False(ok.IsNoFail);
        Assert.Equal(["known", "root"], ((HashSet<string>)ok.Data["users"]!).Order());
        var solo = MlfidFilter();
        solo.ProcessLine("conn[1]: connect from 192.0.2.6", Now);
        Assert.True(Assert.Single(solo.ProcessLine("conn[1]: accepted for known", Now)).IsNoFail);
        solo.ProcessLine("conn[1]: closed", Now);
        // the forget tag dropped the connection: a later failure on the same id has no address
        Assert.Null(Assert.Single(solo.ProcessLine("conn[1]: failed for x", Now)).Id);
    }

    [Fact]
    public void MaxLinesBelowOneIsRejected()
    {
        Assert.Throws<FilterRegexException>(() => Make(new FilterSettings { FailRegex = ["<HOST>"], MaxLines = 0 }));
    }
}

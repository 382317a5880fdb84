using System.Text.RegularExpressions;
using Jail2Ban.Core.Filtering;

namespace Jail2Ban.Core.Tests.Filtering;

public sealed class RegexTagsTests
{
    [Theory]
    [InlineData("<F-USER>x</F-USER>", "(?P<user>x)")]
    [InlineData("<F-ID>x</F-ID>", "(?P<fid>x)")]
    [InlineData("<F-PORT>x</F-PORT>", "(?P<fport>x)")]
    [InlineData("<F-ALT_USER1>x</F-ALT_USER1>", "(?P<alt_user1>x)")]
    [InlineData("</F-USER>x", "</F-USER>x")]
    [InlineData("<F-user>x</F-user>", "<F-user>x</F-user>")]
    [InlineData(@"<b> <\d+>", @"<b> <\d+>")]
    [InlineData("<F-ID/>", @"(?P<fid>\S+)")]
    [InlineData("<CIDR>", @"(?P<cidr>\d+)")]
    [InlineData("a<SKIPLINES>b<SKIPLINES>", @"a\n(?P<skiplines0>(?:(?:.*\n)*?))b\n(?P<skiplines1>(?:(?:.*\n)*?))")]
    public void ExpandsTags(string input, string expected)
    {
        Assert.Equal(expected, RegexTags.Expand(input, UseDns.Warn));
    }

    [Fact]
    public void HostDependsOnUseDns()
    {
        Assert.Contains("(?P<dns>", RegexTags.Expand("<HOST>", UseDns.Warn));
        Assert.Contains("(?P<dns>", RegexTags.Expand("<HOST>", UseDns.Raw));
        Assert.DoesNotContain("(?P<dns>", RegexTags.Expand("<HOST>", UseDns.No));
        Assert.Equal(RegexTags.Addr, RegexTags.Expand("<HOST>", UseDns.No));
    }

    [Theory]
    [InlineData("from 192.0.2.1 port", "ip4", "192.0.2.1")]
    [InlineData("from ::ffff:192.0.2.1 port", "ip4", "192.0.2.1")]
    [InlineData("from 2001:db8::1 port", "ip6", "2001:db8::1")]
    [InlineData("from [2001:db8::1] port", "ip6", "2001:db8::1")]
    [InlineData("from ::1 port", "ip6", "::1")]
    [InlineData("from host.example.com port", "dns", "host.example.com")]
    public void HostTagCapturesTheRightGroup(string line, string group, string value)
    {
        var c = new FilterRegexCompiler();
        var r = c.Compile("from <HOST> port", UseDns.Warn);
        var m = r.Search(line + "\n");
        Assert.True(m.Success);
        Assert.Equal(value, r.GetGroups(m).GetString(group));
    }

    [Fact]
    public void SubnetCapturesCidr()
    {
        var r = new FilterRegexCompiler().Compile("net <SUBNET>$", UseDns.No);
        var g = r.GetGroups(r.Search("net 192.0.2.0/24\n"));
        Assert.Equal("192.0.2.0", g.GetString("ip4"));
        Assert.Equal("24", g.GetString("cidr"));
    }

    [Fact]
    public void AlternativesFillEmptyTargetsInSortedOrder()
    {
        var r = new FilterRegexCompiler().Compile(
            @"^u=(?:<F-USER>\w+</F-USER>)? a=<F-ALT_USER>\w+</F-ALT_USER> b=<F-ALT_USER_2>\w+</F-ALT_USER_2> l=<F-ALT_USER1>\w+</F-ALT_USER1> <HOST>", UseDns.No);
        var g = r.GetGroups(r.Search("u= a=first b=second l=log 1.2.3.4\n"));
        Assert.Equal("first", g.GetString("user"));
        Assert.Equal("log", g.GetString("user1"));
        var g2 = r.GetGroups(r.Search("u=own a=first b=second l=log 1.2.3.4\n"));
        Assert.Equal("own", g2.GetString("user"));
    }

    [Fact]
    public void TuplesAppendInSortedOrder()
    {
        var r = new FilterRegexCompiler().Compile(
            @"^<F-ID>\w+</F-ID> <F-TUPLE_ID_2>\w+</F-TUPLE_ID_2> <F-TUPLE_ID_1>\w+</F-TUPLE_ID_1>", UseDns.No);
        var g = r.GetGroups(r.Search("x b a\n"));
        Assert.Equal(new string?[] { "x", "a", "b" }, Assert.IsType<List<string?>>(g.Get("fid")));
    }

    [Theory]
    [InlineData("<HOST> <HOST>", "redefinition of group name")]
    [InlineData("<F-USER>a</F-USER><F-USER>b</F-USER> <HOST>", "redefinition of group name")]
    [InlineData("<F-MY-NAME>a</F-MY-NAME> <HOST>", "bad character in group name")]
    [InlineData("   ", "Cannot add empty regex")]
    public void InvalidPatternsAreRejected(string pattern, string reason)
    {
        var e = Assert.Throws<FilterRegexException>(() => new FilterRegexCompiler().Compile(pattern, UseDns.Warn));
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void FailRegexNeedsAnIdGroupUnlessPrefRegexHasOne()
    {
        var c = new FilterRegexCompiler();
        var e = Assert.Throws<FilterRegexException>(() => c.CompileFailRegex("^no id here$", UseDns.Warn, false, null));
        Assert.StartsWith("No failure-id group in", e.Message);
        var pref = c.Compile("^<F-MLFID>\\S+</F-MLFID> <F-CONTENT>.+</F-CONTENT>$", UseDns.Warn);
        Assert.NotNull(c.CompileFailRegex("^no id here$", UseDns.Warn, false, pref));
    }

    [Fact]
    public void CompiledRegexesAreCachedByText()
    {
        var c = new FilterRegexCompiler();
        Assert.Same(c.Compile("a <HOST>", UseDns.Warn), c.Compile("a <HOST>", UseDns.Warn));
        Assert.NotSame(c.Compile("a <HOST>", UseDns.Warn), c.Compile("a <HOST>", UseDns.Warn, multiline: true));
    }

    [Fact]
    public void CatastrophicPatternTimesOutNamingThePattern()
    {
        var c = new FilterRegexCompiler(TimeSpan.FromMilliseconds(50), compiled: false);
        // a named group: an unnamed one is translated non-capturing, and .NET reduces (?:a+)+ to a+ (no backtracking)
        var r = c.Compile(@"^(?P<run>a+)+$ <HOST>", UseDns.No);
        var e = Assert.Throws<RegexTimeoutException>(() => r.Search(new string('a', 40) + "!\n"));
        Assert.Contains(@"^(?P<run>a+)+$ <HOST>", e.Message);
    }

    [Fact]
    public void ExpandedMatchesIpv6LikePython()
    {
        var r = new Regex(PythonRegex.Translate(RegexTags.Ip6));
        Assert.Equal("fe80::1", r.Match("x fe80::1 y").Groups["ip6"].Value);
    }
}

public sealed class LiteralPrefixTests
{
    [Theory]
    [InlineData(@"^Failed (?:x|y) for", "Failed ")]
    [InlineData(@"^(?P<nofail>Connection from) (?P<ip4>\d+)", "Connection from ")]
    [InlineData(@"^(?P<nofail>(?P<mlfforget>(Connection (?:closed|reset)|Disconnected))) by", null)]
    [InlineData(@"^User (?P<user>\S+|.*?) from", "User ")]
    [InlineData(@"^abc?d", "ab")]
    [InlineData(@"^ab+c", "ab")]
    [InlineData(@"^(?:abc)?d", null)]
    [InlineData(@"^a\.b\[c", "a.b[c")]
    [InlineData(@"^abc|def", null)]
    [InlineData(@"abc", null)]
    [InlineData(@"^\d+", null)]
    public void FindsOnlyRequiredLiteralPrefixes(string python, string? expected)
    {
        Assert.Equal(expected, LiteralPrefix.Of(python));
    }

    [Theory]
    [InlineData(@"^Received disconnect from (?P<host>\S+):\s*3: .*: Auth fail", ": Auth fail", "Received disconnect from 1.2.3.4: 3: x: Auth fail")]
    [InlineData(@"^Failed (?:x|y) for", " for", "Failed x for")]
    [InlineData(@"^abc(?!nope)defg", "defg", "abcdefg")]
    [InlineData(@"^a(?:bcde)?fghi", "fghi", "afghi")]
    [InlineData(@"^a(?:bcde|x)fghi", "fghi", "axfghi")]
    [InlineData(@"^x\s+abcd e+fgh", "abcd e", "x abcd eeefgh")]
    [InlineData(@"^x[ab]cdef", "cdef", "xbcdef")]
    [InlineData(@"^x.*\.bar\[x\]", ".bar[x]", "xyz.bar[x]")]
    [InlineData(@"^x(?P<u>.+) from abcd", " from abcd", "xuser from abcd")]
    [InlineData(@"^x(\d{1,3}\.){3}abcd", "abcd", "x1.2.3.abcd")]
    [InlineData(@"^x y{2}abcd", "abcd", "x yyabcd")]
    [InlineData(@"^x(?(1)abcd|efgh)ijkl", "ijkl", "xefghijkl")]
    [InlineData(@"^x (?:ab)+cdef", "cdef", "x ababcdef")]
    [InlineData(@"\d+ said hello$", " said hello", "12 said hello")]
    [InlineData(@"^a(?P<g>bcde)fghi", null, "abcdefghi")] // all of it is the prefix
    [InlineData(@"^x(?=abcd)", null, "xabcd")] // a lookahead's text is not part of the match
    [InlineData(@"^x(?!abcd)efg", null, "xefg")]
    [InlineData(@"(?i)^x abcdef", null, "X ABCDEF")]
    [InlineData(@"^x|abcdef", null, "x")]
    [InlineData(@"^x abc?defg", "defg", "x abdefg")]
    public void RequiredLiteralIsInEveryMatch(string python, string? expected, string sample)
    {
        Assert.Equal(expected, LiteralPrefix.RequiredLiteral(python));
        // the sample matches; without the literal's text it cannot
        var r = new Regex(PythonRegex.Translate(python));
        Assert.Matches(r, sample);
        if (expected is not null)
        {
            Assert.Contains(expected, sample, StringComparison.Ordinal);
            Assert.DoesNotMatch(r, sample.Replace(expected, expected[..^1] + "\u0001", StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData(@"^[aA]uthentication (?:failure|error)", "Aa")]
    [InlineData(@"^[iI](?:llegal|nvalid) user", "Ii")]
    [InlineData(@"^(?P<nofail>(?P<mlfforget>(Connection (?:closed|reset)|Disconnected))) by", "CD")]
    [InlineData(@"^(?:pam_[a-z]+|[x-z0])", "0pxyz")]
    [InlineData(@"^\[ID", "[")]
    [InlineData(@"^[a-c-]x", "-abc")]
    [InlineData(@"^[ab]?c", null)]
    [InlineData(@"^(?:a|b?)c", null)]
    [InlineData(@"^(?:a|)c", null)]
    [InlineData(@"^(?:ab)*c", null)]
    [InlineData(@"^a{0,2}b", null)]
    [InlineData(@"^[^a]b", null)]
    [InlineData(@"^\w+", null)]
    [InlineData(@"^\sx", null)]
    [InlineData(@"^.x", null)]
    [InlineData(@"^(?=a)a", null)]
    [InlineData(@"^(?i)abc", null)]
    [InlineData(@"^abc(?x) d", null)]
    [InlineData(@"^a|b", null)]
    [InlineData(@"a", null)]
    public void FirstCharsAreTheOnlyPossibleOnes(string python, string? expected)
    {
        Assert.Equal(expected, LiteralPrefix.FirstChars(python));
        if (expected is not null)
        {
            // every character outside the set makes the regex fail at once; each inside may start a match
            var r = new Regex(PythonRegex.Translate(python));
            for (char c = (char)1; c < 128; c++)
            {
                if (!expected.Contains(c))
                {
                    Assert.False(r.IsMatch(c + "uthentication failure nvalid user onnection closed by isconnected by am_x x ID"), $"{python} matched after '{c}'");
                }
            }
        }
    }
}

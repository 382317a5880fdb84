using System.Text.RegularExpressions;
using Jail2Ban.Core.Filtering;

namespace Jail2Ban.Core.Tests.Filtering;

public sealed class PythonRegexTests
{
    [Theory]
    [InlineData(@"(?P<user>\w+) (?P=user)", @"(?<user>\w+) \k<user>")]
    [InlineData(@"\d{,3}x", @"\d{0,3}x")]
    [InlineData(@"\{,3}", @"\{,3}")]
    [InlineData(@"a{2,}", @"a{2,}")]
    [InlineData(@"(?iu)abc", @"(?i)abc")]
    [InlineData(@"end\Z", @"end\z")]
    [InlineData(@"[\s]", @"[\s\x1c-\x1f]")]
    [InlineData(@"a\sb", @"a[\s\x1c-\x1f]b")]
    [InlineData(@"[a[b]", @"[a\[b]")]
    [InlineData(@"[]x]", @"[\]x]")]
    [InlineData(@"(a)\1", @"(?<__g1>a)\k<__g1>")]
    [InlineData(@"(?P<sq>\[)?x(?(sq)\])", @"(?<sq>\[)?x(?(sq)\])")]
    [InlineData(@"(?(1)a|b)(x)", @"(?(__g1)a|b)(?<__g1>x)")]
    [InlineData(@"x(?#comment)y", @"xy")]
    [InlineData(@"(?<=:):(?<!a)b", @"(?<=:):(?<!a)b")]
    [InlineData(@"(a|b)c( d)?", @"(?:a|b)c(?: d)?")]
    [InlineData(@"(a)(b)\2", @"(?:a)(?<__g2>b)\k<__g2>")]
    [InlineData(@"[(]x\(y\)", @"[(]x\(y\)")]
    public void Translates(string python, string net)
    {
        Assert.Equal(net, PythonRegex.Translate(python));
    }

    [Theory]
    [InlineData(@"((?i)abc)", @"(?i:abc)")]
    [InlineData(@"(?:(?i)abc)", @"(?i:abc)")]
    [InlineData(@"\((?i)abc)", @"\((?i)abc)")]
    public void RewritesGlobalFlagsInsideGroups(string python, string expected)
    {
        Assert.Equal(expected, PythonRegex.RewriteGlobalFlagsInGroups(python));
    }

    [Theory]
    [InlineData(@"(?P<a>x)(?P<a>y)", "redefinition of group name")]
    [InlineData(@"x(?i)y", "global flags not at the start")]
    [InlineData(@"(?P=nope)", "unknown group name")]
    [InlineData(@"(a)\2", "invalid group reference")]
    [InlineData(@"(?P<a-b>x)", "bad character in group name")]
    public void RejectsWhatPythonRejects(string python, string reason)
    {
        var e = Assert.Throws<RegexTranslationException>(() => PythonRegex.Translate(python));
        Assert.Contains(reason, e.Message);
        Assert.Contains(python, e.Message);
    }

    // Behaviour checked against Python 3.11 re.search (expected values recorded from python3).
    [Theory]
    [InlineData(@"ab\Z", "xab\n", false)]
    [InlineData(@"ab$", "xab\n", true)]
    [InlineData(@"a\sb", "a\u001cb", true)]
    [InlineData(@"^\d{,2}$", "123", false)]
    [InlineData(@"^\d{,2}$", "12", true)]
    [InlineData(@"^(?:(?i)ABC)d", "abcd", true)]
    [InlineData(@"^(?:(?i)ABC)d", "abcD", false)]
    public void MatchesLikePython(string python, string input, bool expected)
    {
        string net = PythonRegex.Translate(PythonRegex.RewriteGlobalFlagsInGroups(python));
        Assert.Equal(expected, new Regex(net, RegexOptions.CultureInvariant).IsMatch(input));
    }

    // Unnamed groups no numeric reference needs become non-capturing: the groupdict stays what Python's is (expected
    // values recorded from python3 re.search(...).groupdict()), and the .NET regex captures only the named groups
    // (plus __gN for a referenced one, which groupdict leaves out).
    [Theory]
    [InlineData(@"^(Connection (?:closed|reset)|Disconnected) (?:by|from)(?: (?:invalid|authenticating) user (?P<user>\S+)|.*?)? (?P<ip>\d+\.\d+\.\d+\.\d+)( port \d+)?$",
        "Connection closed by invalid user bob 10.0.0.1 port 22", "user=bob;ip=10.0.0.1", 2)]
    [InlineData(@"^Failed (\S+) for (?P<inv>invalid user )?(?P<user>(?P<plain>\S+)|(?(inv)(?:(?! from ).)*?|[^:]+)) from (?P<ip>\S+)(?(plain): |(?:(?! from ).)*$)",
        "Failed password for invalid user a b from 1.2.3.4 port 5", "inv=invalid user ;user=a b;plain=<None>;ip=1.2.3.4", 4)]
    [InlineData(@"^(a|b)(?P<x>c)?(d)\3(?(1)e|f)", "acdde", "x=c", 3)]
    [InlineData(@"^(?P<q>')?(?P<v>[^']*)(?(q)')(x)?$", "'abc'", "q=';v=abc", 2)]
    [InlineData(@"^(?P<w>\w+) (?P=w)( (?P<t>\d+))?", "ab ab 12", "w=ab;t=12", 2)]
    public void KeepsPythonGroupDictWithOnlyNeededCaptures(string python, string input, string groupDict, int captures)
    {
        var r = new Regex(PythonRegex.Translate(python), RegexOptions.CultureInvariant);
        var m = r.Match(input);
        Assert.True(m.Success);
        // Python's groupdict order is the names' order in the pattern
        var named = r.GetGroupNames().Where(n => !char.IsAsciiDigit(n[0]) && !n.StartsWith("__g", StringComparison.Ordinal))
            .OrderBy(n => python.IndexOf($"(?P<{n}>", StringComparison.Ordinal));
        Assert.Equal(groupDict, string.Join(";", named.Select(n => $"{n}={(m.Groups[n].Success ? m.Groups[n].Value : "<None>")}")));
        Assert.Equal(captures, r.GetGroupNumbers().Length - 1);
    }
}

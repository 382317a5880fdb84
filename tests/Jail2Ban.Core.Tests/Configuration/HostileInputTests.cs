using System.Diagnostics;
using Jail2Ban.Core.Configuration;
using static Jail2Ban.Core.Tests.Configuration.ConfigTestKit;

namespace Jail2Ban.Core.Tests.Configuration;

/// <summary>Bad input is reported, never a crash or a hang.</summary>
public class HostileInputTests
{
    private const string Filter = "[Definition]\nfailregex = x\n";

    [Fact]
    public void LongLineWithoutDelimiterIsAQuickParseError()
    {
        var text = "[j]\na" + new string(' ', 200_000) + "b\n";
        var sw = Stopwatch.StartNew();
        var e = Assert.ThrowsAny<ConfigException>(() => IniFileParser.Parse("/t/j.conf", text));
        Assert.True(sw.ElapsedMilliseconds < 2000, $"took {sw.ElapsedMilliseconds} ms");
        Assert.Equal(new SourceLocation("/t/j.conf", 2), e.Location);
    }

    [Fact]
    public void ReversedGlobRangeMatchesNothing()
    {
        var fs = Tree(("jail.conf", "[j]\nenabled = true\nfilter = f\nlogpath = /l/[z-a].log\n"), ("filter.d/f.conf", Filter));
        fs.Add("/l/a.log", "");
        var r = Read(fs);
        Assert.True(r.Success);
        Assert.Empty(r.Jails[0].LogPaths);
    }

    [Fact]
    public void UnbalancedQuoteInJournalmatchFailsTheRead()
    {
        var r = Read(Tree(("jail.conf", "[j]\nenabled = true\nfilter = f\n"), ("filter.d/f.conf", "[Definition]\nfailregex = x\njournalmatch = _COMM=\"a\n")));
        Assert.False(r.Success);
        Assert.Contains(r.Diagnostics, d => d.Message.Contains("journalmatch") && d.Message.Contains("No closing quotation"));
    }

    [Fact]
    public void ByteOrderMarkBreaksTheFirstHeaderAsInFail2Ban()
    {
        var r = Read(Tree(("jail.conf", "\ufeff[j]\nenabled = true\n")));
        Assert.False(r.Success);
        Assert.Contains(r.Diagnostics, d => d.Location == new SourceLocation(Base + "/jail.conf", 1));
    }

    [Fact]
    public void ExponentialTagsAreStoppedEarly()
    {
        // fail2ban 1.0.2 also fails here, but only after ~5 s of CPU (2^25-character strings); we stop at 1 MB.
        var sw = Stopwatch.StartNew();
        var r = Read(Tree(("jail.conf", "[j]\nenabled = true\nfilter = f\n"),
            ("filter.d/f.conf", "[Definition]\nfailregex = <a>\na = <a1><a1>\na1 = <a>\n")));
        Assert.False(r.Success);
        Assert.Contains(r.Diagnostics, d => d.Message.Contains("grows beyond"));
        Assert.True(sw.ElapsedMilliseconds < 5000, $"took {sw.ElapsedMilliseconds} ms");
    }
}

using Jail2Ban.Core.Configuration;
using static Jail2Ban.Core.Tests.Configuration.ConfigTestKit;

namespace Jail2Ban.Core.Tests.Configuration;

/// <summary>§1.6–1.7 item 8, §2.1, §2.7: one filter file with init options, as fail2ban's FilterReader reads it.</summary>
public class FilterReaderTests
{
    private const string Common =
        "[INCLUDES]\nafter = common.local\n[DEFAULT]\nlogtype = file\n__prefix_line = <lt_<logtype>/__prefix_line>\n" +
        "[lt_file]\n__prefix_line = FILE:\n[lt_journal]\n__prefix_line = JOURNAL:\n";

    private static FilterOptions Read(string filterText, Dictionary<string, string>? init = null, string? backend = null, params (string, string)[] more)
    {
        var fs = Tree([("filter.d/common.conf", Common), ("filter.d/t.conf", filterText), .. more]);
        return FilterReader.Read(Base, "t", init, backend: backend, fileSystem: fs);
    }

    [Fact]
    public void ModeSelectsListsThroughNestedTags()
    {
        var text = "[INCLUDES]\nbefore = common.conf\n[Definition]\nmode = normal\n" +
            "failregex = ^a <HOST>$\n            <mdre-<mode>>\n            ^z <HOST>$\n" +
            "mdre-normal =\nmdre-ddos = ^d1 <HOST>$\n            ^d2 <HOST>$\nmdre-aggressive = <mdre-ddos>\n" +
            "prefregex = ^<__prefix_line> <F-CONTENT>.+</F-CONTENT>$\n";
        Assert.Equal(["^a <HOST>$", "^z <HOST>$"], Read(text).FailRegex);
        Assert.Equal(["^a <HOST>$", "^d1 <HOST>$", "^d2 <HOST>$", "^z <HOST>$"], Read(text, new() { ["mode"] = "aggressive" }).FailRegex);
        // an unknown mode leaves a literal tag line, no error (§1.9)
        Assert.Contains("<mdre-foo>", Read(text, new() { ["mode"] = "foo" }).FailRegex);
        Assert.Equal("^FILE: <F-CONTENT>.+</F-CONTENT>$", Read(text).PrefRegex);
        Assert.Equal("^JOURNAL: <F-CONTENT>.+</F-CONTENT>$", Read(text, new() { ["logtype"] = "journal" }).PrefRegex);
        Assert.Equal("^JOURNAL: <F-CONTENT>.+</F-CONTENT>$", Read(text, backend: "systemd").PrefRegex);
        Assert.Equal("^FILE: <F-CONTENT>.+</F-CONTENT>$", Read(text, backend: "polling").PrefRegex);
    }

    [Fact]
    public void CommandsComeInStreamOrder()
    {
        var text = "[Definition]\nfailregex = ^f1 <HOST>$\n  ^f2 <HOST>$\nignoreregex = ^i <HOST>$\nprefregex = ^p\nmaxlines = 2\n" +
            "datepattern = {^LN-BEG}\njournalmatch = _SYSTEMD_UNIT=x.service + _COMM=\"a b\"\nusedns = no\n";
        var r = Read(text);
        Assert.Equal(
            ["['set', 'jail', 'usedns', 'no']", "['set', 'jail', 'prefregex', '^p']", "['set', 'jail', 'maxlines', 2]",
             "['set', 'jail', 'addignoreregex', '^i <HOST>$']", "['multi-set', 'jail', 'addfailregex', ['^f1 <HOST>$', '^f2 <HOST>$']]",
             "['set', 'jail', 'datepattern', '{^LN-BEG}']", "['set', 'jail', 'addjournalmatch', '_SYSTEMD_UNIT=x.service', '+', '_COMM=a b']"],
            r.Commands.Select(c => PyRepr.Repr(c)));
        Assert.Equal(2, r.MaxLines);
        Assert.Equal("no", r.UseDns);
        Assert.Equal("{^LN-BEG}", r.DatePattern);
    }

    [Fact]
    public void TagLookupFallsBackToTheParserCaseInsensitively()
    {
        // an option named like a regex tag replaces it (observed: host = XXX)
        Assert.Equal(["^fail XXX$"], Read("[Definition]\nhost = XXX\nfailregex = ^fail <HOST>$\n").FailRegex);
    }

    [Fact]
    public void InitSectionKnownAndArgumentsOverride()
    {
        var text = "[Definition]\nfailregex = ^<agents> <HOST>$\n[Init]\nagents = a|b\n";
        Assert.Equal(["^a|b <HOST>$"], Read(text).FailRegex);
        Assert.Equal(["^c|a|b <HOST>$"], Read(text, new() { ["agents"] = "c|<known/agents>" }).FailRegex);
        // an argument named like a definition option replaces the file's value
        Assert.Equal(["^x <HOST>$"], Read(text, new() { ["failregex"] = "^x <HOST>$" }).FailRegex);
        Assert.Equal("a|b", Read(text).Combined["known/agents"]);
    }

    [Fact]
    public void PercentInterpolationSeesInitArguments()
    {
        var text = "[Definition]\n_daemon = %(svc)s\nfailregex = ^%(_daemon)s <HOST>$\n[Init]\nsvc = def\n";
        Assert.Equal(["^arg <HOST>$"], Read(text, new() { ["svc"] = "arg" }).FailRegex);
    }

    [Fact]
    public void LocalFileOverridesAndMaxLinesIsTypedAfterSubstitution()
    {
        var text = "[INCLUDES]\nbefore = common.conf\n[Definition]\nlogging = a\nmaxlines = <L_<logging>/maxlines>\nfailregex = x\n[L_a]\nmaxlines = 3\n";
        Assert.Equal(3, Read(text).MaxLines);
        Assert.Equal(["y"], Read(text, null, null, ("filter.d/t.local", "[Definition]\nfailregex = y\n")).FailRegex);
    }

    [Theory]
    [InlineData("t")]
    [InlineData("/etc/f2b/filter.d/t.conf")]
    public void AcceptsNameOrPathAndFilterDir(string nameOrPath)
    {
        var fs = Tree(("filter.d/t.conf", "[Definition]\nfailregex = ^x <HOST>$\n"));
        Assert.Equal(["^x <HOST>$"], FilterReader.Read(Base, nameOrPath, null, fileSystem: fs).FailRegex);
        Assert.Equal(["^x <HOST>$"], FilterReader.Read(Base + "/filter.d", nameOrPath, null, fileSystem: fs).FailRegex);
    }

    [Fact]
    public void MissingFilterNamesTheFilter()
    {
        var e = Assert.ThrowsAny<ConfigException>(() => FilterReader.Read(Base, "nope", null, fileSystem: Tree(("jail.conf", ""))));
        Assert.Contains("filter.d/nope", e.Message);
    }

    [Fact]
    public void RecursiveTagsNameTheFile()
    {
        var e = Assert.ThrowsAny<ConfigException>(() => Read("[Definition]\na = <b>\nb = <a>\nfailregex = <a>\n"));
        Assert.Contains("recursive tag definitions", e.Message);
        Assert.Contains("filter.d/t.conf:1", e.Message);
    }
}

using Jail2Ban.Core.Actions;

namespace Jail2Ban.Core.Tests.Actions;

public sealed class TagSubstitutionTests
{
    private static readonly ActionHostNames Hosts = ActionHostNames.Fixed("fq.example.org", "fq");

    private static ActionCommandBuilder Builder(params (string Key, string Value)[] options) =>
        new(new ActionDefinition("t", options.ToDictionary(o => o.Key, o => o.Value)), Hosts);

    private static ActionInfo Info(string id = "192.0.2.1", IReadOnlyDictionary<string, string>? data = null, params string[] matches) =>
        new(new ActionTicket(id, 1700000000.5, 2, null, 1, false, matches, data), new StaticJailContext(600));

    [Theory]
    // value, does it travel as a positional parameter?
    [InlineData("alice", false)]
    [InlineData("two words", false)]          // space is not special: inserted verbatim (fail2ban)
    [InlineData("tab\there", false)]
    [InlineData("a;b", true)]
    [InlineData("$(id)", true)]
    [InlineData("`id`", true)]
    [InlineData("it's", true)]
    [InlineData("say \"hi\"", true)]
    [InlineData("line1\nline2", true)]
    [InlineData("cr\r", true)]
    [InlineData("a|b", true)]
    [InlineData("a&b", true)]
    [InlineData("glob*", true)]
    [InlineData("what?", true)]
    [InlineData("~root", true)]
    [InlineData("<x>", true)]
    [InlineData("a^b", true)]
    [InlineData("(x)", true)]
    [InlineData("[x]", true)]
    [InlineData("{x}", true)]
    [InlineData("back\\slash", true)]
    [InlineData("#comment", true)]
    [InlineData("percent%", false)]
    [InlineData("bang!", false)]
    [InlineData("eq=1,2", false)]
    public void ShellSpecialValuesBecomePositionalParameters(string value, bool escaped)
    {
        var b = Builder(("actionban", "echo user=<F-USER> ip=<ip>"));
        var cmd = b.ForTicket("actionban", Info(data: new Dictionary<string, string> { ["user"] = value }));
        if (escaped)
        {
            Assert.Equal("f2bV_F_user=$0 \necho user=$f2bV_F_user ip=192.0.2.1", cmd.Script);
            Assert.Equal([value], cmd.Args);
        }
        else
        {
            Assert.Equal("echo user=" + value + " ip=192.0.2.1", cmd.Script);
            Assert.Empty(cmd.Args);
        }
    }

    [Fact]
    public void VariablesAreNumberedInOrderOfFirstUseAndRepeatedTagsShareOne()
    {
        var b = Builder(("actionban", "a=<matches> b=<F-USER> c=<matches> d=<ip-rev>"));
        var cmd = b.ForTicket("actionban", Info(data: new Dictionary<string, string> { ["user"] = "x;y" }, matches: ["m1;", "m2"]));
        Assert.Equal("f2bV_matches=$0 f2bV_F_user=$1 \na=$f2bV_matches b=$f2bV_F_user c=$f2bV_matches d=1.2.0.192.", cmd.Script);
        Assert.Equal(["m1;\nm2", "x;y"], cmd.Args);
    }

    [Fact]
    public void DynamicValuesAreNotRescannedForTags()
    {
        // A log line containing "<name>" must not pull in the property "name".
        var b = Builder(("actionban", "echo <F-USER>"), ("name", "SECRET"));
        var cmd = b.ForTicket("actionban", Info(data: new Dictionary<string, string> { ["user"] = "<name>" }));
        Assert.Equal("f2bV_F_user=$0 \necho $f2bV_F_user", cmd.Script);
        Assert.Equal(["<name>"], cmd.Args);
        Assert.DoesNotContain("SECRET", cmd.Args[0]);
    }

    [Theory]
    [InlineData("<a>", "1-2-3")]                            // recursive
    [InlineData("<b?family=inet6>", "6")]                   // a conditional key is also a plain property name
    [InlineData("<unknown> <STDIN>", "<unknown> <STDIN>")]  // unknown tags stay
    [InlineData("x<br>y<sp>z", "x\ny z")]
    [InlineData("<fq-hostname> <sh-hostname>", "fq.example.org fq")]
    [InlineData("<sel-<which>>", "selected")]                 // innermost first
    [InlineData("<timeout>", "300")]                         // timeout after str2seconds
    [InlineData("<bantime>", "600")]                         // bantime is never a property
    public void StaticTags(string query, string expected)
    {
        var b = Builder(("a", "1-<b>"), ("b", "2-<c>"), ("c", "3"), ("b?family=inet6", "6"), ("which", "x"),
            ("sel-x", "selected"), ("timeout", "5m"), ("bantime", "99"));
        var text = b.Static(query, "");
        var info = Info();
        var cmd = TagSubstitution.ReplaceDynamic(text, t => info.TryGet(t, out var v) ? v : null, null, Hosts);
        Assert.Equal(expected, cmd.Script);
    }

    [Fact]
    public void ConditionalValuePreferredForItsFamily()
    {
        var b = Builder(("actionban", "<cmd> <ip>"), ("cmd", "iptables"), ("cmd?family=inet6", "ip6tables"));
        Assert.Equal("iptables 192.0.2.1", b.ForTicket("actionban", Info()).Script);
        Assert.Equal("ip6tables 2001:db8::1", b.ForTicket("actionban", Info("2001:DB8:0::1")).Script);
    }

    [Theory]
    [InlineData("a", "<a>")]
    [InlineData("a", "x<b>")]
    public void SelfReferenceIsAnError(string key, string value)
    {
        var b = Builder(("actionban", "<a>"), (key, value), ("b", "<a>"));
        var e = Assert.Throws<TagSubstitutionException>(() => b.ForTicket("actionban", Info()));
        Assert.Contains("self referencing", e.Message);
    }

    [Fact]
    public void StaticMatchesValueGetsLegacyBackslashEscaping()
    {
        // fail2ban escapes <matches> found among *static* properties (never normally the case).
        Assert.Equal("a\\;b\\nc\\$\\(x\\)", TagSubstitution.EscapeTag("a;b\nc$(x)"));
        var b = Builder(("actionban", "echo <matches>"), ("matches", "x;y"));
        Assert.Equal("echo x\\;y", b.Static("<actionban>", ""));
    }

    [Theory]
    [InlineData("<F-USER>", "u")]
    [InlineData("<F-ID>", "the-fid")]       // F-ID -> fid
    [InlineData("<F-PORT>", "2222")]        // F-PORT -> fport
    [InlineData("<F-NOPE>", "")]            // missing -> empty
    [InlineData("<F-user>", "<F-user>")]    // lower case is not an F- tag
    [InlineData("<F-FAILURES>", "2")]       // fail2ban keeps failures in the ticket data
    public void FTags(string tag, string expected)
    {
        var b = Builder(("actionban", tag));
        var data = new Dictionary<string, string> { ["user"] = "u", ["fid"] = "the-fid", ["fport"] = "2222", ["port"] = "no" };
        Assert.Equal(expected, b.ForTicket("actionban", Info(data: data)).Script);
    }

    [Fact]
    public void MissingCommandIsLeftAsTheRawTagLikeFail2ban()
    {
        // fail2ban only calls prolong when actionprolong is set; if called anyway the tag stays.
        Assert.Equal("<actionprolong>", Builder().ForTicket("actionprolong", Info()).Script);
        Assert.True(Builder().ForTicket("actionban", Info()).IsEmpty);
    }

    [Fact]
    public void IgnoreCommandUsesTheSameProtection()
    {
        var info = Info(data: new Dictionary<string, string> { ["user"] = "$(reboot)" });
        var cmd = ActionCommandBuilder.ForIgnoreCommand("/usr/bin/check <ip> <F-USER>", info, "192.0.2.1", Hosts);
        Assert.Equal("f2bV_F_user=$0 \n/usr/bin/check 192.0.2.1 $f2bV_F_user", cmd.Script);
        Assert.Equal(["$(reboot)"], cmd.Args);
        var plain = ActionCommandBuilder.ForIgnoreCommand("/usr/bin/check <ip><sp><F-USER>", null, "192.0.2.1", Hosts);
        Assert.Equal("/usr/bin/check 192.0.2.1 <F-USER>", plain.Script);
    }

    [Fact]
    public void BulkCommandCarriesTheAddressList()
    {
        var b = Builder(("actionban_bulk", "nft add element inet t <set> \\{ <ips> \\} # <ips-count>"),
            ("set", "v4set"), ("set?family=inet6", "v6set"));
        var tickets = new[] { new ActionTicket("192.0.2.1", 1), new ActionTicket("192.0.2.2", 1) };
        var cmd = b.ForBulk("actionban_bulk", tickets, ActionInfo.ForOperation(new StaticJailContext(600), 5, "inet4"));
        Assert.Equal("nft add element inet t v4set \\{ 192.0.2.1, 192.0.2.2 \\} # 2", cmd.Script);
        var b2 = Builder(("actionban_bulk", "printf '%s\\n' \"<ips-lines>\""));
        var cmd2 = b2.ForBulk("actionban_bulk", tickets, ActionInfo.ForOperation(new StaticJailContext(600), 5, "inet4"));
        Assert.Equal("f2bV_ips_lines=$0 \nprintf '%s\\n' \"$f2bV_ips_lines\"", cmd2.Script);
        Assert.Equal(["192.0.2.1\n192.0.2.2"], cmd2.Args);
    }
}

public sealed class ActionValueFormatTests
{
    // Expected values printed by fail2ban 1.0.2's IPAddr (str, familyStr, getPTR('')).
    [Theory]
    [InlineData("", "", null, "")]
    [InlineData("foo", "foo", null, "")]
    [InlineData("192.0.2.0/24", "192.0.2.0/24", "inet4", "0/24.2.0.192.")]
    [InlineData("2001:DB8::0005", "2001:db8::5", "inet6", "5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.")]
    [InlineData("::ffff:192.0.2.1", "192.0.2.1", "inet4", "1.2.0.192.")]
    [InlineData("2001:db8::/32", "2001:db8::/32", "inet6", "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.")]
    [InlineData("010.001.002.003", "010.001.002.003", null, "")]
    [InlineData(" 192.0.2.1", " 192.0.2.1", null, "")]
    [InlineData("192.0.2.10", "192.0.2.10", "inet4", "10.2.0.192.")]
    public void AddressTagsLikeFail2ban(string id, string text, string? family, string ptr)
    {
        var a = ActionAddress.Parse(id);
        Assert.Equal(text, a.Text);
        Assert.Equal(family, a.Family);
        Assert.Equal(ptr, a.Reverse);
    }

    [Theory]
    [InlineData(1795326920.0, "1795326920.0")]
    [InlineData(1795326924.4372535, "1795326924.4372535")]
    [InlineData(0.25, "0.25")]
    [InlineData(1e16, "1e+16")]
    [InlineData(1.5e-5, "1.5e-05")]
    [InlineData(-3.0, "-3.0")]
    public void PythonFloatRepr(double value, string expected) => Assert.Equal(expected, PyText.Float(value));

    [Theory]
    [InlineData("60", 60, "60")]
    [InlineData("5m", 300, "300")]
    [InlineData("1h 30m", 5400, "5400")]
    [InlineData("1d12h", 129600, "129600")]
    [InlineData("2w1d", 1296000, "1296000")]
    [InlineData("1.5m", 90, "90.0")]
    [InlineData("1y 6mo", 47336400, "47336400.0")]
    [InlineData("1h-10m", 3000, "3000")]
    public void Str2Seconds(string text, double seconds, string rendered)
    {
        Assert.True(ActionTime.TryParseSeconds(text, out var s, out var r));
        Assert.Equal(seconds, s, 6);
        Assert.Equal(rendered, r);
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("1 2 3")]   // Python: "1+2 3" is a syntax error too
    [InlineData("")]
    public void Str2SecondsRejects(string text) => Assert.False(ActionTime.TryParseSeconds(text, out _, out _));

    [Fact]
    public void PythonRepr()
    {
        Assert.Equal("'a'", PyText.Repr("a"));
        Assert.Equal("\"it's\"", PyText.Repr("it's"));
        Assert.Equal("'both \\' \"'", PyText.Repr("both ' \""));
        Assert.Equal("'a\\nb\\\\'", PyText.Repr("a\nb\\"));
    }
}

using Jail2Ban.Core.Configuration;
using static Jail2Ban.Core.Tests.Configuration.ConfigTestKit;

namespace Jail2Ban.Core.Tests.Configuration;

/// <summary>Every broken-configuration case yields a diagnostic naming file:line (and fails where fail2ban fails).</summary>
public class BrokenConfigTests
{
    private const string Filter = "[Definition]\nfailregex = ^x <HOST>$\n";
    private const string Jail = "[j]\nenabled = true\nfilter = f\nlogpath = /l\n";

    private static ConfigurationResult ReadTree(params (string Path, string Text)[] files) =>
        Read(Tree([("filter.d/f.conf", Filter), .. files]));

    private static ConfigDiagnostic ErrorAt(ConfigurationResult r, string file, int line)
    {
        var d = Assert.Single(r.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal(new SourceLocation(Base + "/" + file, line), d.Location);
        Assert.Contains($"{Base}/{file}:{line}: ", d.ToString());
        return d;
    }

    [Theory]
    [InlineData("[j]\nenabled = true\n[unclosed\n", "jail.conf", 3, "parsing errors")]
    [InlineData("[j]\nenabled = true\nEnabled = false\n", "jail.conf", 3, "duplicate key")]
    [InlineData("[j]\nenabled = true\n[k]\n[j]\n", "jail.conf", 4, "duplicate section")]
    [InlineData("enabled = true\n[j]\n", "jail.conf", 1, "no section headers")]
    [InlineData("[j]\nenabled = true\nfilter = f\nlogpath = /l\nmaxretry = %(a)s\na = %(maxretry)s\n", "jail.conf", 5, "depth")]
    [InlineData("[j]\nenabled = true\nfilter = f\nlogpath = /l\nbantime = 10%\n", "jail.conf", 5, "must be followed")]
    [InlineData("[j]\nenabled = true\nfilter = f\nlogpath = /l\nbantime = %(nope)s\n", "jail.conf", 5, "not defined")]
    public void WholeReadFailures(string jailConf, string file, int line, string fragment)
    {
        var r = ReadTree(("jail.conf", jailConf));
        Assert.False(r.Success);
        Assert.Null(r.Commands);
        Assert.Contains(fragment, ErrorAt(r, file, line).Message);
    }

    [Fact]
    public void BrokenFilterFileFailsTheRead()
    {
        var r = Read(Tree(("jail.conf", Jail), ("filter.d/f.conf", "[Definition]\nfailregex = a\nfailregex = b\n")));
        Assert.False(r.Success);
        Assert.Contains("duplicate key", ErrorAt(r, "filter.d/f.conf", 3).Message);
    }

    [Fact]
    public void BrokenLocalOverrideFailsTheRead()
    {
        var r = ReadTree(("jail.conf", Jail), ("jail.local", "[DEFAULT]\nk = 1\nk = 2\n"));
        Assert.Contains("duplicate key", ErrorAt(r, "jail.local", 3).Message);
    }

    [Theory]
    [InlineData("[j]\nenabled = true\nfilter = nosuch\n", 3, "Unable to read the filter 'nosuch'")]
    [InlineData("[j]\nenabled = true\nfilter = f\naction = nosuch[a=1]\n", 4, "Unable to read action 'nosuch'")]
    [InlineData("[j]\nenabled = true\nfilter = f[a = 1]\n", 3, "Invalid filter definition 'f[a = 1]'")]
    [InlineData("[j]\nenabled = true\nfilter = f[a=1] tail\n", 3, "Invalid filter definition")]
    [InlineData("[j]\nenabled = true\nfilter = f\naction = a[x=1, y]\n", 4, "Invalid action definition 'a[x=1,': unexpected option syntax")] // the list splitter cuts first (as fail2ban)
    public void JailRejections(string jailConf, int line, string fragment)
    {
        var r = ReadTree(("jail.conf", jailConf));
        Assert.False(r.Success); // the only jail failed
        Assert.NotNull(r.Commands); // fail2ban still prints the stream with a config-error entry
        Assert.StartsWith("['config-error', \"Jail 'j' skipped, because of wrong configuration: ", PyRepr.Repr(r.Commands!.Last()));
        Assert.Contains(fragment, ErrorAt(r, "jail.conf", line).Message);
        Assert.Contains(fragment, r.Jails.Single().ConfigError);
    }

    [Fact]
    public void OneBadJailDoesNotFailTheOthers()
    {
        var r = ReadTree(("jail.conf", "[j]\nenabled = true\nfilter = nosuch\n[k]\nenabled = true\nfilter = f\n"));
        Assert.True(r.Success);
        Assert.Equal("['start', 'k']", PyRepr.Repr(r.Commands!.Last()));
    }

    [Fact]
    public void MissingIncludeIsOnlyANoticeWithItsLine()
    {
        var r = ReadTree(("jail.conf", "[INCLUDES]\nbefore = paths-missing.conf\n" + Jail));
        Assert.True(r.Success);
        var d = Assert.Single(r.Diagnostics, d => d.Message.Contains("paths-missing.conf"));
        Assert.Equal(DiagnosticSeverity.Notice, d.Severity);
        Assert.Equal(new SourceLocation(Base + "/jail.conf", 2), d.Location);
    }

    [Fact]
    public void RecursiveTagsInAnActionFailTheRead()
    {
        var r = ReadTree(("jail.conf", "[j]\nenabled = true\nfilter = f\naction = a\n"), ("action.d/a.conf", "[Definition]\nactionban = <x>\n[Init]\nx = <y>\ny = <x>\n"));
        Assert.False(r.Success);
        var d = Assert.Single(r.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Contains("recursive tag definitions", d.Message);
        Assert.Contains("action.d/a.conf:1", d.ToString());
    }

    [Fact]
    public void NoJailConfIsNotAnError()
    {
        var r = Read(Tree(("fail2ban.conf", "[Definition]\nloglevel = INFO\n")));
        Assert.True(r.Success);
        Assert.Empty(r.Jails);
    }

    [Fact]
    public void InvalidLogLevelFailsTheRead()
    {
        var r = Read(Tree(("fail2ban.conf", "[Definition]\nloglevel = LOUD\n")));
        Assert.False(r.Success);
        Assert.Contains("LOUD", ErrorAt(r, "fail2ban.conf", 2).Message);
    }
}

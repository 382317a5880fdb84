using Jail2Ban.Core.Configuration;
using static Jail2Ban.Core.Tests.Configuration.ConfigTestKit;

namespace Jail2Ban.Core.Tests.Configuration;

/// <summary>§1.1 file order and includes, §1.2 [INCLUDES], §1.4 merging and KNOWN/, §1.5 interpolation.</summary>
public class ConfigStoreTests
{
    private static List<string> Rel(ConfigStore s) => s.FilesRead.Select(f => f[(Base.Length + 1)..]).ToList();

    [Fact]
    public void ReadOrderIsConfThenDConfThenLocalThenDLocal()
    {
        var fs = Tree(("jail.conf", "[a]\n"), ("jail.local", "[a]\n"), ("jail.d/b.conf", "[a]\n"), ("jail.d/B.conf", "[a]\n"),
            ("jail.d/a.local", "[a]\n"), ("jail.d/_.conf", "[a]\n"), ("jail.d/x.txt", "[a]\n"), ("jail.d/.h.conf", "[a]\n"));
        // Python string order: 'B' < '_' < 'b'; '*' skips dot files; only .conf/.local.
        Assert.Equal(["jail.conf", "jail.d/B.conf", "jail.d/_.conf", "jail.d/b.conf", "jail.local", "jail.d/a.local"], Rel(Store(fs)));
    }

    [Fact]
    public void IncludesAndLocalTwinsExpandInFail2BansOrder()
    {
        // The spec's observed example (§1.1): duplicates are kept, twins follow their file after its 'after'.
        var fs = Tree(
            ("paths-common.conf", "[INCLUDES]\nafter = paths-overrides.local\n[DEFAULT]\n"),
            ("paths-common.local", "[DEFAULT]\n"),
            ("paths-overrides.local", "[DEFAULT]\n"),
            ("paths-debian.conf", "[INCLUDES]\nbefore = paths-common.conf\nafter = paths-overrides.local\n[DEFAULT]\n"),
            ("jail.conf", "[INCLUDES]\nbefore = paths-debian.conf\n[DEFAULT]\n"),
            ("jail.d/a.conf", "[x]\n"), ("jail.d/b.local", "[x]\n"), ("jail.d/test.local", "[x]\n"));
        Assert.Equal(
            ["paths-common.conf", "paths-overrides.local", "paths-common.local", "paths-debian.conf", "paths-overrides.local",
             "jail.conf", "jail.d/a.conf", "jail.d/b.local", "jail.d/test.local"],
            Rel(Store(fs)));
    }

    [Fact]
    public void FilterIncludesCommonTwice()
    {
        var fs = Tree(
            ("filter.d/common.conf", "[INCLUDES]\nafter = common.local\n[DEFAULT]\n"),
            ("filter.d/common.local", "[DEFAULT]\n"),
            ("filter.d/sshd.conf", "[INCLUDES]\nbefore = common.conf\n[Definition]\n"),
            ("filter.d/sshd.d/x.conf", "[Definition]\n"),
            ("filter.d/sshd.local", "[Definition]\n"),
            ("filter.d/sshd.d/y.local", "[Definition]\n"));
        Assert.Equal(
            ["filter.d/common.conf", "filter.d/common.local", "filter.d/common.local", "filter.d/sshd.conf", "filter.d/sshd.d/x.conf",
             "filter.d/sshd.local", "filter.d/sshd.d/y.local"],
            Rel(Store(fs, "filter.d/sshd")));
    }

    [Theory]
    // a file including itself is read twice (the file is not its own ancestor), deeper cycles are cut
    [InlineData("a.conf", "[INCLUDES]\nbefore = jail.conf\n[s]\n", "jail.conf,jail.conf")]
    // missing includes are skipped silently; a value with a space is one (missing) file name
    [InlineData("a.conf", "[INCLUDES]\nbefore = nope.conf\n    a.conf\nafter = a.conf b.conf\n[s]\n", "a.conf,jail.conf")]
    // includes are relative to the including file; absolute paths allowed
    [InlineData("sub/a.conf", "[INCLUDES]\nbefore = sub/a.conf\n  /etc/f2b/sub/a.conf\n[s]\n", "sub/a.conf,sub/a.conf,jail.conf")]
    // [DEFAULT] before counts when the file has an [INCLUDES] section; the value is interpolated with the file's own values
    [InlineData("a.conf", "[INCLUDES]\n[DEFAULT]\nn = a\nbefore = %(n)s.conf\n", "a.conf,jail.conf")]
    // without an [INCLUDES] section, [DEFAULT] before is ignored
    [InlineData("a.conf", "[DEFAULT]\nbefore = a.conf\n", "jail.conf")]
    public void IncludeRules(string otherPath, string jailConf, string expected)
    {
        var fs = Tree(("jail.conf", jailConf), (otherPath, "[o]\n"));
        Assert.Equal(expected.Split(','), Rel(Store(fs)));
    }

    [Fact]
    public void SectionValuesBeatLaterDefaults()
    {
        var fs = Tree(("jail.conf", "[j1]\nx = conf-j1\n[j2]\n"), ("jail.local", "[DEFAULT]\nx = local-def\n"));
        var s = Store(fs);
        Assert.Equal("conf-j1", Get(s, "j1", "x"));
        Assert.Equal("local-def", Get(s, "j2", "x"));
    }

    [Fact]
    public void KnownSeesTheValueBeforeTheLastRedefinition()
    {
        var fs = Tree(("jail.conf", "[j]\nx = 1\n"), ("jail.d/01.conf", "[j]\nx = 2\n"),
            ("jail.local", "[j]\nx = 3\nkx = %(known/x)s\n"), ("jail.d/01.local", "[j]\nx = 4|%(known/x)s\n"));
        var s = Store(fs);
        Assert.Equal("4|3", Get(s, "j", "x"));
        Assert.Equal("3", Get(s, "j", "kx"));
        Assert.DoesNotContain("KNOWN/j", ConfigurationReader.Read(Base, new() { FileSystem = fs }).Jails.Select(j => j.Name));
    }

    [Fact]
    public void KnownFallsBackToDefaultAndDefaultSelfReferenceLoops()
    {
        var fs = Tree(("jail.conf", "[DEFAULT]\nd = def\n[j]\nk = %(known/d)s\n"), ("jail.local", "[DEFAULT]\na = %(known/a)s more\n"));
        var s = Store(fs);
        Assert.Equal("def", Get(s, "j", "k"));
        var e = Assert.ThrowsAny<ConfigException>(() => Get(s, "j", "a"));
        Assert.Contains("depth", e.Message);
        Assert.Equal(new SourceLocation(Base + "/jail.local", 2), e.Location);
    }

    [Fact]
    public void ConditionalSectionsFoldIntoTheirBase()
    {
        var fs = Tree(("action.d/a.conf", "[Init]\nb = 1\n[Init?family=inet6]\nb = 6\n"));
        var s = Store(fs, "action.d/a");
        Assert.Equal(["b", "b?family=inet6"], s.Sections["Init"].Keys);
        Assert.False(s.HasSection("Init?family=inet6"));
    }

    [Theory]
    [InlineData("v = 100%%", "100%")]
    [InlineData("v = %(Other)s!", "o!")]
    [InlineData("v = %(__name__)s", "s")]
    [InlineData("v = %(d)s", "dflt")]
    [InlineData("v = %(chain1)s", "o.o")]
    [InlineData("v = ${other}", "${other}")]
    [InlineData("v = %(s2/w)s", "w2")]
    [InlineData("v = %(s2/d)s", "dflt")]
    [InlineData("v = %(default/other)s", "dflt-other")]
    [InlineData("v = %(s2/x)s", "s")]
    [InlineData("v = %(s2/rel)s", "o")]
    public void Interpolates(string line, string expected)
    {
        var fs = Tree(("jail.conf",
            "[DEFAULT]\nd = dflt\nother = dflt-other\n" +
            "[s]\nother = o\nchain1 = %(other)s.%(chain2)s\nchain2 = %(other)s\n" + line + "\n" +
            "[s2]\nw = w2\nx = %(__name__)s\nrel = %(other)s\n"));
        Assert.Equal(expected, Get(Store(fs), "s", "v"));
    }

    [Theory]
    [InlineData("v = 50%", "'%' must be followed")]
    [InlineData("v = %(nope)s", "'%(nope)s'")]
    [InlineData("v = %(S2/w)s", "'%(S2/w)s'")] // section references only work in lower case
    [InlineData("v = %(s3/w)s", "'%(s3/w)s'")] // missing section: nothing mapped
    [InlineData("v = %(v)s", "depth")]
    [InlineData("v = %(a)s\na = %(b)s\nb = %(v)s", "depth")]
    [InlineData("v = %(x", "bad interpolation")]
    public void InterpolationErrorsNameFileAndLine(string lines, string fragment)
    {
        var fs = Tree(("jail.conf", "[s]\n" + lines + "\n[S2]\nw = 1\n"));
        var e = Assert.ThrowsAny<ConfigException>(() => Get(Store(fs), "s", "v"));
        Assert.Contains(fragment, e.Message);
        Assert.StartsWith(Base + "/jail.conf:2: ", e.Message);
    }

    [Fact]
    public void VarsComeFirstAndAreLowerCased()
    {
        var s = Store(Tree(("jail.conf", "[s]\nv = %(x)s\nx = file\n")));
        Assert.Equal("var", s.Get("s", "v", OptionReading.Vars([new("X", "var")])));
        Assert.Equal("True", s.Get("s", "v", OptionReading.Vars([new("x", true)])));
        Assert.Equal("5", s.Get("s", "v", OptionReading.Vars([new("x", 5L)])));
    }

    [Fact]
    public void UndecodableFilesAreSkippedWithAnError()
    {
        var fs = Tree(("jail.conf", "[s]\nk = 1\n"));
        fs.AddBytes(Base + "/jail.local", [0x5b, 0x73, 0x5d, 0x0a, 0x6b, 0x3d, 0xff]);
        var ctx = new ConfigReadContext(fs, Base);
        var s = ctx.Store("jail")!;
        Assert.Equal("1", Get(s, "s", "k"));
        Assert.Contains(ctx.Diagnostics, d => d.Severity == DiagnosticSeverity.Error && d.Location!.File.EndsWith("jail.local"));
    }

    [Fact]
    public void MissingBaseDirectoryIsAnError()
    {
        var r = ConfigurationReader.Read("/nope", new() { FileSystem = new InMemoryFileSystem() });
        Assert.False(r.Success);
        Assert.Contains(r.Diagnostics, d => d.Message.Contains("/nope does not exist"));
    }
}

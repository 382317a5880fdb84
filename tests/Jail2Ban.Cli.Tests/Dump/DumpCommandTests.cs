using Jail2Ban.Client.Dump;

namespace Jail2Ban.Cli.Tests.Dump;

/// <summary>DumpCommand output format, exit codes and error reporting (fail2ban-client 1.0.2 -d behaviour).</summary>
public sealed class DumpCommandTests : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), "j2b-dumpcmd-" + Guid.NewGuid().ToString("N"));

    public DumpCommandTests() => Directory.CreateDirectory(Path.Combine(dir, "filter.d"));

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private (int Rc, string Out, string Err) Run(string jailConf, string? filter = "[Definition]\nfailregex = ^it's <HOST>$\n")
    {
        File.WriteAllText(Path.Combine(dir, "jail.conf"), jailConf);
        if (filter is not null)
        {
            File.WriteAllText(Path.Combine(dir, "filter.d", "f.conf"), filter);
        }
        var o = new StringWriter { NewLine = "\n" };
        var e = new StringWriter { NewLine = "\n" };
        var rc = DumpCommand.Run(dir, o, e);
        return (rc, o.ToString(), e.ToString());
    }

    [Fact]
    public void PrintsPythonReprLines()
    {
        var (rc, o, _) = Run("[j]\nenabled = true\nfilter = f\nmaxretry = 3\nfindtime = 1\\2\nlogpath = /nonexistent\n");
        Assert.Equal(0, rc);
        var lines = o.Split('\n');
        Assert.Equal("['set', 'dbmaxmatches', None]", lines[5]); // no fail2ban.conf: fail2ban's defaults
        Assert.Contains("['add', 'j', 'auto']", lines);
        Assert.Contains("['set', 'j', 'addfailregex', \"^it's <HOST>$\"]", lines);
        Assert.Contains("['set', 'j', 'maxretry', 3]", lines);
        Assert.Contains("['set', 'j', 'findtime', '1\\\\2']", lines);
        Assert.Equal("['start', 'j']", lines[^2]);
        Assert.Equal("", lines[^1]);
    }

    [Fact]
    public void BrokenFileFailsWith255AndNamesFileAndLine()
    {
        var (rc, o, e) = Run("[j]\nenabled = true\nenabled = false\n");
        Assert.Equal(255, rc);
        Assert.Equal("ERROR: The configuration stream failed because of the invalid syntax.\n", o);
        Assert.Contains($"{dir}/jail.conf:3: ", e);
        Assert.Contains("duplicate key", e);
    }

    [Fact]
    public void RejectedOnlyJailFailsWith255ButStillPrintsTheStream()
    {
        var (rc, o, e) = Run("[j]\nenabled = true\nfilter = nosuch\n");
        Assert.Equal(255, rc);
        Assert.Contains("['config-error', \"Jail 'j' skipped, because of wrong configuration: Unable to read the filter 'nosuch'\"]", o);
        Assert.Contains($"{dir}/jail.conf:3: ", e);
    }

    [Fact]
    public void MissingDirectoryFails()
    {
        var o = new StringWriter();
        var e = new StringWriter();
        Assert.Equal(255, DumpCommand.Run(Path.Combine(dir, "nope"), o, e));
        Assert.Contains("does not exist", e.ToString());
    }
}

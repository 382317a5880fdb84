using Jail2Ban.Server.Logs;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jail2Ban.Server.Tests.Logs;

public sealed class BackendChoiceTests
{
    private static LogSourceFactory Factory(bool inotify) =>
        new(NullLoggerFactory.Instance, TimeProvider.System) { IsAvailable = n => n switch { "pyinotify" => inotify, "gamin" => false, _ => true } };

    [Theory]
    [InlineData("auto", true, "pyinotify", null)]
    [InlineData("auto", false, "polling", null)]
    [InlineData("AUTO", true, "pyinotify", null)]
    [InlineData("pyinotify", true, "pyinotify", null)]
    [InlineData("pyinotify", false, "polling", "Could only initiated 'polling' backend whenever 'pyinotify' was requested")]
    [InlineData("gamin", true, "polling", "Could only initiated 'polling' backend whenever 'gamin' was requested")]
    [InlineData("polling", true, "polling", null)]
    [InlineData("systemd", true, "systemd", null)]
    public void ChoosesLikeFail2Ban(string backend, bool inotify, string expected, string? warning)
    {
        var c = Factory(inotify).Choose(backend);
        Assert.Equal(expected, c.Name);
        Assert.Equal(warning, c.Warning);
    }

    [Fact]
    public void OptionsInBracketsAreKept()
    {
        var c = Factory(true).Choose("systemd[journalpath=/run/log/journal, journalflags=4]");
        Assert.Equal("systemd", c.Name);
        Assert.Equal("/run/log/journal", c.Options["journalpath"]);
        Assert.Equal("4", c.Options["journalflags"]);
        var o = JournalOptions.FromBackendOptions(c.Options);
        Assert.Equal(4, o.JournalFlags);
    }

    [Fact]
    public void UnknownBackendIsRejectedWithFail2BansMessage()
    {
        var ex = Assert.Throws<ArgumentException>(() => Factory(true).Choose("inotifyx"));
        Assert.Equal("Unknown backend inotifyx. Must be among ['pyinotify', 'gamin', 'polling', 'systemd'] or 'auto'", ex.Message);
    }

    [Fact]
    public async Task CreateReturnsTheMatchingSourceKinds()
    {
        var f = Factory(true);
        await using var a = f.Create("j", "auto");
        Assert.IsAssignableFrom<IFileLogSource>(a);
        Assert.Equal("pyinotify", a.Backend);
        await using var p = f.Create("j", "polling");
        Assert.Equal("polling", p.Backend);
        await using var s = f.Create("j", "systemd");
        Assert.IsAssignableFrom<IJournalLogSource>(s);
    }
}

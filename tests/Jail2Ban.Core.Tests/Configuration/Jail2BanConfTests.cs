using static Jail2Ban.Core.Tests.Configuration.ConfigTestKit;

namespace Jail2Ban.Core.Tests.Configuration;

/// <summary>
/// The server settings come from fail2ban.conf/.d/.local and then from Jail2Ban's own
/// jail2ban.conf/.d/.local, later files winning; a tree with only fail2ban's files reads as fail2ban reads it.
/// </summary>
public class Jail2BanConfTests
{
    private const string Jail = "[DEFAULT]\nenabled = false\n";

    [Fact]
    public void Jail2BanFilesOverrideFail2BanFiles()
    {
        var r = Read(Tree(
            ("jail.conf", Jail),
            ("fail2ban.conf", "[Definition]\nloglevel = INFO\nsocket = /run/fail2ban/fail2ban.sock\ndbpurgeage = 1d\n"),
            ("jail2ban.conf", "[Definition]\nsocket = /run/jail2ban/jail2ban.sock\n"),
            ("jail2ban.local", "[Definition]\nloglevel = DEBUG\n")));
        Assert.True(r.Success);
        Assert.Equal("/run/jail2ban/jail2ban.sock", r.Server!.Socket);
        Assert.Equal("DEBUG", r.Server.LogLevel);
        Assert.Equal("1d", r.Server.DbPurgeAge); // untouched settings keep fail2ban.conf's value
    }

    [Fact]
    public void Jail2BanConfAloneIsEnough()
    {
        var r = Read(Tree(("jail.conf", Jail), ("jail2ban.conf", "[Definition]\nlogtarget = STDOUT\ndbfile = :memory:\n")));
        Assert.True(r.Success);
        Assert.Equal("STDOUT", r.Server!.LogTarget);
        Assert.Equal(":memory:", r.Server.DbFile);
    }

    [Fact]
    public void Fail2BanLocalStillOverridesFail2BanConfWithoutJail2BanFiles()
    {
        var r = Read(Tree(
            ("jail.conf", Jail),
            ("fail2ban.conf", "[Definition]\nloglevel = INFO\n"),
            ("fail2ban.local", "[Definition]\nloglevel = NOTICE\n")));
        Assert.Equal("NOTICE", r.Server!.LogLevel);
    }
}

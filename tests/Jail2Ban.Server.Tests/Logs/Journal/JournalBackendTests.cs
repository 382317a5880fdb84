using Jail2Ban.Server.Logs;
using Jail2Ban.Server.Tests.Hosting;

namespace Jail2Ban.Server.Tests.Logs.Journal;

/// <summary>Backend choice and the systemd backend's options (fail2ban 1.0.2's jail.py and
/// filtersystemd._getJournalArgs), and what happens without journalctl.</summary>
public sealed class JournalBackendTests
{
    /// <summary>1.0.2 tries pyinotify, gamin, polling, systemd in order for auto; polling always
    /// initialises, so auto never reaches systemd, even for a filter with a journalmatch.</summary>
    [Theory]
    [InlineData(true, "pyinotify")]
    [InlineData(false, "polling")]
    public void AutoNeverChoosesSystemd(bool inotify, string expected)
    {
        var f = new LogSourceFactory(new CapturingLoggerFactory(), TimeProvider.System)
        {
            IsAvailable = n => n switch { "pyinotify" => inotify, "gamin" => false, _ => true },
        };
        var c = f.Choose("auto");
        Assert.Equal(expected, c.Name);
        Assert.Null(c.Warning);
    }

    [Theory]
    // no path or files: fail2ban's default flags 4 (SYSTEM, without LOCAL_ONLY)
    [InlineData("systemd", "--system --merge", 0)]
    [InlineData("systemd[journalflags=1]", "", 0)]
    [InlineData("systemd[journalflags=5]", "--system", 0)]
    [InlineData("systemd[journalflags=8]", "--user --merge", 0)]
    [InlineData("systemd[journalflags=6]", "--system --merge", 2)]
    [InlineData("systemd[journalflags=20]", "--system --merge", 16)]
    // a directory: no flags unless given; journalctl passes only the type flags on.
    // --merge (no effect on a directory or files) stops --follow from implying -b (latest boot only)
    [InlineData("systemd[journalpath=/var/log/journal]", "--directory=/var/log/journal --merge", 0)]
    [InlineData("systemd[journalpath=/var/log/journal, journalflags=4]", "--directory=/var/log/journal --system --merge", 0)]
    [InlineData("systemd[journalpath=/var/log/journal, journalflags=1]", "--directory=/var/log/journal --merge", 1)]
    // files: split on blanks and commas, one --file each; journalctl opens files without flags
    [InlineData("systemd[journalfiles=\"/a/system.journal, /b/*.journal /c/x.journal\"]", "--file=/a/system.journal --file=/b/*.journal --file=/c/x.journal --merge", 0)]
    [InlineData("systemd[journalfiles=/a/system.journal, journalflags=4]", "--file=/a/system.journal --merge", 4)]
    [InlineData("systemd[namespace=web]", "--namespace=web --system --merge", 0)]
    public void OptionsBecomeJournalctlArguments(string backend, string args, int ignored)
    {
        var f = new LogSourceFactory(new CapturingLoggerFactory(), TimeProvider.System);
        var o = JournalOptions.FromBackendOptions(f.Choose(backend).Options);
        Assert.Equal(args, string.Join(' ', o.SelectionArgs()));
        Assert.Equal(ignored, o.IgnoredFlags);
    }

    [Fact]
    public void DefaultFlagsComeFromTheEnvironmentSetting()
    {
        var f = new LogSourceFactory(new CapturingLoggerFactory(), TimeProvider.System) { DefaultJournalFlags = 8 };
        var src = (JournalLogSource)f.Create("j", "systemd");
        Assert.Equal("-o json --all --no-pager --user --merge", string.Join(' ', src.SelectionArgs()));
    }

    [Theory]
    [InlineData("systemd[journalflags=abc]", "journalflags='abc'")]
    [InlineData("systemd[rotated=on]", "'rotated'")] // a 1.1 option: 1.0.2's filter rejects unknown arguments
    [InlineData("systemd[logpath=/x]", "'logpath'")]
    public void BadOptionsAreRejectedNamingThem(string backend, string named)
    {
        var f = new LogSourceFactory(new CapturingLoggerFactory(), TimeProvider.System);
        var ex = Assert.Throws<ArgumentException>(() => f.Validate(backend));
        Assert.Contains(named, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FileBackendsAreNotCheckedForJournalctl()
    {
        var f = new LogSourceFactory(new CapturingLoggerFactory(), TimeProvider.System) { JournalCtl = new JournalCtlProcess("/nonexistent/j2b/journalctl") };
        f.Validate("polling");
        f.Validate("auto");
        var ex = Assert.Throws<JournalCtlException>(() => f.Validate("systemd"));
        Assert.Contains("/nonexistent/j2b/journalctl not found", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMissingJournalctlAtRunTimeIsAnErrorNamingTheJailAndTheProgram()
    {
        var logs = new CapturingLoggerFactory();
        await using var src = new JournalLogSource("sshd", new JournalOptions(JournalPath: "/var/log/journal"), new JournalCtlProcess("/nonexistent/j2b/journalctl"),
            logs.CreateLogger("fail2ban.filtersystemd"), new FixedTime(DateTimeOffset.UnixEpoch.AddDays(20000)));
        var ex = await Assert.ThrowsAsync<JournalCtlException>(async () =>
        {
            await foreach (var _ in src.ReadAsync(CancellationToken.None))
            {
            }
        });
        Assert.Contains("jail 'sshd'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("/nonexistent/j2b/journalctl", ex.Message, StringComparison.Ordinal);
        Assert.Contains("journal directory /var/log/journal", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("123", "123")]
    [InlineData(" 42 ", "42")]
    [InlineData("010", "10")]      // int() in base 10 takes leading zeros
    [InlineData("1_000", "1000")]
    [InlineData("0x1F", "31")]     // not base 10: int(v, 0)
    [InlineData("0o17", "15")]
    [InlineData("0", null)]        // falsy: no pid at all
    [InlineData("", null)]
    [InlineData("1__0", "b'1__0'")]
    [InlineData("abc", "b'abc'")]
    [InlineData("it's", "b\"it's\"")]
    [InlineData("a\\b", "b'a\\\\b'")]
    public void PidIsPrintedAsFail2banOnPythonSystemdDoes(string raw, string? expected) =>
        Assert.Equal(expected, JournalEntryFormatter.PidText(System.Text.Encoding.UTF8.GetBytes(raw)));
}

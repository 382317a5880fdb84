using System.Text.Json;
using Jail2Ban.Client;
using Jail2Ban.Server.Control;
using Jail2Ban.Server.Tests.Control;

namespace Jail2Ban.Cli.Tests.Client;

/// <summary>The parsed command line end to end: j2b-client code → our listener → fake daemon.</summary>
public sealed class ClientCommandLineTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "j2b-cl-" + Guid.NewGuid().ToString("N")[..8]);
    private ControlListener? _listener;
    private readonly FakeServerControl _fake = FakeServerControl.GoldenScenario("^x <HOST>$");
    private string Sock => Path.Combine(_dir, "s.sock");

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        _listener = new ControlListener(new ControlListenerOptions(Sock), new ControlDispatcher(_fake));
        _listener.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _listener!.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private static async Task<(int Rc, string Out, string Err)> Run(DumpHandler? dump, params string[] args)
    {
        var o = new StringWriter { NewLine = "\n" };
        var e = new StringWriter { NewLine = "\n" };
        var rc = await ClientCommandLine.RunAsync(args, o, e, dump, CancellationToken.None);
        return (rc, o.ToString(), e.ToString());
    }

    private Task<(int Rc, string Out, string Err)> RunS(params string[] args) => Run(null, ["-s", Sock, .. args]);

    /// <summary><see cref="RunS"/> on a client clock whose timers never fire: no request times out.</summary>
    private async Task<(int Rc, string Out, string Err)> RunHeld(params string[] args)
    {
        var o = new StringWriter { NewLine = "\n" };
        var e = new StringWriter { NewLine = "\n" };
        var rc = await ClientCommandLine.RunAsync(["-s", Sock, .. args], o, e, null, CancellationToken.None, new HeldTimers());
        return (rc, o.ToString(), e.ToString());
    }

    private sealed class HeldTimers : TimeProvider
    {
        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => new Never();

        private sealed class Never : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => true;

            public void Dispose()
            {
            }

            public ValueTask DisposeAsync() => default;
        }
    }

    [Fact]
    public async Task JsonStatusOfAJail()
    {
        var (rc, stdout, _) = await RunS("status", "test", "--json");
        Assert.Equal(0, rc);
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        Assert.True(root.GetProperty("ok").GetBoolean());
        Assert.Equal("status", root.GetProperty("command")[0].GetString());
        var result = root.GetProperty("result");
        Assert.Equal("test", result.GetProperty("jail").GetString());
        Assert.Equal(2, result.GetProperty("actions").GetProperty("currently_banned").GetInt32());
        Assert.Equal("192.0.2.20", result.GetProperty("actions").GetProperty("banned_ip_list")[1].GetString());
        Assert.Equal("/tmp/j2b-golden/test.log", result.GetProperty("filter").GetProperty("file_list")[0].GetString());
    }

    [Fact]
    public async Task JsonServerStatusListsJailsAsAnArray()
    {
        _fake.AddTestJail("aaa");
        var (rc, stdout, _) = await RunS("--json", "status");
        Assert.Equal(0, rc);
        using var doc = JsonDocument.Parse(stdout);
        var result = doc.RootElement.GetProperty("result");
        Assert.Equal(2, result.GetProperty("number_of_jail").GetInt32());
        Assert.Equal(["aaa", "test"], result.GetProperty("jail_list").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task JsonBannedIsAnObjectPerJail()
    {
        var (_, stdout, _) = await RunS("--json", "banned");
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal(2, doc.RootElement.GetProperty("result").GetProperty("test").GetArrayLength());
    }

    [Fact]
    public async Task JsonErrorsCarryTypeMessageAndExit255()
    {
        var (rc, stdout, stderr) = await RunS("--json", "get", "nosuch", "bantime");
        Assert.Equal(255, rc);
        using var doc = JsonDocument.Parse(stdout);
        var error = doc.RootElement.GetProperty("error");
        Assert.False(doc.RootElement.GetProperty("ok").GetBoolean());
        Assert.Equal("UnknownJailException", error.GetProperty("type").GetString());
        Assert.Equal("Sorry but the jail 'nosuch' does not exist", error.GetProperty("message").GetString());
        Assert.Contains("NOK: ('nosuch',)", stderr);
    }

    [Fact]
    public async Task JsonConnectionErrorWhenServerIsDown()
    {
        var (rc, stdout, _) = await Run(null, "-s", Path.Combine(_dir, "none.sock"), "status", "--json");
        Assert.Equal(255, rc);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal("ConnectionError", doc.RootElement.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task UnbanEverydayUse()
    {
        var (rc, stdout, _) = await RunS("unban", "192.0.2.10");
        Assert.Equal((0, "1\n"), (rc, stdout));
        Assert.DoesNotContain("192.0.2.10", _fake.GetBanned("test"));
        (rc, stdout, _) = await RunS("unban", "--all");
        Assert.Equal((0, "1\n"), (rc, stdout));
    }

    [Fact]
    public async Task TrailingJsonOnPassThroughCommandIsOurOption()
    {
        var (rc, stdout, _) = await RunS("set", "test", "bantime", "1h", "--json");
        Assert.Equal(0, rc);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal(3600, doc.RootElement.GetProperty("result").GetInt64());
    }

    [Fact]
    public async Task ValuesThatLookLikeOptionsReachTheServer()
    {
        var (rc, stdout, _) = await RunS("set", "test", "unbanip", "--report-absent", "203.0.113.5");
        Assert.Equal((255, "not banned: ['203.0.113.5']\n"), (rc, stdout));
    }

    [Fact]
    public async Task ReloadSendsTheServerSideForm()
    {
        // reload first pings with fail2ban's 0.1 s timeout: a request on a loaded machine can take longer (a warm-up
        // ping did not always help: it failed in CI), so the client's clock is held and the ping waits for its answer
        Assert.Equal(0, (await RunS("ping")).Rc);
        var (rc, stdout, _) = await RunHeld("reload", "--unban", "test");
        Assert.Equal((0, "OK\n"), (rc, stdout));
        Assert.Contains("reload-config test [--unban]", _fake.Calls);
        (rc, stdout, _) = await RunHeld("restart", "test");
        Assert.Equal((0, "OK\n"), (rc, stdout));
        Assert.Contains("reload-config test [--restart]", _fake.Calls);
        var (rc2, _, stderr) = await RunHeld("reload", "a", "b");
        Assert.Equal(255, rc2);
        Assert.Contains("Unexpected argument(s) for reload: ['a', 'b']", stderr);
    }

    [Fact]
    public async Task StartRefusesWhenTheServerAnswers()
    {
        var (rc, _, stderr) = await RunS("start");
        Assert.Equal(255, rc);
        Assert.Contains("ERROR   Server already running", stderr);
    }

    [Fact]
    public async Task NoCommandPrintsUsageAndFails()
    {
        var (rc, stdout, _) = await Run(null);
        Assert.Equal(255, rc);
        Assert.Contains("Usage:", stdout);
        Assert.Contains("status", stdout);
    }

    [Fact]
    public async Task VersionFlags()
    {
        Assert.Equal((0, ClientCommandLine.Version + "\n"), (await Run(null, "-V")).Deconstruct2());
        Assert.Equal((0, "Jail2Ban v" + ClientCommandLine.Version + "\n"), (await Run(null, "--version")).Deconstruct2());
        Assert.Equal((0, "129600\n"), (await Run(null, "--str2sec", "1d12h")).Deconstruct2());
    }

    [Fact]
    public async Task DumpIsDelegatedToTheConfigurationArea()
    {
        string? seen = null;
        var (rc, stdout, _) = await Run((dir, o, _) =>
        {
            seen = dir;
            o.WriteLine("['set', 'loglevel', 'INFO']");
            return 0;
        }, "-c", "/etc/x", "-d");
        Assert.Equal((0, "/etc/x"), (rc, seen));
        Assert.Equal("['set', 'loglevel', 'INFO']\n", stdout);
    }

    [Theory]
    [InlineData("status", "j2b-client status sshd")]
    [InlineData("unban", "j2b-client unban 192.0.2.10")]
    [InlineData("unban", "set <JAIL> unbanip")]
    public async Task EverydayCommandsHaveExamplesInTheirHelp(string command, string expected)
    {
        var (rc, stdout, _) = await Run(null, command, "--help");
        Assert.Equal(0, rc);
        Assert.Contains(expected, stdout);
        Assert.DoesNotContain("__forward", stdout);
    }

    [Fact]
    public async Task PassThroughHelpIsHelpNotARequest()
    {
        var (rc, stdout, _) = await Run(null, "set", "--help");
        Assert.Equal(0, rc);
        Assert.Contains("set <JAIL> <PROPERTY>", stdout);
    }
}

internal static class ResultExtensions
{
    public static (int, string) Deconstruct2(this (int Rc, string Out, string Err) r) => (r.Rc, r.Out);
}

public sealed class UsageErrorTests
{
    [Theory]
    [InlineData("status a b c")]
    [InlineData("--nosuchoption status")]
    [InlineData("-s")]
    public async Task UsageErrorsExit255LikeFail2banClient(string argv)
    {
        var e = new StringWriter();
        var rc = await ClientCommandLine.RunAsync(argv.Split(' '), new StringWriter(), e, null, CancellationToken.None);
        Assert.Equal(255, rc);
        Assert.NotEmpty(e.ToString());
    }
}

public sealed class ConfigTestFlagTests
{
    [Theory]
    [InlineData(0, 0, "OK: configuration test is successful\n")]
    [InlineData(255, 255, "")]
    public async Task TestFlagUsesTheConfigurationReader(int dumpRc, int expectedRc, string expectedOut)
    {
        var o = new StringWriter { NewLine = "\n" };
        var e = new StringWriter { NewLine = "\n" };
        var rc = await ClientCommandLine.RunAsync(["-t"], o, e, (_, _, _) => dumpRc, CancellationToken.None);
        Assert.Equal((expectedRc, expectedOut), (rc, o.ToString()));
        Assert.Equal(dumpRc != 0, e.ToString().Contains("ERROR: test configuration failed", StringComparison.Ordinal));
    }
}

public sealed class StatusAllEndToEndTests
{
    [Fact]
    public async Task StatusAllTextAndJson()
    {
        var dir = Directory.CreateTempSubdirectory("j2b-all-").FullName;
        var sock = Path.Combine(dir, "s.sock");
        var fake = FakeServerControl.GoldenScenario("^x <HOST>$");
        fake.AddTestJail("aaa").LogPaths.Add("/var/log/a.log");
        try
        {
            await using var l = new ControlListener(new ControlListenerOptions(sock), new ControlDispatcher(fake));
            l.Start();
            var o = new StringWriter { NewLine = "\n" };
            Assert.Equal(0, await ClientCommandLine.RunAsync(["-s", sock, "status", "--all"], o, new StringWriter(), null, CancellationToken.None));
            var text = o.ToString();
            Assert.StartsWith("Status\n|- Number of jail:\t2\n|- Jail list:\taaa, test\n`- Status for the jails:\n   |- Jail: aaa\n   |  |- Filter\n", text);
            Assert.Contains("   `- Jail: test\n      |- Filter\n", text);
            Assert.EndsWith("         `- Banned IP list:\t192.0.2.10 192.0.2.20\n", text);

            o = new StringWriter();
            Assert.Equal(0, await ClientCommandLine.RunAsync(["-s", sock, "--json", "status", "--all"], o, new StringWriter(), null, CancellationToken.None));
            using var doc = JsonDocument.Parse(o.ToString());
            var jails = doc.RootElement.GetProperty("result").GetProperty("status_for_the_jails");
            Assert.Equal(2, jails.GetProperty("test").GetProperty("actions").GetProperty("total_banned").GetInt32());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

public sealed class InteractiveTests
{
    [Fact]
    public async Task RunsOneCommandPerLineWithShellQuoting()
    {
        var dir = Directory.CreateTempSubdirectory("j2b-i-").FullName;
        var sock = Path.Combine(dir, "s.sock");
        try
        {
            await using var l = new ControlListener(new ControlListenerOptions(sock), new ControlDispatcher(FakeServerControl.GoldenScenario("^x <HOST>$")));
            l.Start();
            var o = new StringWriter { NewLine = "\n" };
            var input = new StringReader("echo 'two words' x\n\nget nosuch bantime\nexit\necho never\n");
            var rc = await ClientCommandLine.RunAsync(["-s", sock, "-i"], o, new StringWriter(), null, CancellationToken.None, stdin: input);
            Assert.Equal(0, rc);
            var text = o.ToString();
            Assert.Contains("fail2ban> two words x\n", text);
            Assert.Contains("fail2ban> Sorry but the jail 'nosuch' does not exist\n", text);
            Assert.DoesNotContain("never", text);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("a b", "a|b")]
    [InlineData("set j failregex '^x <HOST> y$'", "set|j|failregex|^x <HOST> y$")]
    [InlineData("echo \"a \\\"q\\\" b\" c\\ d", "echo|a \"q\" b|c d")]
    public void ShellSplitLikeShlex(string line, string expected) =>
        Assert.Equal(expected, string.Join('|', InteractiveShell.ShellSplit(line)));
}

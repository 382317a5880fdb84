using Jail2Ban.Server.Hosting;
using Jail2Ban.ServerHost;

namespace Jail2Ban.Cli.Tests.Server;

public sealed class ServerCommandLineTests
{
    private static ServerOptions Ok(params string[] args)
    {
        var r = ServerCommandLine.Parse(args);
        Assert.Null(r.Error);
        return r.Options!;
    }

    [Fact]
    public void NoArgumentsStartsTheServerWithDefaults()
    {
        var o = Ok();
        Assert.Equal(ServerAction.Start, o.Action);
        Assert.Equal("/etc/fail2ban", o.ConfDir);
        Assert.True(o.Background);
        Assert.False(o.Force);
        Assert.Null(o.Socket);
        Assert.Empty(o.Command);
    }

    [Fact]
    public void SystemdUnitLineBundlesShortFlags()
    {
        var o = Ok("-xf", "start");
        Assert.True(o.Force);
        Assert.False(o.Background);
        Assert.Equal(ServerAction.Start, o.Action);
        Assert.Equal(["start"], o.Command);
    }

    [Fact]
    public void ClientSpawnLineIsUnderstood()
    {
        // What fail2ban-client start runs: fail2ban-server --async -b -s <sock> -p <pid> -x --loglevel ... --logtarget ... --syslogsocket ...
        var o = Ok("--async", "-b", "-s", "/run/f.sock", "-p", "/run/f.pid", "-x", "-vv", "--loglevel", "NOTICE", "--logtarget", "SYSLOG[facility=AUTH]", "--syslogsocket", "auto");
        Assert.True(o.Async);
        Assert.True(o.Background);
        Assert.Equal("/run/f.sock", o.Socket);
        Assert.Equal("/run/f.pid", o.PidFile);
        Assert.True(o.Force);
        Assert.Equal(2, o.Verbosity);
        Assert.Equal("NOTICE", o.LogLevel);
        Assert.Equal("SYSLOG[facility=AUTH]", o.LogTarget);
        Assert.Equal("auto", o.SyslogSocket);
    }

    [Theory]
    [InlineData(new[] { "-c/etc/x" }, "/etc/x")]
    [InlineData(new[] { "-c", "/etc/x" }, "/etc/x")]
    [InlineData(new[] { "--conf=/etc/x" }, "/etc/x")]
    [InlineData(new[] { "--conf", "/etc/x" }, "/etc/x")]
    [InlineData(new[] { "--co", "/etc/x" }, "/etc/x")]
    [InlineData(new[] { "-c", "/a", "-c", "/b" }, "/b")]
    [InlineData(new[] { "-xc", "/etc/x" }, "/etc/x")]
    public void ValuesCanBeAttachedSeparatedOrPrefixed(string[] args, string conf) => Assert.Equal(conf, Ok(args).ConfDir);

    [Theory]
    [InlineData(new[] { "-f", "-b" }, true)]
    [InlineData(new[] { "-b", "-f" }, false)]
    [InlineData(new[] { "-bf" }, false)]
    public void LastOfForegroundAndBackgroundWins(string[] args, bool background) => Assert.Equal(background, Ok(args).Background);

    [Fact]
    public void OptionsEndAtTheFirstCommandWord()
    {
        var o = Ok("-s", "/x.sock", "status", "sshd", "-v");
        Assert.Equal(ServerAction.Client, o.Action);
        Assert.Equal(["status", "sshd", "-v"], o.Command);
        Assert.Equal(0, o.Verbosity);
    }

    [Theory]
    [InlineData(new[] { "-h" }, ServerAction.Help)]
    [InlineData(new[] { "--help" }, ServerAction.Help)]
    [InlineData(new[] { "-V" }, ServerAction.ShortVersion)]
    [InlineData(new[] { "--version" }, ServerAction.Version)]
    [InlineData(new[] { "--str2sec", "1d12h" }, ServerAction.Str2Sec)]
    [InlineData(new[] { "-V", "-h" }, ServerAction.ShortVersion)]
    [InlineData(new[] { "-t" }, ServerAction.Start)]
    public void InformationalOptionsPickTheAction(string[] args, ServerAction action) => Assert.Equal(action, Ok(args).Action);

    [Fact]
    public void DumpTestInteractiveAndTimeout()
    {
        var o = Ok("-d", "-t", "-i", "--timeout", "1m", "--pname", "f2b-x", "-qv", "-q");
        Assert.Equal(1, o.Dump);
        Assert.True(o.Test);
        Assert.True(o.Interactive);
        Assert.Equal("1m", o.Timeout);
        Assert.Equal("f2b-x", o.PName);
        Assert.Equal(-1, o.Verbosity);
        Assert.Equal(2, Ok("--dp").Dump);
        Assert.Equal(2, Ok("--dump-pretty").Dump);
    }

    [Theory]
    [InlineData(new[] { "-z" }, "option -z not recognized")]
    [InlineData(new[] { "-c" }, "option -c requires argument")]
    [InlineData(new[] { "--bogus" }, "option --bogus not recognized")]
    [InlineData(new[] { "--test=1" }, "option --test must not have an argument")]
    [InlineData(new[] { "--d", "x" }, "option --d not a unique prefix")]
    public void SyntaxErrorsShowUsage(string[] args, string error)
    {
        var r = ServerCommandLine.Parse(args);
        Assert.Null(r.Options);
        Assert.True(r.ShowUsage);
        Assert.Equal(error, r.Error);
    }

    [Fact]
    public void InvalidLogLevelIsReportedLikeFail2Ban()
    {
        var r = ServerCommandLine.Parse(["--loglevel", "FOO", "-f"]);
        Assert.Null(r.Options);
        Assert.False(r.ShowUsage);
        Assert.Equal("Invalid log level 'FOO'", r.Error);
    }

    [Theory]
    [InlineData("-h", 0)]
    [InlineData("-z", 255)]
    public async Task HelpAndUsageErrors(string arg, int rc)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Assert.Equal(rc, await ServerCommands.RunAsync([arg], stdout, stderr, CancellationToken.None));
        Assert.StartsWith("Usage: j2b-server [OPTIONS]", stdout.ToString());
        Assert.Contains("-x                      remove a stale socket file", stdout.ToString());
    }

    [Fact]
    public async Task InvalidLogLevelExits255WithError()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Assert.Equal(255, await ServerCommands.RunAsync(["--loglevel", "FOO", "-f"], stdout, stderr, CancellationToken.None));
        Assert.Equal("ERROR: Invalid log level 'FOO'\n", stderr.ToString());
        Assert.Equal("", stdout.ToString());
    }

    [Fact]
    public async Task ShortVersionIsMachineReadable()
    {
        var stdout = new StringWriter();
        Assert.Equal(0, await ServerCommands.RunAsync(["-V"], stdout, TextWriter.Null, CancellationToken.None));
        Assert.Matches(@"^\d+\.\d+\.\d+\n$", stdout.ToString());
    }
}

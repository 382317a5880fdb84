using System.Diagnostics;
using Jail2Ban.Core.Actions;
using Jail2Ban.Server.Actions;

namespace Jail2Ban.Server.Tests.Actions;

/// <summary>Runner behaviour with the real /bin/sh, in both execution modes.</summary>
public sealed class ShellActionRunnerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("j2b-act-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static ShellActionRunner Runner(bool workers, int parallel = 4) =>
        new(new ActionRunnerOptions { UseShellWorkers = workers, MaxParallel = parallel });

    private static ActionRunRequest Req(string script, string action = "a", double timeoutSeconds = 10, params string[] args) =>
        new(new ActionCommand(script, args), TimeSpan.FromSeconds(timeoutSeconds), "jail", action, "actionban");

    [Theory]
    [InlineData(false, "true", 0)]
    [InlineData(false, "exit 3", 3)]
    [InlineData(false, "false", 1)]
    [InlineData(false, "no-such-command-j2b", 127)]
    [InlineData(true, "true", 0)]
    [InlineData(true, "exit 3", 3)]
    [InlineData(true, "false", 1)]
    [InlineData(true, "no-such-command-j2b", 127)]
    public async Task ExitCodesAreKept(bool workers, string script, int rc)
    {
        await using var r = Runner(workers);
        var res = await r.RunAsync(Req(script));
        Assert.Equal(rc, res.ExitCode);
        Assert.Equal(rc == 0, res.Success);
        Assert.False(res.TimedOut);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task OutputIsCapturedPerStream(bool workers)
    {
        await using var r = Runner(workers);
        var res = await r.RunAsync(Req("echo out1; echo err1 >&2; printf 'out2\\n'; exit 5"));
        Assert.Equal("out1\nout2\n", res.Stdout);
        Assert.Equal("err1\n", res.Stderr);
        Assert.Equal(5, res.ExitCode);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TimeoutKillsTheWholeProcessGroup(bool workers)
    {
        await using var r = Runner(workers);
        var pidFile = Path.Combine(_dir, "child.pid");
        var sw = Stopwatch.StartNew();
        var res = await r.RunAsync(Req($"sleep 30 & echo $! > {pidFile}; wait", timeoutSeconds: 0.5));
        Assert.True(res.TimedOut);
        Assert.False(res.Success);
        Assert.True(res.ExitCode is null or < 0, $"rc {res.ExitCode}");
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), sw.Elapsed.ToString());
        var pid = int.Parse(File.ReadAllText(pidFile).Trim());
        // The background child (same process group) must be gone too.
        var gone = false;
        for (var i = 0; i < 50 && !gone; i++)
        {
            gone = !File.Exists($"/proc/{pid}") || File.ReadAllText($"/proc/{pid}/stat").Split(' ')[2] == "Z";
            if (!gone) await Task.Delay(50);
        }
        Assert.True(gone, $"child {pid} survived the timeout");
        // And the runner still works afterwards.
        Assert.Equal(0, (await r.RunAsync(Req("true"))).ExitCode);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task BackgroundChildrenDoNotHoldTheCommand(bool workers)
    {
        // fail2ban waits for the shell only; a daemon started by an action must not cause a timeout.
        await using var r = Runner(workers);
        var pidFile = Path.Combine(_dir, "bg.pid");
        var sw = Stopwatch.StartNew();
        var res = await r.RunAsync(Req($"sleep 20 & echo $! > {pidFile}; echo started", timeoutSeconds: 8));
        Assert.True(res.Success, $"rc={res.ExitCode} timedOut={res.TimedOut}");
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(6), sw.Elapsed.ToString());
        Assert.Equal(0, (await r.RunAsync(Req("true"))).ExitCode);
        var pid = int.Parse(File.ReadAllText(pidFile).Trim());
        PosixKill(pid);
    }

    private static void PosixKill(int pid)
    {
        try { Process.GetProcessById(pid).Kill(); }
        catch (ArgumentException) { }
        catch (InvalidOperationException) { }
    }

    [Fact]
    public async Task AWorkerKilledByItsCommandIsReplaced()
    {
        await using var r = Runner(workers: true);
        Assert.Equal(0, (await r.RunAsync(Req("true"))).ExitCode);
        // $$ in the subshell is the worker itself.
        var res = await r.RunAsync(Req("kill -9 $$"));
        Assert.False(res.Success);
        Assert.Equal("after\n", (await r.RunAsync(Req("echo after"))).Stdout);
    }

    [Fact]
    public async Task WorkerCommandsAreIsolatedFromEachOther()
    {
        await using var r = Runner(workers: true);
        Assert.Equal(4, (await r.RunAsync(Req("cd /; leak=yes; trap 'echo trapped' EXIT; exit 4"))).ExitCode);
        var res = await r.RunAsync(Req("echo \"leak=$leak\"; pwd"));
        Assert.Equal($"leak=\n{Environment.CurrentDirectory}\n", res.Stdout);
        // A syntax error stays inside its command.
        var bad = await r.RunAsync(Req("if then fi (("));
        Assert.Equal(2, bad.ExitCode);
        Assert.Equal("ok\n", (await r.RunAsync(Req("echo ok"))).Stdout);
        // A command reading stdin gets EOF, not the worker's protocol stream.
        Assert.Equal("[]\n", (await r.RunAsync(Req("read x; echo \"[$x]\""))).Stdout);
    }

    public static TheoryData<bool, string> HostileValues()
    {
        var d = new TheoryData<bool, string>();
        string[] values =
        [
            "$(touch PWN)", "`touch PWN`", "x; touch PWN", "a' ; touch PWN; echo '", "a\" ; touch PWN; echo \"",
            "line1\ntouch PWN\nline3", "| touch PWN", "&& touch PWN", "${IFS}touch${IFS}PWN", "\\$(touch PWN)",
            "'\"'\"`$(touch PWN)`", "\r\ntouch PWN", "<(touch PWN)", "*", "~root", "$((1+1))",
        ];
        foreach (var w in new[] { false, true })
        foreach (var v in values)
            d.Add(w, v);
        return d;
    }

    [Theory]
    [MemberData(nameof(HostileValues))]
    public async Task HostileLogValuesNeverExecute(bool workers, string hostile)
    {
        var pwn = Path.Combine(_dir, "PWN");
        var outFile = Path.Combine(_dir, "out.txt");
        var value = hostile.Replace("PWN", pwn, StringComparison.Ordinal);
        var def = new ActionDefinition("probe", new Dictionary<string, string>
        {
            ["actionban"] = $"printf '%s|%s|%s' \"<F-USER>\" \"<matches>\" <ip> > {outFile}",
        });
        var builder = new ActionCommandBuilder(def, ActionHostNames.Fixed("h", "h"));
        var ticket = new ActionTicket("192.0.2.7", 1, 1, Matches: [value, "second"],
            Data: new Dictionary<string, string> { ["user"] = value });
        var cmd = builder.ForTicket("actionban", new ActionInfo(ticket, new StaticJailContext(600)));
        Assert.DoesNotContain(value, cmd.Script); // never in the script text
        await using var r = Runner(workers);
        var res = await r.RunAsync(new ActionRunRequest(cmd, TimeSpan.FromSeconds(10), "j", "probe", "actionban"));
        Assert.True(res.Success, res.Stderr);
        Assert.False(File.Exists(pwn), "hostile value was executed");
        Assert.Equal($"{value}|{value}\nsecond|192.0.2.7", File.ReadAllText(outFile));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CommandsOfOneActionRunInCallOrder(bool workers)
    {
        await using var r = Runner(workers, parallel: 4);
        var f = Path.Combine(_dir, "order.txt");
        var tasks = Enumerable.Range(0, 40).Select(i => r.RunAsync(Req($"echo {i} >> {f}", action: "same"))).ToList();
        await Task.WhenAll(tasks);
        Assert.Equal(Enumerable.Range(0, 40).Select(i => i.ToString()), File.ReadAllLines(f));
    }

    [Theory]
    [InlineData(false, 2, true)]
    [InlineData(false, 1, false)]
    [InlineData(true, 2, true)]
    [InlineData(true, 1, false)]
    public async Task DifferentActionsRunInParallelUnlessLimitedToOne(bool workers, int parallel, bool expectParallel)
    {
        await using var r = Runner(workers, parallel);
        var flag = Path.Combine(_dir, "flag");
        // A waits (up to ~1.5 s) for a file that only B creates: it can only succeed if both run at once.
        var a = r.RunAsync(Req($"i=0; while [ ! -e {flag} ]; do sleep 0.05; i=$((i+1)); [ $i -gt 30 ] && exit 9; done; exit 0", action: "A"));
        await Task.Delay(100);
        var b = r.RunAsync(Req($"touch {flag}", action: "B"));
        var ra = await a;
        await b;
        Assert.Equal(expectParallel ? 0 : 9, ra.ExitCode);
    }

    [Fact]
    public async Task EmptyCommandSucceedsWithoutRunning()
    {
        await using var r = Runner(false);
        var res = await r.RunAsync(new ActionRunRequest(ActionCommand.Empty, TimeSpan.FromSeconds(1), "j", "a", "actionban"));
        Assert.True(res.Success);
    }

    [Fact]
    public void WorkerTransportQuotingRoundTripsEveryCharacter()
    {
        // The quoting only carries text into the worker; check it against sh itself.
        var all = new string(Enumerable.Range(1, 126).Select(i => (char)i).ToArray()) + "é€";
        var psi = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("printf '%s' " + ShellWorker.Quote(all));
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.Equal(all, output);
    }
}

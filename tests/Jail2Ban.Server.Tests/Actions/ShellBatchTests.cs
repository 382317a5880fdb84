using Jail2Ban.Core.Actions;
using Jail2Ban.Server.Actions;
using Microsoft.Extensions.Logging;

namespace Jail2Ban.Server.Tests.Actions;

/// <summary>
/// <see cref="IActionRunner.RunManyAsync"/> with the real /bin/sh: a batch in one write to the shell
/// worker must give what running the commands one by one gives, and stop after the first failure.
/// </summary>
public sealed class ShellBatchTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("j2b-batch-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    /// <summary>Keeps the runner's log lines from Information up (the Trace success lines carry timings).</summary>
    private sealed class ListLogger : ILogger<ShellActionRunner>
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel)) lock (Lines) Lines.Add($"{logLevel}: {formatter(state, exception)}");
        }
    }

    private static ShellActionRunner Runner(ListLogger log, bool workers = true) =>
        new(new ActionRunnerOptions { UseShellWorkers = workers }, log);

    private static ActionRunRequest Req(string script, double timeoutSeconds = 10, params string[] args) =>
        new(new ActionCommand(script, args), TimeSpan.FromSeconds(timeoutSeconds), "jail", "act", "actionban");

    private string File1 => Path.Combine(_dir, "out.txt");

    private string[] Lines() => File.Exists(File1) ? File.ReadAllLines(File1) : [];

    private static (ActionCommand, TimeSpan) Cmd(string script, double timeoutSeconds = 10) =>
        (new ActionCommand(script), TimeSpan.FromSeconds(timeoutSeconds));

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ABatchGivesTheSameExitCodesOutputsAndOrderAsOneByOne(bool workers)
    {
        var f = File1;
        ActionRunRequest[] requests =
        [
            Req($"echo one >> {f}; echo out1; echo err1 >&2"),
            Req($"f2bV_ip=$0 f2bV_user=$1 \necho \"$f2bV_ip\" >> {f}; printf '%s' \"$f2bV_user\"", 10, "192.0.2.1", "a'b $(x)"),
            Req($"cd /; leak=yes; trap 'echo trapped' EXIT; echo three >> {f}; exit 0"),
            Req($"echo \"leak=$leak\" >> {f}; read x; echo \"[$x]\""),
            Req("printf 'no newline'; printf 'e\\n\\n' >&2"),
        ];
        var oneLog = new ListLogger();
        var one = new List<ActionRunResult>();
        await using (var r = Runner(oneLog, workers))
            foreach (var q in requests) one.Add(await r.RunAsync(q));
        var oneLines = Lines();
        File.Delete(f);

        var batchLog = new ListLogger();
        IReadOnlyList<ActionRunResult> batch;
        await using (var r = Runner(batchLog, workers))
            batch = await r.RunManyAsync(requests);

        Assert.Equal(requests.Length, batch.Count);
        Assert.Equal(one.Select(x => (x.ExitCode, x.Stdout, x.Stderr, x.TimedOut, x.Error)), batch.Select(x => (x.ExitCode, x.Stdout, x.Stderr, x.TimedOut, x.Error)));
        Assert.All(batch, x => Assert.True(x.Success));
        Assert.Equal(["one", "192.0.2.1", "three", "leak="], oneLines);
        Assert.Equal(oneLines, Lines());
        Assert.Equal("out1\n", batch[0].Stdout);
        Assert.Equal("a'b $(x)", batch[1].Stdout);
        Assert.Equal("trapped\n", batch[2].Stdout);
        Assert.Equal(oneLog.Lines, batchLog.Lines);
    }

    [Fact]
    public async Task AFailingCommandEndsTheBatchAndIsLoggedAsOneByOne()
    {
        var f = File1;
        ActionRunRequest[] requests =
        [
            Req($"echo 1 >> {f}"),
            Req($"echo 2 >> {f}; echo oops >&2; exit 3"),
            Req($"echo 3 >> {f}"),
        ];
        var oneLog = new ListLogger();
        await using (var r = Runner(oneLog))
        {
            await r.RunAsync(requests[0]);
            await r.RunAsync(requests[1]);
        }
        File.Delete(f);

        var log = new ListLogger();
        await using var runner = Runner(log);
        var res = await runner.RunManyAsync(requests);
        Assert.Equal(2, res.Count);
        Assert.True(res[0].Success);
        Assert.Equal(3, res[1].ExitCode);
        Assert.Equal("oops\n", res[1].Stderr);
        Assert.Equal(["1", "2"], Lines()); // the third never ran
        Assert.Equal(oneLog.Lines, log.Lines);
        Assert.Contains(log.Lines, l => l.EndsWith("-- returned 3", StringComparison.Ordinal));
        // The same worker goes on with the rest.
        var rest = await runner.RunManyAsync(requests[2..]);
        Assert.True(rest.Single().Success);
        Assert.Equal(["1", "2", "3"], Lines());
    }

    [Fact]
    public async Task ATimedOutCommandKillsTheWorkerAndTheCommandsAfterItNeverRan()
    {
        var f = File1;
        await using var w = new ShellWorker(new ActionRunnerOptions(), "act");
        var res = await w.RunManyAsync([Cmd($"echo 1 >> {f}"), Cmd("sleep 30", 0.5), Cmd($"echo 3 >> {f}")], CancellationToken.None);
        Assert.Equal(2, res.Count);
        Assert.True(res[0].Success);
        Assert.True(res[1].TimedOut);
        Assert.Equal(-15, res[1].ExitCode);
        Assert.Equal(1, w.Starts);
        await Task.Delay(300);
        Assert.Equal(["1"], Lines());
        // Rerun of the rest: a fresh worker.
        var rest = await w.RunManyAsync([Cmd($"echo 3 >> {f}"), Cmd($"echo 4 >> {f}")], CancellationToken.None);
        Assert.All(rest, x => Assert.True(x.Success));
        Assert.Equal(2, w.Starts);
        Assert.Equal(["1", "3", "4"], Lines());
    }

    [Fact]
    public async Task EachCommandOfABatchHasItsOwnTimeout()
    {
        await using var w = new ShellWorker(new ActionRunnerOptions(), "act");
        // 4 x 0.3 s: the batch takes longer than one timeout, no single command does.
        var res = await w.RunManyAsync([.. Enumerable.Range(0, 4).Select(_ => Cmd("sleep 0.3", 0.8))], CancellationToken.None);
        Assert.Equal(4, res.Count);
        Assert.All(res, x => Assert.True(x.Success, $"rc {x.ExitCode} timed out {x.TimedOut}"));
    }

    [Theory]
    [InlineData(-1)]   // all succeed
    [InlineData(700)]  // a failure deep in the batch: the rest is skipped by the shell
    public async Task ALongBatchBeyondThePipeBufferKeepsOrder(int failAt)
    {
        // ~1,000 commands with a long argument: far more than a pipe's 64 KiB, written in the background.
        var f = File1;
        var pad = new string('x', 200);
        var cmds = Enumerable.Range(0, 1000)
            .Select(i => Cmd(i == failAt ? "exit 7" : $"echo {i} >> {f} # {pad}"))
            .ToList();
        await using var w = new ShellWorker(new ActionRunnerOptions(), "act");
        var res = await w.RunManyAsync(cmds, CancellationToken.None);
        var ran = failAt < 0 ? 1000 : failAt + 1;
        Assert.Equal(ran, res.Count);
        if (failAt >= 0) Assert.Equal(7, res[^1].ExitCode);
        var next = await w.RunManyAsync([Cmd($"echo next >> {f}"), Cmd($"echo last >> {f}")], CancellationToken.None);
        Assert.All(next, x => Assert.True(x.Success));
        Assert.Equal(1, w.Starts);
        Assert.Equal([.. Enumerable.Range(0, failAt < 0 ? 1000 : failAt).Select(i => i.ToString()), "next", "last"], Lines());
    }

    [Fact]
    public async Task ATimeoutInALongBatchRecoversWhileTheRestIsStillBeingWritten()
    {
        var f = File1;
        var pad = new string('x', 200);
        var cmds = Enumerable.Range(0, 1000).Select(i => Cmd(i == 50 ? "sleep 30" : $"echo {i} >> {f} # {pad}", 0.5)).ToList();
        await using var w = new ShellWorker(new ActionRunnerOptions(), "act");
        var res = await w.RunManyAsync(cmds, CancellationToken.None);
        Assert.Equal(51, res.Count);
        Assert.True(res[^1].TimedOut);
        var next = await w.RunManyAsync([Cmd($"echo next >> {f}"), Cmd($"echo last >> {f}")], CancellationToken.None);
        Assert.All(next, x => Assert.True(x.Success));
        Assert.Equal(2, w.Starts);
        Assert.Equal([.. Enumerable.Range(0, 50).Select(i => i.ToString()), "next", "last"], Lines());
    }
}

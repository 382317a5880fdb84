using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Jail2Ban.Core.Actions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jail2Ban.Server.Actions;

/// <summary>
/// Runs action commands with the real shell, as fail2ban does (<c>/bin/sh -c script args...</c> in a
/// new session, stdout/stderr captured, timeout = SIGTERM to the process group, 0.2 s, SIGKILL).
/// <para>
/// Ordering and parallelism: commands of the same action name (<c>actname</c>, across all jails)
/// run one after another in call order — the same action file usually edits the same resource
/// (a hosts.deny file, an ipset), which fail2ban protected with its global lock. Different actions
/// run in parallel up to <see cref="ActionRunnerOptions.MaxParallel"/> (1 = fail2ban's global lock).
/// With <see cref="ActionRunnerOptions.UseShellWorkers"/> each action name gets one long-lived
/// shell (<see cref="ShellWorker"/>) instead of a process per command.
/// </para>
/// </summary>
internal sealed partial class ShellActionRunner : IActionRunner, IAsyncDisposable
{
    private readonly ActionRunnerOptions _options;
    private readonly ILogger _log;
    private readonly SemaphoreSlim _parallel;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _perAction = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ShellWorker> _workers = new(StringComparer.Ordinal);
    private readonly bool _haveSetsid;
    private long _ids;

    public ShellActionRunner(ActionRunnerOptions? options = null, ILogger<ShellActionRunner>? log = null)
    {
        _options = options ?? new ActionRunnerOptions();
        _log = (ILogger?)log ?? NullLogger.Instance;
        _parallel = new SemaphoreSlim(Math.Max(1, _options.MaxParallel));
        _haveSetsid = File.Exists(_options.SetsidPath);
    }

    public async Task<ActionRunResult> RunAsync(ActionRunRequest request, CancellationToken cancellationToken = default)
    {
        if (request.Command.IsEmpty) return ActionRunResult.Ok();
        var gate = _perAction.GetOrAdd(request.Action, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _parallel.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var id = Interlocked.Increment(ref _ids).ToString("x", CultureInfo.InvariantCulture);
                ActionRunResult result;
                if (_options.UseShellWorkers)
                {
                    var worker = _workers.GetOrAdd(request.Action, a => new ShellWorker(_options, a));
                    result = await worker.RunAsync(request.Command, request.Timeout, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    result = await RunProcessAsync(request.Command, request.Timeout, cancellationToken).ConfigureAwait(false);
                }
                LogResult(id, request, result);
                return result;
            }
            finally
            {
                _parallel.Release();
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// <see cref="IActionRunner.RunManyAsync"/>: with shell workers, commands of one action go to its
    /// worker in one write (<see cref="ShellWorker.RunManyAsync"/>); each result is logged as
    /// <see cref="RunAsync"/> logs it, in order, once the batch is back. Otherwise one by one.
    /// </summary>
    public async Task<IReadOnlyList<ActionRunResult>> RunManyAsync(IReadOnlyList<ActionRunRequest> requests, CancellationToken cancellationToken = default)
    {
        if (!_options.UseShellWorkers || requests.Count < 2
            || requests.Any(r => r.Command.IsEmpty || !string.Equals(r.Action, requests[0].Action, StringComparison.Ordinal)))
        {
            return await RunOneByOneAsync(requests, cancellationToken).ConfigureAwait(false);
        }
        var action = requests[0].Action;
        var gate = _perAction.GetOrAdd(action, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _parallel.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var worker = _workers.GetOrAdd(action, a => new ShellWorker(_options, a));
                var results = await worker.RunManyAsync(requests.Select(r => (r.Command, r.Timeout)).ToList(), cancellationToken).ConfigureAwait(false);
                for (var i = 0; i < results.Count; i++)
                    LogResult(Interlocked.Increment(ref _ids).ToString("x", CultureInfo.InvariantCulture), requests[i], results[i]);
                return results;
            }
            finally
            {
                _parallel.Release();
            }
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<IReadOnlyList<ActionRunResult>> RunOneByOneAsync(IReadOnlyList<ActionRunRequest> requests, CancellationToken ct)
    {
        var results = new List<ActionRunResult>(requests.Count);
        foreach (var r in requests)
        {
            var res = await RunAsync(r, ct).ConfigureAwait(false);
            results.Add(res);
            if (!res.Success) break;
        }
        return results;
    }

    private async Task<ActionRunResult> RunProcessAsync(ActionCommand command, TimeSpan timeout, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        var psi = new ProcessStartInfo
        {
            FileName = _haveSetsid ? _options.SetsidPath : _options.Shell,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // setsid(1) does not fork when the caller is not a group leader, so the pid we get is the
        // shell's and also its process group id (what fail2ban's os.setsid gives).
        if (_haveSetsid) psi.ArgumentList.Add(_options.Shell);
        foreach (var a in command.ToArgv(_options.Shell).Skip(1)) psi.ArgumentList.Add(a);
        using var p = new Process { StartInfo = psi };
        try
        {
            p.Start();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return new ActionRunResult(null, false, "", "", sw.Elapsed, $"failed with {e.Message}");
        }
        p.StandardInput.Close();
        // Read the pipes ourselves (not BeginOutputReadLine): Process would then also wait for EOF,
        // i.e. for any background child still holding stdout. fail2ban only waits for the shell.
        var stdoutTask = ReadBoundedAsync(p.StandardOutput, _options.MaxCapturedChars);
        var stderrTask = ReadBoundedAsync(p.StandardError, _options.MaxCapturedChars);
        using var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeoutCts.CancelAfter(timeout);
        var timedOut = false;
        try
        {
            await p.WaitForExitAsync(timeoutCts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            timedOut = !ct.IsCancellationRequested;
            await KillAsync(p).ConfigureAwait(false);
        }
        var outputs = Task.WhenAll(stdoutTask, stderrTask);
        await Task.WhenAny(outputs, Task.Delay(OutputGrace, CancellationToken.None)).ConfigureAwait(false);
        var stdout = stdoutTask.IsCompletedSuccessfully ? stdoutTask.Result : "";
        var stderr = stderrTask.IsCompletedSuccessfully ? stderrTask.Result : "";
        int? rc = p.HasExited ? p.ExitCode : null;
        if (timedOut && rc is > 128) rc = -(rc - 128); // report like Python: -15 / -9
        return new ActionRunResult(rc, timedOut, stdout, stderr, sw.Elapsed);
    }

    /// <summary>How long to wait for output after the shell exited (a background child may keep the pipe).</summary>
    private static readonly TimeSpan OutputGrace = TimeSpan.FromMilliseconds(200);

    private static async Task<string> ReadBoundedAsync(StreamReader reader, int max)
    {
        var sb = new StringBuilder();
        var buf = new char[4096];
        int n;
        while ((n = await reader.ReadAsync(buf).ConfigureAwait(false)) > 0)
        {
            if (sb.Length < max) sb.Append(buf, 0, Math.Min(n, max - sb.Length));
        }
        return sb.ToString();
    }

    private async Task KillAsync(Process p)
    {
        try
        {
            if (_haveSetsid)
            {
                PosixSignals.KillGroup(p.Id, PosixSignals.SigTerm);
                await Task.Delay(_options.KillGrace).ConfigureAwait(false);
                // fail2ban kills the tree with SIGKILL afterwards anyway (tout_kill_tree).
                PosixSignals.KillGroup(p.Id, PosixSignals.SigKill);
            }
            else
            {
                p.Kill(entireProcessTree: true);
            }
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await p.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException or System.ComponentModel.Win32Exception)
        {
            // Already gone, or unkillable (fail2ban: "unable to kill PID"): reported as no exit code.
        }
    }

    private void LogResult(string id, ActionRunRequest r, ActionRunResult res)
    {
        var cmdText = res.Success ? null : r.Command.ToString();
        if (res.Success)
        {
            LogSuccess(_log, id, r.Jail, r.Action, r.Operation, res.Elapsed.TotalMilliseconds);
            return;
        }
        LogExec(_log, id, cmdText!);
        foreach (var l in res.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)) LogStdout(_log, id, PyText.Repr(l));
        foreach (var l in res.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)) LogStderr(_log, id, PyText.Repr(l));
        if (res.Error is not null) LogFailed(_log, id, res.Error);
        else if (res.TimedOut) LogTimeout(_log, id, r.Timeout.TotalSeconds);
        if (res.ExitCode is { } rc)
        {
            if (rc < 0 || rc > 128) LogKilled(_log, id, PosixSignals.Name(rc < 0 ? -rc : rc - 128), rc);
            else LogReturned(_log, id, rc);
            if (rc == 127) LogHint127(_log);
        }
        else if (res.Error is null)
        {
            LogUnkillable(_log, id);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var w in _workers.Values) await w.DisposeAsync().ConfigureAwait(false);
        _workers.Clear();
    }

    [LoggerMessage(EventId = 4000, Level = LogLevel.Trace, Message = "{Id} -- [{Jail}] {Action} {Operation} returned successfully 0 ({Ms:F1} ms)")]
    private static partial void LogSuccess(ILogger log, string id, string jail, string action, string operation, double ms);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Error, Message = "{Id} -- exec: {Command}")]
    private static partial void LogExec(ILogger log, string id, string command);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Error, Message = "{Id} -- stdout: {Line}")]
    private static partial void LogStdout(ILogger log, string id, string line);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Error, Message = "{Id} -- stderr: {Line}")]
    private static partial void LogStderr(ILogger log, string id, string line);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Error, Message = "{Id} -- timed out after {Seconds} seconds.")]
    private static partial void LogTimeout(ILogger log, string id, double seconds);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Error, Message = "{Id} -- killed with {Signal} (return code: {Rc})")]
    private static partial void LogKilled(ILogger log, string id, string signal, int rc);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Error, Message = "{Id} -- returned {Rc}")]
    private static partial void LogReturned(ILogger log, string id, int rc);

    [LoggerMessage(EventId = 4007, Level = LogLevel.Information, Message = "HINT on 127: \"Command not found\".  Make sure that all commands in the action are in the PATH of the j2b-server process")]
    private static partial void LogHint127(ILogger log);

    [LoggerMessage(EventId = 4008, Level = LogLevel.Error, Message = "{Id} -- {Error}")]
    private static partial void LogFailed(ILogger log, string id, string error);

    [LoggerMessage(EventId = 4009, Level = LogLevel.Error, Message = "{Id} -- unable to kill the command")]
    private static partial void LogUnkillable(ILogger log, string id);
}

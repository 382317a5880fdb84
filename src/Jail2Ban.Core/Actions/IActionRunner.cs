namespace Jail2Ban.Core.Actions;

/// <summary>One command to run for an action.</summary>
/// <param name="Jail">Jail name (commands of one jail keep their order).</param>
/// <param name="Action">Action instance name (`actname`).</param>
/// <param name="Operation">The option that produced it (<c>actionban</c>, ...), for logs.</param>
internal sealed record ActionRunRequest(ActionCommand Command, TimeSpan Timeout, string Jail, string Action, string Operation);

/// <summary>What running one command gave.</summary>
/// <param name="ExitCode">The shell's exit status; negative = killed by that signal; null = never ran.</param>
/// <param name="TimedOut">The timeout expired and the process group was killed.</param>
/// <param name="Error">Could not run at all (e.g. the shell could not be started).</param>
internal sealed record ActionRunResult(
    int? ExitCode, bool TimedOut, string Stdout, string Stderr, TimeSpan Elapsed, string? Error = null)
{
    public bool Success => ExitCode == 0 && !TimedOut && Error is null;

    public static ActionRunResult Ok(TimeSpan elapsed = default) => new(0, false, "", "", elapsed);
}

/// <summary>
/// Runs action commands. The server's implementation runs <c>/bin/sh -c</c>; tests use a recorder.
/// Implementations must keep the commands of one action instance strictly in call order.
/// </summary>
internal interface IActionRunner
{
    Task<ActionRunResult> RunAsync(ActionRunRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs several commands in order and stops after the first one that does not succeed, so the
    /// caller can handle that failure (retry, check/repair) before anything after it runs — the same
    /// sequence as calling <see cref="RunAsync"/> one by one. Returns one result per command that ran:
    /// all of them, or fewer when the last returned result is the failure. Each command keeps its own
    /// timeout. Runners that can (the shell workers) send the whole list to the shell in one write.
    /// </summary>
    async Task<IReadOnlyList<ActionRunResult>> RunManyAsync(IReadOnlyList<ActionRunRequest> requests, CancellationToken cancellationToken = default)
    {
        var results = new List<ActionRunResult>(requests.Count);
        foreach (var r in requests)
        {
            var res = await RunAsync(r, cancellationToken).ConfigureAwait(false);
            results.Add(res);
            if (!res.Success) break;
        }
        return results;
    }
}

/// <summary>Thrown when an action operation fails; the message is fail2ban's.</summary>
internal sealed class ActionFailedException(string message) : Exception(message);

internal enum ActionLogLevel { Debug, Info, Notice, Warning, Error, Critical }

/// <summary>Receives the action layer's log lines (the server maps them onto its logger).</summary>
internal delegate void ActionLogSink(ActionLogLevel level, string message);

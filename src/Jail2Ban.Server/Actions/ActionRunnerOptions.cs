namespace Jail2Ban.Server.Actions;

/// <summary>How action commands are executed.</summary>
internal sealed record ActionRunnerOptions
{
    /// <summary>The shell (fail2ban: <c>/bin/sh</c> via Popen shell=True).</summary>
    public string Shell { get; init; } = "/bin/sh";

    /// <summary>
    /// Commands allowed to run at the same time. fail2ban runs one at a time (a global lock);
    /// 1 reproduces that exactly. Commands of the same action name never overlap whatever this is
    /// (see <see cref="ShellActionRunner"/>).
    /// </summary>
    public int MaxParallel { get; init; } = Math.Max(2, Environment.ProcessorCount);

    /// <summary>
    /// Run each action's commands through one long-lived shell per action name (a forked subshell
    /// per command) instead of a new <c>sh -c</c> process per command; ~3x cheaper per command on
    /// the test machine. Differences a script could notice: <c>$$</c> is the worker's pid, and
    /// escaped values sit in <c>$1..</c> instead of <c>$0..</c> (fail2ban's own first line reads them;
    /// stock actions never use positional parameters directly). false = fail2ban's exact way.
    /// </summary>
    public bool UseShellWorkers { get; init; } = true;

    /// <summary>Between SIGTERM and SIGKILL of a timed-out command's process group (fail2ban: 0.2 s).</summary>
    public TimeSpan KillGrace { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Captured output kept per stream (the rest is dropped; it is only logged).</summary>
    public int MaxCapturedChars { get; init; } = 64 * 1024;

    /// <summary><c>setsid</c> binary used to put each command in its own session/process group.</summary>
    public string SetsidPath { get; init; } = "/usr/bin/setsid";
}

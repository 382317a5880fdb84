using System.Diagnostics;
using System.Globalization;
using System.Text;
using Jail2Ban.Core.Actions;

namespace Jail2Ban.Server.Actions;

/// <summary>
/// One long-lived <c>/bin/sh</c> (in its own session) that runs the commands of one action name, so
/// a ban costs a fork of that shell instead of starting a new shell process from .NET.
/// <para>
/// Protocol (all on the worker's stdin): each command runs in a subshell with stdin from
/// /dev/null, so <c>exit</c>, <c>cd</c>, traps and variables never leak into the next command;
/// the script text is handed to <c>eval</c> so a syntax error stays inside that subshell; then a
/// random sentinel line with <c>$?</c> ends the command on stdout, and another on stderr.
/// The script text and the positional values travel as single-quoted shell words — a transport
/// encoding only: the script that runs is exactly the text fail2ban builds, and log-derived values
/// still reach it only as the <c>f2bV_*</c> variables, never as script text. Because a running
/// shell cannot set <c>$0</c>, the <c>f2bV_x=$0 ...</c> first line is replayed with <c>${1}..</c>.
/// </para>
/// A timeout kills the worker's whole process group (SIGTERM, grace, SIGKILL); the next command
/// starts a fresh worker.
/// <para>
/// The worker's stdout and stderr are read by two dedicated threads with blocking reads for the
/// worker's whole life; a command completes when both of its sentinels have arrived, and the caller's
/// continuation runs on the reader thread that saw the second one. A command is then one wake-up of
/// that thread instead of two thread-pool reads per command through the socket engine's epoll thread
/// (the per-command round trip is what bounds a burst of single bans: 2000 of them on the daemon bench).
/// </para>
/// </summary>
internal sealed class ShellWorker(ActionRunnerOptions options, string name) : IAsyncDisposable
{
    private readonly string _sentinel = "__j2b_done_" + Guid.NewGuid().ToString("N");
    private Session? _session;

    public string Name { get; } = name;

    /// <summary>Number of worker processes started so far (restarts after timeouts count).</summary>
    public int Starts { get; private set; }

    public async Task<ActionRunResult> RunAsync(ActionCommand command, TimeSpan timeout, CancellationToken ct) =>
        (await RunManyAsync([(command, timeout)], ct).ConfigureAwait(false))[0];

    /// <summary>
    /// Runs the commands in order in one write to the worker and stops after the first that does not
    /// succeed: the shell skips the commands after a non-zero exit (a guard on <c>$__j2b_rc</c>), and a
    /// timeout kills the worker before anything after the hung command started. So the returned list
    /// holds one result per command that ran — all, or fewer when its last entry is the failure — and the
    /// commands not returned never ran (the next call starts a fresh worker if this one was killed).
    /// Each command has its own timeout, counted from the end of the previous one.
    /// </summary>
    public async Task<IReadOnlyList<ActionRunResult>> RunManyAsync(IReadOnlyList<(ActionCommand Command, TimeSpan Timeout)> commands, CancellationToken ct)
    {
        var results = new List<ActionRunResult>(commands.Count);
        var sw = Stopwatch.StartNew();
        // A command with a NUL byte cannot travel to the shell: the ones before it run, it fails alone.
        var n = 0;
        while (n < commands.Count && !HasNul(commands[n].Command)) n++;
        ActionRunResult? nulFailure = n < commands.Count
            ? new ActionRunResult(null, false, "", "", TimeSpan.Zero, "failed with embedded null byte")
            : null;
        if (n == 0) return [nulFailure!];
        await DrainWriteAsync().ConfigureAwait(false);
        Session s;
        try
        {
            s = EnsureStarted();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return [new ActionRunResult(null, false, "", "", sw.Elapsed, $"failed with {e.Message}")];
        }
        var pending = s.Begin(n);
        var text = new StringBuilder();
        if (n == 1)
        {
            text.Append(Wrap(commands[0].Command));
        }
        else
        {
            text.Append("__j2b_rc=0\n");
            for (var i = 0; i < n; i++)
                text.Append("if [ \"$__j2b_rc\" = 0 ]; then\n").Append(Wrap(commands[i].Command)).Append("fi\n");
        }
        try
        {
            var input = text.ToString();
            // A pipe write of one command does not block: the shell reads its input while it parses.
            // A long batch can fill the pipe until the shell has run its first commands, so it is written
            // by a pool thread while this one applies the timeouts (the next call waits for that write).
            if (input.Length <= SyncWriteChars)
            {
                s.Input.Write(input);
                s.Input.Flush();
            }
            else
            {
                _write = Task.Run(() =>
                {
                    s.Input.Write(input);
                    s.Input.Flush();
                }, CancellationToken.None);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            await KillAsync().ConfigureAwait(false);
            return [new ActionRunResult(null, false, "", "", sw.Elapsed, $"shell worker gone: {e.Message}")];
        }
        for (var i = 0; i < n; i++)
        {
            var (_, timeout) = commands[i];
            CommandOutput output;
            try
            {
                output = await pending[i].Task.WaitAsync(timeout, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is TimeoutException || (e is OperationCanceledException && ct.IsCancellationRequested))
            {
                await KillAsync().ConfigureAwait(false);
                results.Add(new ActionRunResult(-PosixSignals.SigTerm, e is TimeoutException, "", "", sw.Elapsed));
                return results;
            }
            if (output.Rc is null)
            {
                await KillAsync().ConfigureAwait(false);
                results.Add(new ActionRunResult(null, false, output.Stdout, output.Stderr, sw.Elapsed, "shell worker exited"));
                return results;
            }
            var result = new ActionRunResult(output.Rc, false, output.Stdout, output.Stderr, sw.Elapsed);
            sw.Restart();
            results.Add(result);
            if (!result.Success) return results;
        }
        if (nulFailure is not null) results.Add(nulFailure);
        return results;
    }

    /// <summary>Batches up to this size are written inline (far below a pipe's 64 KiB).</summary>
    private const int SyncWriteChars = 16 * 1024;

    private Task _write = Task.CompletedTask;

    private static bool HasNul(ActionCommand c) => c.Script.Contains('\0') || c.Args.Any(a => a.Contains('\0'));

    /// <summary>Waits for the previous batch's background write (it fails fast if the worker was killed).</summary>
    private async Task DrainWriteAsync()
    {
        var w = _write;
        _write = Task.CompletedTask;
        try
        {
            await w.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Whatever the write hit (a broken pipe, a stream disposed by the kill), it was feeding a
            // worker that died or was killed mid-batch; EnsureStarted starts a fresh one.
        }
    }

    /// <summary>The worker input for one command (see the class comment).</summary>
    internal string Wrap(ActionCommand command)
    {
        var sb = new StringBuilder(command.Script.Length + 256);
        sb.Append("(");
        var body = command.Script;
        if (command.Args.Count > 0)
        {
            // Script = "f2bV_a=$0 f2bV_b=$1 \n" + body (TagSubstitution.ReplaceDynamic).
            var nl = body.IndexOf('\n');
            var head = body[..nl];
            body = body[(nl + 1)..];
            sb.Append("set --");
            foreach (var a in command.Args) sb.Append(' ').Append(Quote(a));
            sb.Append('\n');
            foreach (var assign in head.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = assign.IndexOf("=$", StringComparison.Ordinal);
                var n = int.Parse(assign.AsSpan(eq + 2), CultureInfo.InvariantCulture);
                sb.Append(assign, 0, eq).Append("=${").Append(n + 1).Append("} ");
            }
            sb.Append('\n');
        }
        // $? is kept in __j2b_rc: a batch skips the commands after a non-zero one (RunManyAsync).
        sb.Append("eval ").Append(Quote(body)).Append("\n) </dev/null\n__j2b_rc=$?\n");
        sb.Append("printf '\\n%s %s\\n' '").Append(_sentinel).Append("' \"$__j2b_rc\"\n");
        sb.Append("printf '\\n%s\\n' '").Append(_sentinel).Append("' >&2\n");
        return sb.ToString();
    }

    /// <summary>POSIX single-quoting (transport only, see the class comment).</summary>
    internal static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private Session EnsureStarted()
    {
        if (_session is { Process.HasExited: false } running) return running;
        _session?.Process.Dispose();
        _session = null;
        var haveSetsid = File.Exists(options.SetsidPath);
        var psi = new ProcessStartInfo
        {
            FileName = haveSetsid ? options.SetsidPath : options.Shell,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = new UTF8Encoding(false),
        };
        if (haveSetsid) psi.ArgumentList.Add(options.Shell);
        psi.ArgumentList.Add("-s");
        var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start " + options.Shell);
        Starts++;
        _session = new Session(p, _sentinel, options.MaxCapturedChars, Name);
        return _session;
    }

    private async Task KillAsync()
    {
        var s = _session;
        _session = null;
        if (s is null) return;
        var p = s.Process;
        try
        {
            if (!p.HasExited)
            {
                if (File.Exists(options.SetsidPath))
                {
                    PosixSignals.KillGroup(p.Id, PosixSignals.SigTerm);
                    await Task.Delay(options.KillGrace).ConfigureAwait(false);
                    PosixSignals.KillGroup(p.Id, PosixSignals.SigKill);
                }
                else
                {
                    p.Kill(entireProcessTree: true);
                }
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await p.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException or System.ComponentModel.Win32Exception)
        {
            // Already gone.
        }
        finally
        {
            p.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        // A batch's background write ends quickly once its commands are done (the shell only skips the
        // rest); bounded anyway so a stop never hangs on it.
        await Task.WhenAny(DrainWriteAsync(), Task.Delay(TimeSpan.FromSeconds(1))).ConfigureAwait(false);
        var p = _session?.Process;
        if (p is { HasExited: false })
        {
            try
            {
                p.StandardInput.Close();
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                await p.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException)
            {
                // Fall through to the kill.
            }
        }
        await KillAsync().ConfigureAwait(false);
    }

    private readonly record struct CommandOutput(string Stdout, string Stderr, int? Rc);

    /// <summary>One command's two halves: stdout (with the exit status) and stderr.</summary>
    private sealed class Pending
    {
        // Not RunContinuationsAsynchronously: the caller goes on on the reader thread (see the class comment).
        private readonly TaskCompletionSource<CommandOutput> _done = new();
        private string? _stdout;
        private string? _stderr;
        private int? _rc;

        public Task<CommandOutput> Task => _done.Task;

        /// <summary>Called once per half by its reader thread (a repeated call, e.g. at EOF, is ignored).</summary>
        public void Complete(bool isStdout, string text, int? rc)
        {
            bool both;
            lock (this)
            {
                if (isStdout)
                {
                    if (_stdout is not null) return;
                    _stdout = text;
                    _rc = rc;
                }
                else
                {
                    if (_stderr is not null) return;
                    _stderr = text;
                }
                both = _stdout is not null && _stderr is not null;
            }
            if (both) _done.TrySetResult(new CommandOutput(_stdout!, _stderr!, _rc));
        }
    }

    /// <summary>One worker process and its two reader threads.</summary>
    private sealed class Session
    {
        private readonly string _sentinel;
        private readonly int _maxChars;
        private Batch? _current;

        public Session(Process process, string sentinel, int maxChars, string name)
        {
            Process = process;
            _sentinel = sentinel;
            _maxChars = maxChars;
            Input = process.StandardInput;
            new Thread(() => ReadLoop(process.StandardOutput, true)) { IsBackground = true, Name = "j2b-sh-out " + name }.Start();
            new Thread(() => ReadLoop(process.StandardError, false)) { IsBackground = true, Name = "j2b-sh-err " + name }.Start();
        }

        public Process Process { get; }

        public StreamWriter Input { get; }

        /// <summary>
        /// The next commands' halves; the runner sends one batch at a time per worker, and a batch only
        /// begins once every command of the previous one that printed its sentinels was collected.
        /// </summary>
        public Pending[] Begin(int count)
        {
            var b = new Batch(count);
            Volatile.Write(ref _current, b);
            return b.Items;
        }

        private void ReadLoop(StreamReader reader, bool isStdout)
        {
            var sb = new StringBuilder();
            try
            {
                while (reader.ReadLine() is { } line)
                {
                    if (line.StartsWith(_sentinel, StringComparison.Ordinal))
                    {
                        // Drop the newline our sentinel printf put before itself.
                        if (sb.Length > 0 && sb[^1] == '\n') sb.Length--;
                        int? rc = isStdout ? int.Parse(line.AsSpan(_sentinel.Length + 1), CultureInfo.InvariantCulture) : 0;
                        var text = sb.ToString();
                        sb.Clear();
                        Volatile.Read(ref _current)?.Next(isStdout)?.Complete(isStdout, text, rc);
                        continue;
                    }
                    if (sb.Length < _maxChars) sb.Append(line).Append('\n');
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
            {
                // The worker was killed or disposed.
            }
            // EOF: the running command (if any) never finishes.
            Volatile.Read(ref _current)?.Next(isStdout)?.Complete(isStdout, sb.ToString(), null);
        }
    }

    /// <summary>The commands of one write; each reader thread walks its own half in order.</summary>
    private sealed class Batch(int count)
    {
        private int _stdout;
        private int _stderr;

        public Pending[] Items { get; } = Enumerable.Range(0, count).Select(_ => new Pending()).ToArray();

        /// <summary>The command whose <paramref name="isStdout"/> half comes next (only that reader calls this).</summary>
        public Pending? Next(bool isStdout)
        {
            ref var i = ref isStdout ? ref _stdout : ref _stderr;
            return i < Items.Length ? Items[i++] : null;
        }
    }
}

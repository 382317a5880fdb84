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

    public async Task<ActionRunResult> RunAsync(ActionCommand command, TimeSpan timeout, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        if (command.Script.Contains('\0') || command.Args.Any(a => a.Contains('\0')))
            return new ActionRunResult(null, false, "", "", sw.Elapsed, "failed with embedded null byte");
        Session s;
        try
        {
            s = EnsureStarted();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return new ActionRunResult(null, false, "", "", sw.Elapsed, $"failed with {e.Message}");
        }
        var pending = s.Begin();
        try
        {
            // A pipe write of one command does not block: the shell reads its input while it parses.
            s.Input.Write(Wrap(command));
            s.Input.Flush();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            await KillAsync().ConfigureAwait(false);
            return new ActionRunResult(null, false, "", "", sw.Elapsed, $"shell worker gone: {e.Message}");
        }
        CommandOutput output;
        try
        {
            output = await pending.Task.WaitAsync(timeout, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException || (e is OperationCanceledException && ct.IsCancellationRequested))
        {
            await KillAsync().ConfigureAwait(false);
            return new ActionRunResult(-PosixSignals.SigTerm, e is TimeoutException, "", "", sw.Elapsed);
        }
        if (output.Rc is null)
        {
            await KillAsync().ConfigureAwait(false);
            return new ActionRunResult(null, false, output.Stdout, output.Stderr, sw.Elapsed, "shell worker exited");
        }
        return new ActionRunResult(output.Rc, false, output.Stdout, output.Stderr, sw.Elapsed);
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
        sb.Append("eval ").Append(Quote(body)).Append("\n) </dev/null\n");
        sb.Append("printf '\\n%s %s\\n' '").Append(_sentinel).Append("' \"$?\"\n");
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
        private Pending? _current;

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

        /// <summary>The next command's halves; the runner sends one command at a time per worker.</summary>
        public Pending Begin()
        {
            var p = new Pending();
            Volatile.Write(ref _current, p);
            return p;
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
                        Volatile.Read(ref _current)?.Complete(isStdout, text, rc);
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
            Volatile.Read(ref _current)?.Complete(isStdout, sb.ToString(), null);
        }
    }
}

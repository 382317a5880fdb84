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
/// </summary>
internal sealed class ShellWorker(ActionRunnerOptions options, string name) : IAsyncDisposable
{
    private readonly string _sentinel = "__j2b_done_" + Guid.NewGuid().ToString("N");
    private Process? _process;

    public string Name { get; } = name;

    /// <summary>Number of worker processes started so far (restarts after timeouts count).</summary>
    public int Starts { get; private set; }

    public async Task<ActionRunResult> RunAsync(ActionCommand command, TimeSpan timeout, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        if (command.Script.Contains('\0') || command.Args.Any(a => a.Contains('\0')))
            return new ActionRunResult(null, false, "", "", sw.Elapsed, "failed with embedded null byte");
        Process p;
        try
        {
            p = EnsureStarted();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return new ActionRunResult(null, false, "", "", sw.Elapsed, $"failed with {e.Message}");
        }
        var outTask = ReadUntilSentinelAsync(p.StandardOutput, true);
        var errTask = ReadUntilSentinelAsync(p.StandardError, false);
        try
        {
            await p.StandardInput.WriteAsync(Wrap(command)).ConfigureAwait(false);
            await p.StandardInput.FlushAsync(ct).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            await KillAsync().ConfigureAwait(false);
            return new ActionRunResult(null, false, "", "", sw.Elapsed, $"shell worker gone: {e.Message}");
        }
        var both = Task.WhenAll(outTask, errTask);
        using var delayCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var finished = await Task.WhenAny(both, Task.Delay(timeout, delayCts.Token)).ConfigureAwait(false);
        if (finished != both)
        {
            await KillAsync().ConfigureAwait(false);
            return new ActionRunResult(-PosixSignals.SigTerm, !ct.IsCancellationRequested, "", "", sw.Elapsed);
        }
        delayCts.Cancel();
        var (stdout, rc) = await outTask.ConfigureAwait(false);
        var (stderr, _) = await errTask.ConfigureAwait(false);
        if (rc is null)
        {
            await KillAsync().ConfigureAwait(false);
            return new ActionRunResult(null, false, stdout, stderr, sw.Elapsed, "shell worker exited");
        }
        return new ActionRunResult(rc, false, stdout, stderr, sw.Elapsed);
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

    private async Task<(string Text, int? Rc)> ReadUntilSentinelAsync(StreamReader reader, bool withRc)
    {
        var sb = new StringBuilder();
        while (true)
        {
            var line = await reader.ReadLineAsync().ConfigureAwait(false);
            if (line is null) return (sb.ToString(), null);
            if (line.StartsWith(_sentinel, StringComparison.Ordinal))
            {
                // Drop the newline our sentinel printf put before itself.
                if (sb.Length > 0 && sb[^1] == '\n') sb.Length--;
                if (!withRc) return (sb.ToString(), 0);
                return (sb.ToString(), int.Parse(line.AsSpan(_sentinel.Length + 1), CultureInfo.InvariantCulture));
            }
            if (sb.Length < options.MaxCapturedChars) sb.Append(line).Append('\n');
        }
    }

    private Process EnsureStarted()
    {
        if (_process is { HasExited: false } running) return running;
        _process?.Dispose();
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
        _process = p;
        return p;
    }

    private async Task KillAsync()
    {
        var p = _process;
        _process = null;
        if (p is null) return;
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
        var p = _process;
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
}

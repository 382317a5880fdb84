using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;

namespace Jail2Ban.Server.Logs;

/// <summary>What one finished journalctl run printed.</summary>
/// <param name="Lines">stdout lines.</param>
/// <param name="ExitCode">Process exit code.</param>
/// <param name="Errors">stderr (journalctl's reason, e.g. "Failed to open files: No such file or directory").</param>
internal sealed record JournalCtlResult(IReadOnlyList<string> Lines, int ExitCode, string Errors);

/// <summary>journalctl could not be run or refused to read the journal.</summary>
public sealed class JournalCtlException(string message, Exception? inner = null) : IOException(message, inner);

/// <summary>Runs journalctl; tests substitute canned output.</summary>
internal interface IJournalCtl
{
    /// <summary>Runs to completion. Throws <see cref="JournalCtlException"/> when journalctl cannot be started.</summary>
    Task<JournalCtlResult> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken);

    /// <summary>Runs until cancelled, yielding stdout lines. Throws <see cref="JournalCtlException"/>
    /// when it cannot be started or exits with an error (the message carries its stderr).</summary>
    IAsyncEnumerable<string> FollowAsync(IReadOnlyList<string> args, CancellationToken cancellationToken);
}

/// <summary>journalctl as a child process: stdout is the data, stderr is kept for error messages.</summary>
internal sealed class JournalCtlProcess(string executable = JournalCtlProcess.DefaultExecutable) : IJournalCtl
{
    public const string DefaultExecutable = "journalctl";
    private const int MaxErrorChars = 4096;

    public string Executable => executable;

    /// <summary>The full path journalctl resolves to through PATH, or null when it is not there.</summary>
    public string? Resolve()
    {
        if (executable.Contains('/', StringComparison.Ordinal))
        {
            return File.Exists(executable) ? executable : null;
        }
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var p = Path.Combine(dir, executable);
            if (File.Exists(p))
            {
                return p;
            }
        }
        return null;
    }

    public async Task<JournalCtlResult> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var errors = new StringBuilder();
        using var p = Start(args, errors);
        var lines = new List<string>();
        while (await p.StandardOutput.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            lines.Add(line);
        }
        await p.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        return new JournalCtlResult(lines, p.ExitCode, Text(errors));
    }

    public async IAsyncEnumerable<string> FollowAsync(IReadOnlyList<string> args, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var errors = new StringBuilder();
        using var p = Start(args, errors);
        try
        {
            while (true)
            {
                string? line;
                try
                {
                    line = await p.StandardOutput.ReadLineAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    yield break;
                }
                if (line is null)
                {
                    break;
                }
                yield return line;
            }
            await p.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            if (p.ExitCode != 0)
            {
                throw new JournalCtlException($"{executable} exited with code {p.ExitCode}: {Text(errors)}");
            }
        }
        finally
        {
            if (!p.HasExited)
            {
                p.Kill();
            }
        }
    }

    private Process Start(IReadOnlyList<string> args, StringBuilder errors)
    {
        var psi = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = new UTF8Encoding(false),
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        Process p;
        try
        {
            p = Process.Start(psi) ?? throw new JournalCtlException($"cannot run {executable}");
        }
        catch (Win32Exception e)
        {
            throw new JournalCtlException($"cannot run {executable} (the systemd backend needs it): {e.Message}", e);
        }
        p.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }
            lock (errors)
            {
                if (errors.Length < MaxErrorChars)
                {
                    errors.Append(e.Data).Append('\n');
                }
            }
        };
        p.BeginErrorReadLine();
        return p;
    }

    private static string Text(StringBuilder errors)
    {
        // WaitForExitAsync has waited for stderr's end, so this is all of it.
        lock (errors)
        {
            return errors.ToString().Trim();
        }
    }
}

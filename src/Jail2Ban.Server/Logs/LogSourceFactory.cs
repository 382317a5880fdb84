using System.Text.RegularExpressions;
using Jail2Ban.Server.Logging;
using Microsoft.Extensions.Logging;

namespace Jail2Ban.Server.Logs;

/// <summary>The backend a jail ends up with, and the message fail2ban logs about it.</summary>
/// <param name="Name">pyinotify, polling or systemd.</param>
/// <param name="Options">Bracket options, e.g. systemd's journalpath.</param>
/// <param name="Warning">"Could only initiated ..." when a fallback happened, else null.</param>
public sealed record BackendChoice(string Name, IReadOnlyDictionary<string, string> Options, string? Warning);

/// <summary>
/// Creates a jail's log source from its <c>backend</c> value with fail2ban's selection rule:
/// the list is pyinotify, gamin, polling, systemd; <c>auto</c> takes the first that works, an
/// explicit name tries itself and then the following ones. Our "pyinotify" is inotify through
/// FileSystemWatcher; gamin does not exist here, so it falls through to polling as it does on
/// any system without gamin.
/// </summary>
public sealed partial class LogSourceFactory(ILoggerFactory loggers, TimeProvider time, IPollTrigger? pollTrigger = null)
{
    private static readonly string[] Backends = ["pyinotify", "gamin", "polling", "systemd"];

    /// <summary>Whether a backend can run here (pyinotify needs Linux inotify; gamin never).</summary>
    internal Func<string, bool> IsAvailable { get; init; } = name => name switch
    {
        "pyinotify" => OperatingSystem.IsLinux(),
        "gamin" => false,
        _ => true,
    };

    internal IJournalCtl JournalCtl { get; init; } = new JournalCtlProcess();

    /// <summary>sd_journal_open flags when a systemd jail names neither a path nor files: fail2ban's
    /// $F2B_SYSTEMD_DEFAULT_FLAGS, else 4 (SYSTEM only).</summary>
    internal int DefaultJournalFlags { get; init; } =
        int.TryParse(Environment.GetEnvironmentVariable("F2B_SYSTEMD_DEFAULT_FLAGS"), System.Globalization.CultureInfo.InvariantCulture, out var f) ? f : JournalOptions.SystemOnly;

    /// <summary>
    /// Checks, when the jail is built, what fail2ban's journal reader checks when it opens the
    /// journal: the options, journalpath (a directory), journalfiles (each must match a file) and
    /// journalctl itself. fail2ban 1.0.2 fails a jail with a missing journalpath with a bare
    /// "No such file or directory"; the message here names the path (the caller adds the jail).
    /// Deliberate difference: journalfiles matching nothing is an error here, where 1.0.2's empty
    /// glob result makes python-systemd open the default system journal instead.
    /// File backends are only checked for a known name.
    /// </summary>
    public void Validate(string backend)
    {
        var choice = Choose(backend);
        if (choice.Name != "systemd")
        {
            return;
        }
        var options = JournalOptions.FromBackendOptions(choice.Options, DefaultJournalFlags);
        if (options.JournalPath is { } dir && !Directory.Exists(dir))
        {
            throw new JournalCtlException($"systemd backend: journalpath {dir} is not a directory");
        }
        foreach (var f in options.JournalFiles ?? [])
        {
            if (!GlobMatchesAFile(f))
            {
                throw new JournalCtlException($"systemd backend: journalfiles {f} matches no file");
            }
        }
        if (JournalCtl is JournalCtlProcess p && p.Resolve() is null)
        {
            throw new JournalCtlException($"systemd backend: {p.Executable} not found (install systemd's journalctl or use another backend)");
        }
    }

    // journalctl expands --file globs itself; * and ? in the file name are enough for the check.
    private static bool GlobMatchesAFile(string pattern)
    {
        if (pattern.IndexOfAny(['*', '?', '[']) < 0)
        {
            return File.Exists(pattern);
        }
        var dir = Path.GetDirectoryName(pattern);
        dir = string.IsNullOrEmpty(dir) ? "." : dir;
        try
        {
            return Directory.Exists(dir) && Directory.EnumerateFiles(dir, Path.GetFileName(pattern)).Any();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return false;
        }
    }

    public BackendChoice Choose(string backend)
    {
        var m = BackendRegex().Match(backend);
        var name = (m.Success ? m.Groups[1].Value : backend).Trim().ToLowerInvariant();
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        if (m.Success && m.Groups[2].Success)
        {
            foreach (Match o in OptionRegex().Matches(m.Groups[2].Value))
            {
                options[o.Groups[1].Value] = (o.Groups[2].Success ? o.Groups[2].Value : o.Groups[3].Success ? o.Groups[3].Value : o.Groups[4].Value).Trim();
            }
        }
        var start = 0;
        if (name != "auto")
        {
            start = Array.IndexOf(Backends, name);
            if (start < 0)
            {
                throw new ArgumentException($"Unknown backend {name}. Must be among ['{string.Join("', '", Backends)}'] or 'auto'");
            }
        }
        for (var i = start; i < Backends.Length; i++)
        {
            if (IsAvailable(Backends[i]))
            {
                var warning = name != "auto" && i != start ? $"Could only initiated '{Backends[i]}' backend whenever '{name}' was requested" : null;
                return new BackendChoice(Backends[i], options, warning);
            }
        }
        throw new ArgumentException($"Failed to initialize any backend for Jail '{name}'");
    }

    /// <summary>
    /// Builds the source. Cast the result to <see cref="IFileLogSource"/> or
    /// <see cref="IJournalLogSource"/> to configure files or journal matches.
    /// </summary>
    /// <param name="timeProbe">The jail's date detector for head-mode seeking (files only).</param>
    public ILogSource Create(string jail, string backend, Func<string, DateTimeOffset?>? timeProbe = null)
    {
        var choice = Choose(backend);
        var serverLog = loggers.CreateLogger("fail2ban.jail");
        if (choice.Warning is not null)
        {
            serverLog.LogWarning("{Warning}", choice.Warning);
        }
        else
        {
            serverLog.LogInformation("Initiated '{Backend}' backend", choice.Name);
        }
        var filterLog = loggers.CreateLogger("fail2ban.filter");
        return choice.Name switch
        {
            "pyinotify" => new FileLogSource(new InotifyMonitor(loggers.CreateLogger("fail2ban.filterpyinotify"), time), filterLog, time, timeProbe),
            "polling" => new FileLogSource(new PollingMonitor(pollTrigger ?? new TimerPollTrigger(time), loggers.CreateLogger("fail2ban.filterpoll")), filterLog, time, timeProbe),
            _ => new JournalLogSource(jail, JournalOptions.FromBackendOptions(choice.Options, DefaultJournalFlags), JournalCtl, loggers.CreateLogger("fail2ban.filtersystemd"), time),
        };
    }

    [GeneratedRegex(@"^([^\[]+)(?:\[(.*)\])?\s*$", RegexOptions.Singleline)]
    private static partial Regex BackendRegex();

    [GeneratedRegex("""([\w\-_\.]+)=(?:"([^"]*)"|'([^']*)'|([^,\]]*))""")]
    private static partial Regex OptionRegex();
}

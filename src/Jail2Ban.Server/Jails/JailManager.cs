using Jail2Ban.Core.Banning;
using Jail2Ban.Core.Configuration;
using Jail2Ban.Core.Filtering;
using Jail2Ban.Core.Filtering.Dates;
using Jail2Ban.Core.Net;
using Jail2Ban.Core.Time;
using Jail2Ban.Server.Control;
using Jail2Ban.Server.Logging;
using Jail2Ban.Server.Persistence;

namespace Jail2Ban.Server.Jails;

/// <summary>
/// The running server as the control socket sees it (§6.4): the jails in creation order, the ban
/// database, the server log. Jails come from the configuration (<see cref="ApplyAsync"/>); commands
/// act on them. Runs synchronously for the dispatcher, which serialises commands.
/// </summary>
internal sealed class JailManager : IServerControl, IAsyncDisposable
{
    private const string Logger = "fail2ban.server";
    private readonly JailServices _s;
    private readonly Func<string?, ConfigurationResult> _readConfig;
    private readonly Action _quit;
    private readonly Lock _lock = new();
    private readonly List<Jail> _jails = [];
    private ITimer? _purgeTimer;
    private string? _dbFile;
    private int? _dbMaxMatches;
    private long _dbPurgeAge = 86400;
    private bool _streaming;
    // Jails built by a reload stream, swapped in at its end (only when the jails came by stream, see ReloadJails).
    private List<Jail>? _staged;
    // True once a jail was created by `add` outside a reload: the configuration came over the socket
    // (the stock client's start stream to a --async server), so a reload stream is applied, not re-read.
    private bool _streamConfigured;

    /// <param name="readConfig">Reads the configuration (all jails, or the one named).</param>
    /// <param name="quit">Begins the server's orderly shutdown.</param>
    public JailManager(JailServices services, Func<string?, ConfigurationResult> readConfig, Action quit)
    {
        _s = services;
        _readConfig = readConfig;
        _quit = quit;
    }

    public string Version => ServerInfo.Version;

    public IReadOnlyList<string> Jails
    {
        get
        {
            lock (_lock) return [.. _jails.Select(j => j.Name)];
        }
    }

    internal Jail GetJail(string name)
    {
        lock (_lock)
        {
            if (_staged?.FirstOrDefault(j => j.Name == name) is { } staged) return staged;
            return _jails.FirstOrDefault(j => j.Name == name) ?? throw ControlCommandException.UnknownJail(name);
        }
    }

    internal IReadOnlyList<Jail> AllJails
    {
        get
        {
            lock (_lock) return [.. _jails];
        }
    }

    // ------------------------------------------------------------------ configuration

    /// <summary>
    /// Validates a whole configuration: every error (file:line) of the read, of rejected jails and of
    /// jails that cannot be built. Empty when it can be applied.
    /// </summary>
    internal List<string> Validate(ConfigurationResult config, out List<Jail> built)
    {
        built = [];
        var errors = config.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()).ToList();
        if (!config.Success && errors.Count == 0) errors.Add("Error: configuration read failed");
        foreach (var def in config.Jails)
        {
            if (def.ConfigError is { } ce)
            {
                errors.Add($"Error: jail '{def.Name}': {ce}");
                continue;
            }
            try
            {
                built.Add(new Jail(def, _s));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                errors.Add($"Error: jail '{def.Name}': {e.Message}");
            }
        }
        return errors;
    }

    /// <summary>
    /// Start-up (§6.1): database settings from fail2ban.conf, then every valid jail. A jail with an
    /// error is logged and skipped (fail2ban starts the others); returns false when no jail could be built
    /// although some were configured, or the read failed as a whole.
    /// </summary>
    internal async Task<bool> ApplyAsync(ConfigurationResult config, CancellationToken ct = default)
    {
        foreach (var d in config.Diagnostics)
        {
            var level = d.Severity switch
            {
                DiagnosticSeverity.Error => LogLevels.Error,
                DiagnosticSeverity.Warning => LogLevels.Warning,
                _ => LogLevels.Notice,
            };
            _s.Log.Log("fail2ban.configreader", level, d.Location is null ? d.Message : $"{d.Location}: {d.Message}");
        }
        if (config.Server is null) return false;
        ConfigureDatabase(config.Server);
        _s.Store?.DelAllJails();
        var errors = Validate(config, out var built);
        foreach (var e in errors)
        {
            _s.Log.Log(Logger, LogLevels.Error, e);
        }
        foreach (var jail in built)
        {
            lock (_lock) _jails.Add(jail);
            _s.Log.Log("fail2ban.jail", LogLevels.Info, $"Creating new jail '{jail.Name}'");
            await jail.StartAsync(ct).ConfigureAwait(false);
        }
        return config.Success;
    }

    private void ConfigureDatabase(ServerSettings server)
    {
        _dbPurgeAge = (long)TimeSpec.ToSeconds(server.DbPurgeAge).Value;
        _dbMaxMatches = server.DbMaxMatches is { } m ? (int)m : null;
        SetDbFile(server.DbFile);
    }

    // ------------------------------------------------------------------ server

    public void Quit() => _quit();

    public string GetLogLevel() => _s.Log.LevelText;

    public void SetLogLevel(string level)
    {
        if (!_s.Log.TrySetLevel(level, out var error)) throw ControlCommandException.ValueError(error ?? "Invalid log level " + level);
    }

    public string GetLogTarget() => _s.Log.Target ?? "";

    public bool SetLogTarget(string target) => _s.Log.SetTarget(target);

    public string GetSyslogSocket() => _s.Log.SyslogSocket;

    public bool SetSyslogSocket(string socket) => _s.Log.SetSyslogSocket(socket);

    public void SetAllowIpv6(string value)
    {
    }

    public object? GetThreadOptions() => new Protocol.Values.PyDict([new("stacksize", 0L)]);

    public object? SetThreadOptions(object? value) => GetThreadOptions();

    public string FlushLogs() => _s.Log.FlushLogs();

    public string? GetDbFile() => _dbFile;

    public void SetDbFile(string file)
    {
        if (_streaming || _staged is not null) return;
        _s.Store?.Dispose();
        _s.Store = null;
        _purgeTimer?.Dispose();
        _purgeTimer = null;
        _dbFile = null;
        if (string.IsNullOrWhiteSpace(file) || file.Trim().Equals("None", StringComparison.OrdinalIgnoreCase)) return;
        try
        {
            var store = BanStore.Open(file, _s.Time);
            store.PurgeAge = _dbPurgeAge;
            if (_dbMaxMatches is { } m) store.MaxMatches = m;
            _s.Store = store;
            _dbFile = file;
            // fail2ban purges hourly, the first time an hour after start.
            _purgeTimer = _s.Time.CreateTimer(_ => PurgeNow(), null, TimeSpan.FromHours(1), TimeSpan.FromHours(1));
            _s.Log.Log("fail2ban.database", LogLevels.Info, $"Connected to fail2ban persistent database '{file}'");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _s.Log.Log("fail2ban.database", LogLevels.Error, $"Unable to open database '{file}': {e.Message}");
            throw ControlCommandException.Invalid($"Unable to open database '{file}': {e.Message}");
        }
    }

    /// <summary>The hourly dbpurgeage purge (also called by tests).</summary>
    internal PurgeResult? PurgeNow()
    {
        try
        {
            return _s.Store?.Purge();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _s.Log.Log("fail2ban.database", LogLevels.Error, $"Purge failed: {e.Message}");
            return null;
        }
    }

    public int? GetDbMaxMatches() => _s.Store is null ? null : _s.Store.MaxMatches;

    public void SetDbMaxMatches(int value)
    {
        _dbMaxMatches = value;
        if (_s.Store is { } st) st.MaxMatches = value;
    }

    public long? GetDbPurgeAge() => _s.Store is null ? null : _dbPurgeAge;

    public void SetDbPurgeAge(string value)
    {
        _dbPurgeAge = (long)ToSeconds(value);
        if (_s.Store is { } st) st.PurgeAge = _dbPurgeAge;
    }

    private static double ToSeconds(string value)
    {
        try
        {
            return TimeSpec.ToSeconds(value).Value;
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw ControlCommandException.ValueError($"Invalid time value: {value}");
        }
    }

    // ------------------------------------------------------------------ reload

    /// <summary>
    /// The stream form of reload (stock fail2ban-client). When the jails came from our configuration
    /// directory, the commands in between describe the configuration we re-read ourselves at the end, so
    /// they are not applied one by one. When they came by stream (the stock client's start to a --async
    /// server, which gets no -c), the stream is the configuration: its jails are built aside (add, set...)
    /// and swapped in at the end exactly as a re-read configuration would be.
    /// </summary>
    public void ReloadJails(string jailOrAll, IReadOnlyList<string> options, bool begin)
    {
        if (begin)
        {
            if (_streamConfigured)
            {
                // 1.0.2: reloading a single jail that does not run is UnknownJail, unless --if-exists
                if (jailOrAll != "--all" && !options.Contains("--if-exists")) _ = GetJail(jailOrAll);
                lock (_lock) _staged = [];
                return;
            }
            _streaming = true;
            return;
        }
        _streaming = false;
        List<Jail>? staged;
        lock (_lock)
        {
            staged = _staged;
            _staged = null;
        }
        if (staged is null)
        {
            ReloadConfiguration(jailOrAll, options);
            return;
        }
        if (jailOrAll != "--all" && staged.All(j => j.Name != jailOrAll) && options.Contains("--if-exists")) return;
        SwapAsync(jailOrAll == "--all", staged, options).GetAwaiter().GetResult();
    }

    /// <summary>A reload stream failed: the jails it built are dropped and nothing changes.</summary>
    public void AbortReload()
    {
        _streaming = false;
        List<Jail>? staged;
        lock (_lock)
        {
            staged = _staged;
            _staged = null;
        }
        foreach (var j in staged ?? []) j.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    public void ReloadConfiguration(string jailOrAll, IReadOnlyList<string> options) =>
        ReloadAsync(jailOrAll, options).GetAwaiter().GetResult();

    /// <summary>
    /// Reload (§3.12): the new configuration is validated completely first — on any error nothing
    /// changes and every error is returned. Then removed jails stop, changed/new jails (re)start;
    /// bans survive through the database restore.
    /// </summary>
    internal async Task ReloadAsync(string jailOrAll, IReadOnlyList<string> options, CancellationToken ct = default)
    {
        var all = jailOrAll == "--all";
        var config = _readConfig(all ? null : jailOrAll);
        if (!all && config.Jails.All(j => j.Name != jailOrAll))
        {
            if (options.Contains("--if-exists")) return;
            throw ControlCommandException.Invalid($"Failed during configuration: No section: '{jailOrAll}'");
        }
        var errors = Validate(config, out var built);
        if (errors.Count > 0)
        {
            foreach (var e in errors) _s.Log.Log(Logger, LogLevels.Error, e);
            throw ControlCommandException.Invalid("Reload failed, configuration unchanged:\n" + string.Join("\n", errors));
        }
        await SwapAsync(all, built, options, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The second half of a reload: jails not in the new set stop (reload --all), kept jails are replaced
    /// by their new build (counters and failures carried over unless --restart), new jails start.
    /// </summary>
    private async Task SwapAsync(bool all, IReadOnlyList<Jail> built, IReadOnlyList<string> options, CancellationToken ct = default)
    {
        var unban = options.Contains("--unban");
        // --restart: stopped and created anew, counters from zero, bans back from the database (1.0.2)
        var restart = options.Contains("--restart");
        var newNames = built.Select(j => j.Name).ToHashSet(StringComparer.Ordinal);
        if (all)
        {
            foreach (var old in AllJails.Where(j => !newNames.Contains(j.Name)))
            {
                if (unban) await old.FlushAsync(deleteFromDb: true, ct).ConfigureAwait(false);
                await old.StopAsync(ct).ConfigureAwait(false);
                lock (_lock) _jails.Remove(old);
            }
        }
        foreach (var jail in built)
        {
            Jail? old;
            lock (_lock) old = _jails.FirstOrDefault(j => j.Name == jail.Name);
            if (old is not null)
            {
                if (unban) await old.FlushAsync(deleteFromDb: true, ct).ConfigureAwait(false);
                var keep = old.Backend == jail.Backend && !restart;
                if (keep)
                {
                    // fail2ban 1.0.2 keeps the jail object on reload (same backend, no --restart), so "Total
                    // banned" carries on. Our rebuilt jail restores the current bans from the database and
                    // counts them again, hence they are taken off the carried total.
                    jail.Bans.BanTotal = _s.Store is null ? old.Bans.BanTotal : Math.Max(0, old.Bans.BanTotal - old.Bans.Count);
                }
                await old.StopAsync(ct).ConfigureAwait(false);
                // ...and its fail manager: the failures counted so far ("Currently failed", "Total failed")
                // survive the reload (checked against 1.0.2: 2 failures, reload, status shows them).
                if (keep) jail.AdoptFailures(old);
                lock (_lock) _jails[_jails.IndexOf(old)] = jail;
            }
            else
            {
                lock (_lock) _jails.Add(jail);
            }
            await jail.StartAsync(ct).ConfigureAwait(false);
        }
        _s.Log.Log(Logger, LogLevels.Info, "Reload finished.");
    }

    public void LogConfigError(string message) => _s.Log.Log(Logger, LogLevels.Error, message);

    // ------------------------------------------------------------------ jail lifecycle

    /// <summary>fail2ban 1.0.2's backend names (gamin is accepted and falls back like auto).</summary>
    private static readonly string[] BackendNames = ["pyinotify", "gamin", "polling", "systemd"];

    /// <summary>
    /// <c>add &lt;jail&gt; [backend]</c> (§6.4): an empty jail the following set commands configure and
    /// <c>start</c> starts — the stock fail2ban-client's start stream, or a user by hand. Inside a
    /// reload stream it is a no-op: the reload re-reads the configuration itself.
    /// </summary>
    public void AddJail(string jail, string backend)
    {
        if (_streaming) return;
        if (_staged is { } staged)
        {
            lock (_lock)
            {
                if (staged.Any(j => j.Name == jail)) throw ControlCommandException.DuplicateJail(jail);
                staged.Add(CreateEmpty(jail, backend));
            }
            return;
        }
        var kind = backend.Split('[', 2)[0].Trim();
        if (kind != "auto" && !BackendNames.Contains(kind))
            throw ControlCommandException.ValueError($"Unknown backend {kind}. Must be among ['pyinotify', 'gamin', 'polling', 'systemd'] or 'auto'");
        lock (_lock)
        {
            // fail2ban 1.0.2 (Debian) answers a duplicate with a NameError from a bug; 1.1 and we say so plainly.
            if (_jails.Any(j => j.Name == jail)) throw ControlCommandException.DuplicateJail(jail);
            _jails.Add(CreateEmpty(jail, backend));
            _streamConfigured = true;
        }
        _s.Log.Log("fail2ban.jail", LogLevels.Info, $"Creating new jail '{jail}'");
    }

    /// <summary>An empty jail; a backend that cannot run here (e.g. no journalctl) is refused with its reason.</summary>
    private Jail CreateEmpty(string jail, string backend)
    {
        try
        {
            return Jail.CreateEmpty(jail, backend, _s);
        }
        catch (Exception e) when (e is not OutOfMemoryException and not ControlCommandException)
        {
            throw ControlCommandException.Invalid(e.Message);
        }
    }

    public void StartJail(string jail)
    {
        if (_streaming) return;
        var j = GetJail(jail);
        // a jail built by a reload stream starts when the reload ends
        if (_staged?.Contains(j) == true) return;
        if (!j.IsRunning) j.StartAsync().GetAwaiter().GetResult();
        j.Idle = false;
    }

    public void StopJail(string jail)
    {
        var j = GetJail(jail);
        j.StopAsync().GetAwaiter().GetResult();
        lock (_lock) _jails.Remove(j);
    }

    public void StopAllJails() => StopAllAsync().GetAwaiter().GetResult();

    internal async Task StopAllAsync(CancellationToken ct = default)
    {
        foreach (var j in AllJails.Reverse())
        {
            await j.StopAsync(ct).ConfigureAwait(false);
            lock (_lock) _jails.Remove(j);
        }
    }

    public void SetIdle(string jail, bool idle)
    {
        if (_streaming) return;
        GetJail(jail).Idle = idle;
    }

    public bool GetIdle(string jail) => GetJail(jail).Idle;

    public JailStatus GetJailStatus(string jail, string flavor)
    {
        var j = GetJail(jail);
        var journal = j.Backend.StartsWith("systemd", StringComparison.Ordinal);
        return new JailStatus(
            j.Backend,
            j.Fail.Count,
            (int)j.Fail.FailTotal,
            journal ? null : j.FileList,
            journal ? GetJournalMatch(jail) : null,
            j.Bans.Count,
            (int)j.Bans.BanTotal,
            j.Bans.GetBanList().Select(i => i.Text).ToList());
    }

    // ------------------------------------------------------------------ bans

    private static IPAddr ParseId(string id) => IPAddr.TryParse(id, out var a) && a is not null ? a : IPAddr.FromRaw(id);

    public int BanIps(string jail, IReadOnlyList<string> ids)
    {
        var j = GetJail(jail);
        var now = TimeFormat.Now(_s.Time);
        var tickets = new List<Ticket>();
        foreach (var id in ids)
        {
            var addr = ParseId(id);
            if (j.Bans.Contains(addr)) continue;
            tickets.Add(new Ticket(addr, now));
        }
        j.BanTicketsAsync(tickets).GetAwaiter().GetResult();
        return tickets.Count(t => j.Bans.Contains(t.Id));
    }

    public int UnbanIps(string? jail, IReadOnlyList<string> ids, bool reportAbsent)
    {
        var jails = jail is null ? AllJails : [GetJail(jail)];
        var count = 0;
        var missing = new List<string>();
        foreach (var id in ids)
        {
            var addr = ParseId(id);
            var found = false;
            foreach (var j in jails)
            {
                if (j.UnbanAsync(addr).GetAwaiter().GetResult()) found = true;
            }
            if (found) count++;
            else missing.Add(id);
        }
        if (reportAbsent && missing.Count > 0)
            throw ControlCommandException.ValueError($"not banned: [{string.Join(", ", missing.Select(m => $"'{m}'"))}]");
        return count;
    }

    public int UnbanAll()
    {
        var n = 0;
        foreach (var j in AllJails) n += j.FlushAsync(deleteFromDb: true).GetAwaiter().GetResult();
        return n;
    }

    public IReadOnlyList<string> GetBanned(string jail) => GetJail(jail).Bans.GetBanListOrdered();

    public bool IsBanned(string jail, string id) => GetJail(jail).Bans.Contains(ParseId(id));

    public IReadOnlyList<BanEntry> GetBanList(string jail)
    {
        var j = GetJail(jail);
        return j.Bans.GetOrderedTickets().Select(p => new BanEntry(
            p.Ticket.Id.Text,
            FromUnix(p.Ticket.Time),
            (long)p.Ticket.GetBanTime(j.Bans.BanTime),
            FromUnix(p.EndOfBan))).ToList();
    }

    private static DateTimeOffset FromUnix(double t) =>
        t >= TimeFormat.MaxRenderable ? DateTimeOffset.MaxValue : DateTimeOffset.UnixEpoch.AddTicks((long)(t * TimeSpan.TicksPerSecond));

    public int AddAttempt(string jail, string id, IReadOnlyList<string> failureLines)
    {
        var j = GetJail(jail);
        var t = new Ticket(ParseId(id), TimeFormat.Now(_s.Time), failureLines.Select(MatchLine.Plain));
        return j.AddFailure(t, TimeFormat.Now(_s.Time), attempt: true) ? 1 : 0;
    }

    // ------------------------------------------------------------------ filter

    public bool GetIgnoreSelf(string jail) => GetJail(jail).Ignore.IgnoreSelf;

    public void SetIgnoreSelf(string jail, bool value)
    {
        if (_streaming) return;
        GetJail(jail).Ignore.IgnoreSelf = value;
    }

    public IReadOnlyList<string> GetIgnoreIps(string jail) => GetJail(jail).Ignore.IgnoreIp.Entries.Select(e => e.ToString()).ToList();

    public void AddIgnoreIp(string jail, string value)
    {
        if (_streaming) return;
        var j = GetJail(jail);
        foreach (var ip in IgnoreList.SplitValue(value)) j.Ignore.IgnoreIp.Add(ip);
    }

    public void DelIgnoreIp(string jail, string value)
    {
        if (_streaming) return;
        GetJail(jail).Ignore.IgnoreIp.Remove(value);
    }

    public string? GetIgnoreCommand(string jail) => GetJail(jail).Ignore.IgnoreCommand;

    public void SetIgnoreCommand(string jail, string command)
    {
        if (_streaming) return;
        GetJail(jail).Ignore.IgnoreCommand = command.Length == 0 ? null : command;
    }

    public IgnoreCacheInfo? GetIgnoreCache(string jail) =>
        GetJail(jail).Ignore.Cache is { } c ? new IgnoreCacheInfo(c.Key, c.MaxCount, (long)c.MaxTime.Value) : null;

    public void SetIgnoreCache(string jail, string options)
    {
        if (_streaming) return;
        GetJail(jail).Ignore.Cache = IgnoreCacheOptions.Parse(options);
    }

    public IReadOnlyList<string> GetLogPaths(string jail)
    {
        var j = GetJail(jail);
        return IsJournal(j) ? [] : j.FileList;
    }

    private static bool IsJournal(Jail j) => j.Backend.StartsWith("systemd", StringComparison.Ordinal);

    public void AddLogPath(string jail, string path, bool tail)
    {
        if (_streaming) return;
        var j = GetJail(jail);
        // fail2ban ignores log paths for a journal jail
        if (!IsJournal(j)) j.AddLogPath(path, tail);
    }

    public void DelLogPath(string jail, string path)
    {
        if (_streaming) return;
        var j = GetJail(jail);
        if (!IsJournal(j)) j.DelLogPath(path);
    }

    /// <summary>The encoding as set, or the locale's (UTF-8) for auto, as fail2ban answers.</summary>
    public string GetLogEncoding(string jail) => GetJail(jail).LogEncoding ?? "UTF-8";

    public void SetLogEncoding(string jail, string encoding)
    {
        if (_streaming) return;
        try
        {
            GetJail(jail).SetLogEncoding(encoding);
        }
        catch (ArgumentException e)
        {
            throw ControlCommandException.Invalid(e.Message);
        }
    }

    public IReadOnlyList<IReadOnlyList<string>> GetJournalMatch(string jail)
    {
        var j = GetJail(jail);
        return IsJournal(j) ? j.JournalMatches : [];
    }

    public void AddJournalMatch(string jail, IReadOnlyList<string> match)
    {
        if (_streaming) return;
        var j = GetJail(jail);
        if (!IsJournal(j)) return; // fail2ban: only a journal filter has matches
        try
        {
            j.AddJournalMatch(match);
        }
        catch (ArgumentException e)
        {
            throw ControlCommandException.ValueError(e.Message);
        }
    }

    public void DelJournalMatch(string jail, IReadOnlyList<string> match)
    {
        if (_streaming) return;
        var j = GetJail(jail);
        if (!IsJournal(j)) return;
        try
        {
            j.DelJournalMatch(match);
        }
        catch (ArgumentException e)
        {
            throw ControlCommandException.ValueError(e.Message);
        }
    }

    public string? GetPrefRegex(string jail) => GetJail(jail).Filter.PrefRegex?.ToString();

    /// <summary>
    /// Applies a filter change to a running jail (the next line read uses it). A regex that does not
    /// compile or has no failure-id group is fail2ban's RegexException; nothing changes then.
    /// </summary>
    private void ChangeFilter(string jail, Func<FilterSettings, FilterSettings> change, bool zoneChange = false, string? zone = null)
    {
        var j = GetJail(jail);
        try
        {
            j.Reconfigure(change(j.FilterSettings), zoneChange ? zone : j.LogTimeZoneText);
        }
        catch (FilterRegexException e)
        {
            // fail2ban puts the compiler's reason on its own line
            _s.Log.Log("fail2ban.filter", LogLevels.Error, e.Message);
            throw ControlCommandException.RegexError(RegexReasonOnNewLine(e.Message));
        }
        catch (DatePatternException e)
        {
            throw ControlCommandException.Invalid(WithoutParamName(e));
        }
        catch (ArgumentException e)
        {
            throw ControlCommandException.Invalid(WithoutParamName(e));
        }
    }

    /// <summary>.NET appends " (Parameter 'x')" to an ArgumentException's message; fail2ban's text has none.</summary>
    private static string WithoutParamName(ArgumentException e) =>
        e.ParamName is { } p ? e.Message.Replace($" (Parameter '{p}')", "", StringComparison.Ordinal) : e.Message;

    private static string RegexReasonOnNewLine(string message)
    {
        const string Head = "Unable to compile regular expression '";
        var end = message.LastIndexOf("': ", StringComparison.Ordinal);
        return message.StartsWith(Head, StringComparison.Ordinal) && end > Head.Length
            ? message[..(end + 2)] + "\n" + message[(end + 3)..]
            : message;
    }

    public void SetPrefRegex(string jail, string regex)
    {
        if (_streaming) return;
        ChangeFilter(jail, f => f with { PrefRegex = string.IsNullOrEmpty(regex) ? null : regex });
    }

    public IReadOnlyList<string> GetFailRegex(string jail) => GetJail(jail).Filter.FailRegexes.Select(r => r.ToString() ?? "").ToList();

    public void AddFailRegex(string jail, string regex)
    {
        if (_streaming) return;
        ChangeFilter(jail, f => f with { FailRegex = [.. f.FailRegex, regex] });
    }

    /// <summary>An index that is not in the list is only logged (fail2ban: "Cannot remove regular expression").</summary>
    public void DelFailRegex(string jail, int index)
    {
        if (_streaming) return;
        ChangeFilter(jail, f => f with { FailRegex = RemoveAt(f.FailRegex, index) });
    }

    private List<string> RemoveAt(IReadOnlyList<string> list, int index)
    {
        var copy = list.ToList();
        // Python's del list[i] accepts negative indexes
        var i = index < 0 ? copy.Count + index : index;
        if (i < 0 || i >= copy.Count)
            _s.Log.Log("fail2ban.filter", LogLevels.Error, $"Cannot remove regular expression. Index {index} is not valid");
        else
            copy.RemoveAt(i);
        return copy;
    }

    public IReadOnlyList<string> GetIgnoreRegex(string jail) => GetJail(jail).Filter.IgnoreRegexes.Select(r => r.ToString() ?? "").ToList();

    public void AddIgnoreRegex(string jail, string regex)
    {
        if (_streaming) return;
        ChangeFilter(jail, f => f with { IgnoreRegex = [.. f.IgnoreRegex, regex] });
    }

    public void DelIgnoreRegex(string jail, int index)
    {
        if (_streaming) return;
        ChangeFilter(jail, f => f with { IgnoreRegex = RemoveAt(f.IgnoreRegex, index) });
    }

    public string GetUseDns(string jail) => GetJail(jail).FilterSettings.UseDns.ToString().ToLowerInvariant();

    /// <summary>yes/warn/no/raw; anything else is no (fail2ban's setUseDns).</summary>
    public void SetUseDns(string jail, string value)
    {
        if (_streaming) return;
        ChangeFilter(jail, f => f with { UseDns = FilterSettings.ParseUseDns(value) });
    }

    public long GetFindTime(string jail) => (long)GetJail(jail).Fail.FindTime;

    public void SetFindTime(string jail, string value)
    {
        if (_streaming) return;
        GetJail(jail).SetFindTime(ToSeconds(value));
    }

    /// <summary>(pattern, name) of a single custom template, else (None, "Default Detectors") as fail2ban 1.0.2.</summary>
    public DatePatternInfo? GetDatePattern(string jail) =>
        GetJail(jail).Detector.Describe() is { } d ? new DatePatternInfo(d.Pattern, d.Name) : new DatePatternInfo(null, "Default Detectors");

    public void SetDatePattern(string jail, string pattern)
    {
        if (_streaming) return;
        try
        {
            ChangeFilter(jail, f => f with { DatePattern = DateDetector.SplitDatePattern(pattern) });
        }
        catch (ControlCommandException e) when (!pattern.Contains('\n'))
        {
            throw ControlCommandException.Invalid($"Failed to set datepattern '{pattern}' (may be an invalid format or unescaped percent char): {e.Error.Message}");
        }
    }

    public string? GetLogTimeZone(string jail) => GetJail(jail).LogTimeZoneText;

    public void SetLogTimeZone(string jail, string tz)
    {
        if (_streaming) return;
        ChangeFilter(jail, f => f, zoneChange: true, zone: string.IsNullOrWhiteSpace(tz) ? null : tz);
    }

    public int GetMaxMatches(string jail) => GetJail(jail).Fail.MaxMatches;

    public void SetMaxMatches(string jail, int value)
    {
        if (_streaming) return;
        GetJail(jail).Fail.MaxMatches = value;
    }

    public int GetMaxRetry(string jail) => GetJail(jail).Fail.MaxRetry;

    public void SetMaxRetry(string jail, int value)
    {
        if (_streaming) return;
        GetJail(jail).Fail.MaxRetry = value;
    }

    public int GetMaxLines(string jail) => GetJail(jail).FilterSettings.MaxLines;

    public void SetMaxLines(string jail, int value)
    {
        if (_streaming) return;
        if (value <= 0) throw ControlCommandException.ValueError("maxlines must be integer greater than zero");
        ChangeFilter(jail, f => f with { MaxLines = value });
    }

    // ------------------------------------------------------------------ actions

    public long GetBanTime(string jail) => GetJail(jail).Bans.BanTime;

    public void SetBanTime(string jail, string value)
    {
        if (_streaming) return;
        var j = GetJail(jail);
        try
        {
            j.Bans.SetBanTime(TimeSpec.ToSeconds(value));
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw ControlCommandException.ValueError($"Invalid time value: {value}");
        }
    }

    public object? GetBanTimeExtra(string jail, string option)
    {
        var inc = GetJail(jail).Increment;
        return option switch
        {
            "increment" => inc.Enabled,
            "factor" => inc.FactorText,
            "formula" => inc.FormulaText,
            "multipliers" => inc.MultipliersText,
            "maxtime" => inc.MaxTime is { } m ? (long)m.Value : null,
            "rndtime" => inc.RndTime is { } r ? (long)r.Value : null,
            "overalljails" => inc.OverallJails,
            // fail2ban stores any other bantime.<x> on the jail and echoes it back
            _ => GetJail(jail).OtherBanTimeOptions.TryGetValue(option, out var v) ? v : null,
        };
    }

    public void SetBanTimeExtra(string jail, string option, string value)
    {
        if (_streaming) return;
        var j = GetJail(jail);
        var i = j.Increment;
        string? Txt(PyNumber? n) => n is { } v ? v.Value.ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
        bool enabled = i.Enabled, overall = i.OverallJails;
        string? factor = i.FactorText, formula = i.FormulaText, mult = i.MultipliersText, max = Txt(i.MaxTime), rnd = Txt(i.RndTime);
        switch (option)
        {
            case "increment": enabled = F2bBool.Parse(value); break;
            case "factor": factor = value; break;
            case "formula": formula = value; break;
            case "multipliers": mult = value; break;
            case "maxtime": max = value; break;
            case "rndtime": rnd = value; break;
            case "overalljails": overall = F2bBool.Parse(value); break;
            default:
                j.OtherBanTimeOptions[option] = value;
                return;
        }
        try
        {
            j.Increment = BanTimeIncrement.Create(enabled, factor, formula, mult, max, rnd, overall);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            throw ControlCommandException.ValueError(e.Message);
        }
    }

    public IReadOnlyList<string> GetActions(string jail) => GetJail(jail).Actions.Select(a => a.Name).ToList();

    /// <summary>
    /// <c>set &lt;jail&gt; addaction &lt;name&gt; [&lt;pythonfile&gt; &lt;json&gt;]</c>: an empty command action whose
    /// properties follow (<c>set &lt;jail&gt; action &lt;name&gt; &lt;prop&gt; &lt;value&gt;</c>). A running jail does not
    /// start it (fail2ban 1.0.2 neither): actionstart runs on demand or at the next jail start. Python
    /// actions are refused: Jail2Ban does not run Python.
    /// </summary>
    public void AddAction(string jail, string action, string? pythonFile, string? kwargsJson)
    {
        if (_streaming) return;
        var j = GetJail(jail);
        if (pythonFile is not null)
        {
            try
            {
                using var _ = System.Text.Json.JsonDocument.Parse(kwargsJson ?? "");
            }
            catch (System.Text.Json.JsonException e)
            {
                throw ControlCommandException.ValueError($"Invalid JSON arguments for action {action}: {e.Message}");
            }
            if (!File.Exists(pythonFile)) throw new FileNotFoundException("No such file or directory", pythonFile);
            throw ControlCommandException.Invalid(
                $"Python action '{action}' ({pythonFile}) is not supported by Jail2Ban: only command actions (action.d/*.conf) can be used");
        }
        try
        {
            j.AddAction(action);
        }
        catch (ArgumentException e)
        {
            throw ControlCommandException.ValueError(e.Message);
        }
    }

    public void DelAction(string jail, string action)
    {
        if (_streaming) return;
        if (!GetJail(jail).DelAction(action)) throw ControlCommandException.KeyError($"Invalid Action name: {action}");
    }

    private IJailAction GetAction(string jail, string action) =>
        GetJail(jail).Actions.FirstOrDefault(a => a.Name == action) ?? throw ControlCommandException.KeyError($"Invalid Action name: {action}");

    /// <summary>What a fail2ban CommandAction holds before any property is set (clearAllParams).</summary>
    private static readonly string[] CommandDefaults =
        ["actionban", "actioncheck", "actionflush", "actionreban", "actionreload", "actionrepair", "actionstart", "actionstop", "actionunban"];

    /// <summary>
    /// fail2ban lists the action object's attributes (dir()): the command keys, <c>banEpoch</c>, <c>timeout</c>
    /// and every property set, sorted. Python's regex constants (ESCAPE_CRE, ESCAPE_VN_CRE) are not
    /// properties of ours.
    /// </summary>
    public IReadOnlyList<string> GetActionProperties(string jail, string action)
    {
        var a = GetAction(jail, action);
        var names = new SortedSet<string>(a.Options.Keys, StringComparer.Ordinal);
        if (a is CommandJailAction)
        {
            names.UnionWith(CommandDefaults);
            names.Add("banEpoch");
            names.Add("timeout");
        }
        return [.. names];
    }

    /// <summary>The public methods of fail2ban 1.0.2's CommandAction, as its actionmethods lists them.</summary>
    private static readonly string[] CommandMethods =
    [
        "ban", "clearAllParams", "consistencyCheck", "escapeTag", "executeCmd", "flush", "invalidateBanEpoch", "prolong",
        "reban", "reload", "replaceDynamicTags", "replaceTag", "start", "stop", "unban",
    ];

    public IReadOnlyList<string> GetActionMethods(string jail, string action)
    {
        var a = GetAction(jail, action);
        return a is CommandJailAction ? CommandMethods : ["ban", "start", "stop", "unban"];
    }

    public object? GetActionProperty(string jail, string action, string property)
    {
        var a = GetAction(jail, action);
        if (a is CommandJailAction c)
        {
            switch (property)
            {
                case "timeout":
                    return PyNumberValue(c.Command.Definition.TimeoutSeconds);
                case "banEpoch":
                    return (long)c.Command.BanEpoch;
            }
            if (a.Options.TryGetValue(property, out var v)) return v;
            if (CommandDefaults.Contains(property)) return "";
            throw ControlCommandException.AttributeError($"'CommandAction' object has no attribute '{property}'");
        }
        return a.Options.TryGetValue(property, out var b) ? b : throw ControlCommandException.AttributeError($"'{a.GetType().Name}' object has no attribute '{property}'");
    }

    private static object PyNumberValue(double v) => v == Math.Floor(v) && Math.Abs(v) < 1e15 ? (object)(long)v : v;

    /// <summary>
    /// fail2ban's setattr on the action: the next command uses the new value (<c>timeout</c> goes through
    /// str2seconds). Returns what the action now holds.
    /// </summary>
    public object? SetActionProperty(string jail, string action, string property, string value)
    {
        if (_streaming) return null;
        var a = GetAction(jail, action);
        if (a is not CommandJailAction c)
            throw ControlCommandException.Invalid($"set {jail} action {action} {property}: built-in actions are configured in their action file (change it and reload)");
        if (property.StartsWith('_'))
            throw ControlCommandException.AttributeError($"'CommandAction' object attribute '{property}' is read-only");
        if (property == "timeout")
        {
            if (!Core.Actions.ActionTime.TryParseSeconds(value, out var secs, out var rendered))
                throw ControlCommandException.Invalid($"name '{value.Trim()}' is not defined");
            c.Command.SetOptionAsync(property, rendered).GetAwaiter().GetResult();
            return PyNumberValue(secs);
        }
        c.Command.SetOptionAsync(property, value).GetAwaiter().GetResult();
        return value;
    }

    /// <summary>
    /// <c>set &lt;jail&gt; action &lt;act&gt; &lt;method&gt; [json]</c>: the argument-less methods run (start, stop,
    /// flush, reload, consistencyCheck, clearAllParams, invalidateBanEpoch) and answer as fail2ban's do;
    /// those needing a ticket (ban, unban, ...) answer Python's missing-argument TypeError.
    /// </summary>
    public object? CallActionMethod(string jail, string action, string method, string? kwargsJson)
    {
        var a = GetAction(jail, action);
        if (a is not CommandJailAction c)
            throw ControlCommandException.Invalid($"set {jail} action {action} {method}: not supported for built-in actions");
        var kwargs = ParseKwargs(kwargsJson);
        if (kwargs.Count > 0)
            throw ControlCommandException.TypeError($"CommandAction.{method}() got an unexpected keyword argument '{kwargs[0]}'");
        var cmd = c.Command;
        try
        {
            switch (method)
            {
                case "start":
                    cmd.StartAsync().GetAwaiter().GetResult();
                    return true;
                case "stop":
                    cmd.StopAsync().GetAwaiter().GetResult();
                    return true;
                case "reload":
                    cmd.ReloadAsync().GetAwaiter().GetResult();
                    return true;
                case "flush":
                    return cmd.FlushAsync().GetAwaiter().GetResult();
                case "consistencyCheck":
                    return cmd.ConsistencyCheckAsync().GetAwaiter().GetResult();
                case "clearAllParams":
                    cmd.ClearOptionsAsync().GetAwaiter().GetResult();
                    return null;
                case "invalidateBanEpoch":
                    cmd.InvalidateBanEpoch();
                    return null;
                case "ban" or "unban" or "reban" or "prolong":
                    throw ControlCommandException.TypeError($"CommandAction.{method}() missing 1 required positional argument: 'aInfo'");
            }
        }
        catch (Core.Actions.ActionFailedException e)
        {
            throw ControlCommandException.Invalid(e.Message);
        }
        throw ControlCommandException.Invalid($"set {jail} action {action} {method}: calling this method is not supported by Jail2Ban");
    }

    /// <summary>The keyword names of a JSON object argument (fail2ban passes them as **kwargs).</summary>
    private static List<string> ParseKwargs(string? json)
    {
        if (string.IsNullOrWhiteSpace(json)) return [];
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != System.Text.Json.JsonValueKind.Object)
                throw ControlCommandException.TypeError("argument after ** must be a mapping");
            return doc.RootElement.EnumerateObject().Select(p => p.Name).ToList();
        }
        catch (System.Text.Json.JsonException e)
        {
            throw ControlCommandException.ValueError(e.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAllAsync().ConfigureAwait(false);
        _purgeTimer?.Dispose();
        _s.Store?.Dispose();
        _s.Store = null;
    }
}

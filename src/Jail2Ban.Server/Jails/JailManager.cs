using Jail2Ban.Core.Banning;
using Jail2Ban.Core.Configuration;
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
        if (_streaming) return;
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

    public void ReloadJails(string jailOrAll, IReadOnlyList<string> options, bool begin)
    {
        // The stream form of reload (stock fail2ban-client): the commands in between describe the
        // configuration we re-read ourselves at the end, so they are not applied one by one.
        _streaming = begin;
        if (!begin) ReloadConfiguration(jailOrAll, options);
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
        var unban = options.Contains("--unban");
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
                if (old.Backend == jail.Backend)
                {
                    // fail2ban 1.0.2 keeps the jail object on reload (same backend), so "Total failed" and
                    // "Total banned" carry on. Our rebuilt jail restores the current bans from the
                    // database and counts them again, hence they are taken off the carried total.
                    jail.Fail.FailTotal = old.Fail.FailTotal;
                    jail.Bans.BanTotal = _s.Store is null ? old.Bans.BanTotal : Math.Max(0, old.Bans.BanTotal - old.Bans.Count);
                }
                await old.StopAsync(ct).ConfigureAwait(false);
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

    public void AddJail(string jail, string backend)
    {
        if (_streaming) return;
        throw ControlCommandException.Invalid($"add {jail}: jails are created from the configuration (use reload)");
    }

    public void StartJail(string jail)
    {
        if (_streaming) return;
        GetJail(jail).StartAsync().GetAwaiter().GetResult();
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

    public IReadOnlyList<string> GetLogPaths(string jail) => GetJail(jail).FileList;

    public void AddLogPath(string jail, string path, bool tail)
    {
        if (_streaming) return;
        try
        {
            GetJail(jail).AddLogPath(path, tail);
        }
        catch (FileNotFoundException e)
        {
            throw ControlCommandException.Invalid(e.Message);
        }
    }

    public void DelLogPath(string jail, string path)
    {
        if (_streaming) return;
        GetJail(jail).DelLogPath(path);
    }

    public string GetLogEncoding(string jail) => GetJail(jail).Definition.Options.TryGetValue("logencoding", out var v) ? Jail.OptionText(v) ?? "auto" : "auto";

    public void SetLogEncoding(string jail, string encoding)
    {
        if (_streaming) return;
        throw NotRuntime(jail, "logencoding");
    }

    public IReadOnlyList<IReadOnlyList<string>> GetJournalMatch(string jail)
    {
        var m = GetJail(jail).Definition.Filter?.JournalMatch;
        if (string.IsNullOrWhiteSpace(m)) return [];
        return m.Split(" + ").Select(g => (IReadOnlyList<string>)g.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
    }

    public void AddJournalMatch(string jail, IReadOnlyList<string> match)
    {
        if (_streaming) return;
        throw NotRuntime(jail, "addjournalmatch");
    }

    public void DelJournalMatch(string jail, IReadOnlyList<string> match)
    {
        if (_streaming) return;
        throw NotRuntime(jail, "deljournalmatch");
    }

    public string? GetPrefRegex(string jail) => GetJail(jail).Filter.PrefRegex?.ToString();

    public void SetPrefRegex(string jail, string regex)
    {
        if (_streaming) return;
        throw NotRuntime(jail, "prefregex");
    }

    public IReadOnlyList<string> GetFailRegex(string jail) => GetJail(jail).Filter.FailRegexes.Select(r => r.ToString() ?? "").ToList();

    public void AddFailRegex(string jail, string regex)
    {
        if (_streaming) return;
        throw NotRuntime(jail, "addfailregex");
    }

    public void DelFailRegex(string jail, int index)
    {
        if (_streaming) return;
        throw NotRuntime(jail, "delfailregex");
    }

    public IReadOnlyList<string> GetIgnoreRegex(string jail) => GetJail(jail).Filter.IgnoreRegexes.Select(r => r.ToString() ?? "").ToList();

    public void AddIgnoreRegex(string jail, string regex)
    {
        if (_streaming) return;
        throw NotRuntime(jail, "addignoreregex");
    }

    public void DelIgnoreRegex(string jail, int index)
    {
        if (_streaming) return;
        throw NotRuntime(jail, "delignoreregex");
    }

    public string GetUseDns(string jail) => GetJail(jail).Filter.Options.UseDns.ToString().ToLowerInvariant();

    public void SetUseDns(string jail, string value)
    {
        if (_streaming) return;
        throw NotRuntime(jail, "usedns");
    }

    public long GetFindTime(string jail) => (long)GetJail(jail).Fail.FindTime;

    public void SetFindTime(string jail, string value)
    {
        if (_streaming) return;
        GetJail(jail).Fail.FindTime = ToSeconds(value);
    }

    public DatePatternInfo? GetDatePattern(string jail)
    {
        var p = GetJail(jail).Definition.Filter?.DatePattern;
        return string.IsNullOrEmpty(p) ? null : new DatePatternInfo(p, p);
    }

    public void SetDatePattern(string jail, string pattern)
    {
        if (_streaming) return;
        throw NotRuntime(jail, "datepattern");
    }

    public string? GetLogTimeZone(string jail) =>
        GetJail(jail).Definition.Options.TryGetValue("logtimezone", out var v) ? Jail.OptionText(v) : null;

    public void SetLogTimeZone(string jail, string tz)
    {
        if (_streaming) return;
        throw NotRuntime(jail, "logtimezone");
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

    public int GetMaxLines(string jail) => GetJail(jail).Filter.Options.MaxLines;

    public void SetMaxLines(string jail, int value)
    {
        if (_streaming) return;
        throw NotRuntime(jail, "maxlines");
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
            _ => throw ControlCommandException.Invalid($"Invalid command: bantime.{option}"),
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
            default: throw ControlCommandException.Invalid($"Invalid command: bantime.{option}");
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

    public void AddAction(string jail, string action, string? pythonFile, string? kwargsJson)
    {
        if (_streaming) return;
        throw NotRuntime(jail, "addaction");
    }

    public void DelAction(string jail, string action)
    {
        if (_streaming) return;
        throw NotRuntime(jail, "delaction");
    }

    private IJailAction GetAction(string jail, string action) =>
        GetJail(jail).Actions.FirstOrDefault(a => a.Name == action) ?? throw ControlCommandException.KeyError($"Invalid Action name: {action}");

    public IReadOnlyList<string> GetActionProperties(string jail, string action) => [.. GetAction(jail, action).Options.Keys];

    public IReadOnlyList<string> GetActionMethods(string jail, string action)
    {
        _ = GetAction(jail, action);
        return ["ban", "consistencyCheck", "flush", "prolong", "reban", "reload", "start", "stop", "unban"];
    }

    public object? GetActionProperty(string jail, string action, string property) =>
        GetAction(jail, action).Options.TryGetValue(property, out var v) ? v : throw ControlCommandException.Invalid($"Invalid property: {property}");

    public object? SetActionProperty(string jail, string action, string property, string value)
    {
        if (_streaming) return null;
        throw NotRuntime(jail, "action " + property);
    }

    public object? CallActionMethod(string jail, string action, string method, string? kwargsJson) => throw NotRuntime(jail, "action " + method);

    /// <summary>Settings that would need a rebuilt filter or action: changed through the configuration and reload.</summary>
    private ControlCommandException NotRuntime(string jail, string what)
    {
        _ = GetJail(jail);
        return ControlCommandException.Invalid($"set {jail} {what}: not supported at run time by Jail2Ban; change the configuration and reload");
    }

    public async ValueTask DisposeAsync()
    {
        await StopAllAsync().ConfigureAwait(false);
        _purgeTimer?.Dispose();
        _s.Store?.Dispose();
        _s.Store = null;
    }
}

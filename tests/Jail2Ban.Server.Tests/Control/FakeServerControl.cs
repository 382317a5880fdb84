using Jail2Ban.Protocol.Values;
using Jail2Ban.Server.Control;

namespace Jail2Ban.Server.Tests.Control;

/// <summary>
/// In-memory daemon for control-socket tests. It behaves like fail2ban for the state the tests
/// look at (jails, bans, properties) and records calls that have side effects (Quit, reload).
/// Shared by Jail2Ban.Server.Tests and Jail2Ban.Cli.Tests (linked source).
/// </summary>
public sealed class FakeServerControl : IServerControl
{
    public sealed class Jail(string name, string backend)
    {
        public string Name { get; } = name;
        public string Backend { get; set; } = backend;
        public bool Idle { get; set; }
        public int CurrentlyFailed { get; set; }
        public int TotalFailed { get; set; }
        public int TotalBanned { get; set; }
        public List<string> Banned { get; } = [];
        public List<string> LogPaths { get; } = [];
        public List<IReadOnlyList<string>> JournalMatches { get; } = [];
        public List<string> IgnoreIps { get; } = [];
        public bool IgnoreSelf { get; set; } = true;
        public string? IgnoreCommand { get; set; }
        public IgnoreCacheInfo? IgnoreCache { get; set; }
        public string LogEncoding { get; set; } = "UTF-8";
        public string? PrefRegex { get; set; }
        public List<string> FailRegex { get; } = [];
        public List<string> IgnoreRegex { get; } = [];
        public string UseDns { get; set; } = "warn";
        public long FindTime { get; set; } = 600;
        public long BanTime { get; set; } = 600;
        public DatePatternInfo? DatePattern { get; set; } = new(null, "Default Detectors");
        public string? LogTimeZone { get; set; }
        public int MaxRetry { get; set; } = 3;
        public int MaxMatches { get; set; } = 5;
        public int MaxLines { get; set; } = 1;
        public Dictionary<string, object?> BanTimeExtra { get; } = [];
        public Dictionary<string, Dictionary<string, object?>> Actions { get; } = [];
        public bool Started { get; set; }
    }

    private readonly List<Jail> _jails = [];
    private readonly TimeProvider _time;

    public FakeServerControl(TimeProvider? time = null) => _time = time ?? TimeProvider.System;

    public List<string> Calls { get; } = [];
    public bool QuitRequested { get; private set; }
    public string LogLevel { get; set; } = "INFO";
    public string LogTarget { get; set; } = "STDOUT";
    public string SyslogSocket { get; set; } = "auto";
    public string? DbFile { get; set; } = ":memory:";
    public int DbMaxMatches { get; set; } = 10;
    public long DbPurgeAge { get; set; } = 86400;

    public Jail AddTestJail(string name, string backend = "polling")
    {
        var j = new Jail(name, backend);
        _jails.Add(j);
        return j;
    }

    /// <summary>
    /// The state of the real fail2ban-server when the goldens were recorded
    /// (tests/Jail2Ban.Cli.Tests/Client/Golden/record.sh): one jail "test" with two bans.
    /// </summary>
    public static FakeServerControl GoldenScenario(string failRegex)
    {
        var f = new FakeServerControl();
        var j = f.AddTestJail("test");
        j.LogPaths.Add("/tmp/j2b-golden/test.log");
        j.IgnoreIps.AddRange(["198.51.100.0/24", "192.0.2.200"]);
        j.FailRegex.Add(failRegex);
        j.Actions["note"] = new Dictionary<string, object?> { ["actionban"] = "true", ["actionunban"] = "true" };
        f.BanIps("test", ["192.0.2.10", "192.0.2.20"]);
        return f;
    }

    private Jail J(string name) => _jails.FirstOrDefault(j => j.Name == name) ?? throw ControlCommandException.UnknownJail(name);

    private static Dictionary<string, object?> A(Jail j, string action) =>
        j.Actions.TryGetValue(action, out var a) ? a : throw ControlCommandException.KeyError($"Invalid Action name: {action}");

    /// <summary>A tiny stand-in for str2seconds: enough units for the tests.</summary>
    public static long Seconds(string v)
    {
        v = v.Trim();
        (string Suffix, long Factor)[] units = [("mo", 2629800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1)];
        foreach (var (suffix, factor) in units)
        {
            if (v.EndsWith(suffix, StringComparison.Ordinal) && long.TryParse(v[..^suffix.Length], out var n))
                return n * factor;
        }
        return long.Parse(v, System.Globalization.CultureInfo.InvariantCulture);
    }

    public string Version => "1.0.2";
    public IReadOnlyList<string> Jails => _jails.Select(j => j.Name).ToList();
    public void Quit() => QuitRequested = true;
    public string GetLogLevel() => LogLevel;
    public void SetLogLevel(string level) => LogLevel = level.ToUpperInvariant();
    public string GetLogTarget() => LogTarget;
    public bool SetLogTarget(string target)
    {
        if (target.StartsWith("/nonexistent", StringComparison.Ordinal))
            return false;
        LogTarget = target;
        return true;
    }
    public string GetSyslogSocket() => SyslogSocket;
    public bool SetSyslogSocket(string socket)
    {
        SyslogSocket = socket;
        return true;
    }
    public void SetAllowIpv6(string value) => Calls.Add("allowipv6 " + value);
    public object? GetThreadOptions() => new PyDict([new("stacksize", 0L)]);
    public object? SetThreadOptions(object? value) => null;
    public string FlushLogs() => "rolled over";
    public string? GetDbFile() => DbFile;
    public void SetDbFile(string file) => DbFile = file == "None" ? null : file;
    public int? GetDbMaxMatches() => DbFile is null ? null : DbMaxMatches;
    public void SetDbMaxMatches(int value) => DbMaxMatches = value;
    public long? GetDbPurgeAge() => DbFile is null ? null : DbPurgeAge;
    public void SetDbPurgeAge(string value) => DbPurgeAge = Seconds(value);
    public void ReloadJails(string jailOrAll, IReadOnlyList<string> options, bool begin) =>
        Calls.Add($"reload {(begin ? "begin" : "end")} {jailOrAll} [{string.Join(",", options)}]");
    public void AbortReload() => Calls.Add("reload abort");
    public void ReloadConfiguration(string jailOrAll, IReadOnlyList<string> options)
    {
        if (jailOrAll != "--all" && _jails.All(j => j.Name != jailOrAll))
            throw ControlCommandException.Invalid($"Failed during configuration: No section: '{jailOrAll}'");
        Calls.Add($"reload-config {jailOrAll} [{string.Join(",", options)}]");
    }
    public void LogConfigError(string message) => Calls.Add("config-error " + message);
    public void AddJail(string jail, string backend)
    {
        if (_jails.Any(j => j.Name == jail))
            throw ControlCommandException.DuplicateJail(jail);
        AddTestJail(jail, backend);
    }
    public void StartJail(string jail) => J(jail).Started = true;
    public void StopJail(string jail) => _jails.Remove(J(jail));
    public void StopAllJails() => _jails.Clear();
    public void SetIdle(string jail, bool idle) => J(jail).Idle = idle;
    public bool GetIdle(string jail) => J(jail).Idle;
    public JailStatus GetJailStatus(string jail, string flavor)
    {
        var j = J(jail);
        var journal = j.Backend == "systemd";
        return new JailStatus(j.Backend, j.CurrentlyFailed, j.TotalFailed, journal ? null : j.LogPaths,
            journal ? j.JournalMatches : null, j.Banned.Count, j.TotalBanned, j.Banned);
    }
    public int BanIps(string jail, IReadOnlyList<string> ids)
    {
        var j = J(jail);
        var n = 0;
        foreach (var id in ids)
        {
            if (j.Banned.Contains(id))
                continue;
            j.Banned.Add(id);
            j.TotalBanned++;
            n++;
        }
        return n;
    }
    public int UnbanIps(string? jail, IReadOnlyList<string> ids, bool reportAbsent)
    {
        var jails = jail is null ? _jails : [J(jail)];
        if (reportAbsent)
        {
            var missing = ids.Where(id => !jails.Any(j => j.Banned.Contains(id))).Cast<object?>().ToList();
            if (missing.Count > 0)
                throw ControlCommandException.ValueError("not banned: " + PyRepr.Repr(missing));
        }
        return jails.Sum(j => ids.Count(id => j.Banned.Remove(id)));
    }
    public int UnbanAll()
    {
        var n = _jails.Sum(j => j.Banned.Count);
        foreach (var j in _jails)
            j.Banned.Clear();
        return n;
    }
    public IReadOnlyList<string> GetBanned(string jail) => J(jail).Banned;
    public bool IsBanned(string jail, string id) => J(jail).Banned.Contains(id);
    public IReadOnlyList<BanEntry> GetBanList(string jail)
    {
        var j = J(jail);
        var start = new DateTimeOffset(2026, 11, 22, 5, 55, 20, TimeSpan.Zero);
        return j.Banned.Select(id => new BanEntry(id, start, j.BanTime, start.AddSeconds(j.BanTime))).ToList();
    }
    public int AddAttempt(string jail, string id, IReadOnlyList<string> failureLines)
    {
        var j = J(jail);
        j.CurrentlyFailed++;
        j.TotalFailed++;
        return 1;
    }
    public bool GetIgnoreSelf(string jail) => J(jail).IgnoreSelf;
    public void SetIgnoreSelf(string jail, bool value) => J(jail).IgnoreSelf = value;
    public IReadOnlyList<string> GetIgnoreIps(string jail) => J(jail).IgnoreIps;
    public void AddIgnoreIp(string jail, string value) => J(jail).IgnoreIps.Add(value);
    public void DelIgnoreIp(string jail, string value) => J(jail).IgnoreIps.Remove(value);
    public string? GetIgnoreCommand(string jail) => J(jail).IgnoreCommand;
    public void SetIgnoreCommand(string jail, string command) => J(jail).IgnoreCommand = command;
    public IgnoreCacheInfo? GetIgnoreCache(string jail) => J(jail).IgnoreCache;
    public void SetIgnoreCache(string jail, string options) => J(jail).IgnoreCache = new IgnoreCacheInfo("<ip>", 100, 300);
    public IReadOnlyList<string> GetLogPaths(string jail) => J(jail).LogPaths;
    public void AddLogPath(string jail, string path, bool tail) => J(jail).LogPaths.Add(path);
    public void DelLogPath(string jail, string path) => J(jail).LogPaths.Remove(path);
    public string GetLogEncoding(string jail) => J(jail).LogEncoding;
    public void SetLogEncoding(string jail, string encoding) => J(jail).LogEncoding = encoding;
    public IReadOnlyList<IReadOnlyList<string>> GetJournalMatch(string jail) => J(jail).JournalMatches;
    public void AddJournalMatch(string jail, IReadOnlyList<string> match) => J(jail).JournalMatches.Add(match);
    public void DelJournalMatch(string jail, IReadOnlyList<string> match) =>
        J(jail).JournalMatches.RemoveAll(m => m.SequenceEqual(match));
    public string? GetPrefRegex(string jail) => J(jail).PrefRegex;
    public void SetPrefRegex(string jail, string regex) => J(jail).PrefRegex = regex;
    public IReadOnlyList<string> GetFailRegex(string jail) => J(jail).FailRegex;
    public void AddFailRegex(string jail, string regex) => J(jail).FailRegex.Add(regex);
    public void DelFailRegex(string jail, int index) => J(jail).FailRegex.RemoveAt(index);
    public IReadOnlyList<string> GetIgnoreRegex(string jail) => J(jail).IgnoreRegex;
    public void AddIgnoreRegex(string jail, string regex) => J(jail).IgnoreRegex.Add(regex);
    public void DelIgnoreRegex(string jail, int index) => J(jail).IgnoreRegex.RemoveAt(index);
    public string GetUseDns(string jail) => J(jail).UseDns;
    public void SetUseDns(string jail, string value) => J(jail).UseDns = value;
    public long GetFindTime(string jail) => J(jail).FindTime;
    public void SetFindTime(string jail, string value) => J(jail).FindTime = Seconds(value);
    public DatePatternInfo? GetDatePattern(string jail) => J(jail).DatePattern;
    public void SetDatePattern(string jail, string pattern) => J(jail).DatePattern = new(pattern, pattern);
    public string? GetLogTimeZone(string jail) => J(jail).LogTimeZone;
    public void SetLogTimeZone(string jail, string tz) => J(jail).LogTimeZone = tz;
    public int GetMaxMatches(string jail) => J(jail).MaxMatches;
    public void SetMaxMatches(string jail, int value) => J(jail).MaxMatches = value;
    public int GetMaxRetry(string jail) => J(jail).MaxRetry;
    public void SetMaxRetry(string jail, int value) => J(jail).MaxRetry = value;
    public int GetMaxLines(string jail) => J(jail).MaxLines;
    public void SetMaxLines(string jail, int value) =>
        J(jail).MaxLines = value > 0 ? value : throw ControlCommandException.ValueError("maxlines must be at least 1");
    public long GetBanTime(string jail) => J(jail).BanTime;
    public void SetBanTime(string jail, string value) => J(jail).BanTime = Seconds(value);
    public object? GetBanTimeExtra(string jail, string option) => J(jail).BanTimeExtra.GetValueOrDefault(option);
    public void SetBanTimeExtra(string jail, string option, string value) =>
        J(jail).BanTimeExtra[option] = option == "increment" ? value.ToLowerInvariant() is "true" or "1" or "yes" or "on" : value;
    public IReadOnlyList<string> GetActions(string jail) => J(jail).Actions.Keys.ToList();
    public void AddAction(string jail, string action, string? pythonFile, string? kwargsJson) => J(jail).Actions[action] = [];
    public void DelAction(string jail, string action)
    {
        if (!J(jail).Actions.Remove(action))
            throw ControlCommandException.KeyError($"Invalid Action name: {action}");
    }
    public IReadOnlyList<string> GetActionProperties(string jail, string action) => A(J(jail), action).Keys.Order(StringComparer.Ordinal).ToList();
    public IReadOnlyList<string> GetActionMethods(string jail, string action)
    {
        A(J(jail), action);
        return ["ban", "flush", "start", "stop", "unban"];
    }
    public object? GetActionProperty(string jail, string action, string property) =>
        A(J(jail), action).TryGetValue(property, out var v)
            ? v
            : throw ControlCommandException.Invalid($"'CommandAction' object has no attribute '{property}'");
    public object? SetActionProperty(string jail, string action, string property, string value) => A(J(jail), action)[property] = value;
    public object? CallActionMethod(string jail, string action, string method, string? kwargsJson)
    {
        Calls.Add($"call {jail}/{action}.{method}({kwargsJson})");
        return null;
    }
}

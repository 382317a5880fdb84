namespace Jail2Ban.Server.Control;

/// <summary>
/// What the control socket needs from the running daemon. The jail runtime implements it; the
/// <see cref="ControlDispatcher"/> parses fail2ban's command lists (§6.4) and turns these typed
/// results into the reply shapes fail2ban's transmitter produces.
/// <para>Contract for implementers:</para>
/// <list type="bullet">
/// <item>Unknown jail → throw <see cref="ControlCommandException.UnknownJail"/>; duplicate add →
/// <see cref="ControlCommandException.DuplicateJail"/>; bad value → <see cref="ControlCommandException.ValueError"/>;
/// unknown action → <see cref="ControlCommandException.KeyError"/> with <c>"Invalid Action name: &lt;a&gt;"</c>.</item>
/// <item>Calls are serialised by the dispatcher (one command at a time, like fail2ban's asyncore loop),
/// but may run concurrently with the jails' own threads.</item>
/// <item>Time-valued setters receive the raw text (<c>"1h"</c>, <c>"600"</c>): converting with
/// fail2ban's str2seconds is the runtime's job; getters return seconds.</item>
/// </list>
/// </summary>
public interface IServerControl
{
    // --- server ---------------------------------------------------------------------------------
    string Version { get; }

    /// <summary>Jail names in creation order.</summary>
    IReadOnlyList<string> Jails { get; }

    /// <summary>Begin an orderly shutdown. Must return quickly: the reply is sent afterwards.</summary>
    void Quit();

    string GetLogLevel();
    void SetLogLevel(string level);
    string GetLogTarget();
    /// <returns>false when the target cannot be used (reply: "Failed to change log target").</returns>
    bool SetLogTarget(string target);
    string GetSyslogSocket();
    bool SetSyslogSocket(string socket);
    void SetAllowIpv6(string value);
    /// <summary>Returns e.g. <c>{'stacksize': 0}</c> as a dict value.</summary>
    object? GetThreadOptions();
    object? SetThreadOptions(object? value);
    /// <summary>"rolled over" (file target reopened) or "flushed".</summary>
    string FlushLogs();

    /// <summary>Database file name, or null when persistence is disabled.</summary>
    string? GetDbFile();
    void SetDbFile(string file);
    /// <summary>Null when there is no database.</summary>
    int? GetDbMaxMatches();
    void SetDbMaxMatches(int value);
    long? GetDbPurgeAge();
    void SetDbPurgeAge(string value);

    /// <summary>Reload protocol (§3.12): called with begin=true before the command stream, false after.</summary>
    void ReloadJails(string jailOrAll, IReadOnlyList<string> options, bool begin);
    /// <summary>A command of the reload stream failed: called instead of the end, nothing should change.</summary>
    void AbortReload()
    {
    }
    /// <summary>
    /// j2b-client's reload (<c>['reload', jail|'--all', [opts]]</c>, no stream): re-read the configuration
    /// and apply it. Options: --restart, --unban, --if-exists. A missing jail section should fail with
    /// <c>Failed during configuration: No section: '&lt;jail&gt;'</c> (<see cref="ControlCommandException.Invalid"/>).
    /// </summary>
    void ReloadConfiguration(string jailOrAll, IReadOnlyList<string> options);
    void LogConfigError(string message);

    // --- jail lifecycle ------------------------------------------------------------------------
    void AddJail(string jail, string backend);
    void StartJail(string jail);
    void StopJail(string jail);
    void StopAllJails();
    void SetIdle(string jail, bool idle);
    bool GetIdle(string jail);
    JailStatus GetJailStatus(string jail, string flavor);

    // --- bans ----------------------------------------------------------------------------------
    /// <returns>Number of newly banned tickets.</returns>
    int BanIps(string jail, IReadOnlyList<string> ids);
    /// <summary>Unban in one jail (or all jails when <paramref name="jail"/> is null).</summary>
    /// <param name="reportAbsent">Throw ValueError <c>not banned: [...]</c> for ids that are not banned.</param>
    int UnbanIps(string? jail, IReadOnlyList<string> ids, bool reportAbsent);
    /// <summary>Unban every ticket of every jail (and clear the database).</summary>
    int UnbanAll();
    IReadOnlyList<string> GetBanned(string jail);
    bool IsBanned(string jail, string id);
    /// <summary>Banned tickets ordered by end of ban.</summary>
    IReadOnlyList<BanEntry> GetBanList(string jail);
    /// <summary><c>set &lt;jail&gt; attempt &lt;ip&gt; [lines]</c>: 1, or 0 when ignored.</summary>
    int AddAttempt(string jail, string id, IReadOnlyList<string> failureLines);

    // --- filter --------------------------------------------------------------------------------
    bool GetIgnoreSelf(string jail);
    void SetIgnoreSelf(string jail, bool value);
    IReadOnlyList<string> GetIgnoreIps(string jail);
    void AddIgnoreIp(string jail, string value);
    void DelIgnoreIp(string jail, string value);
    /// <summary>Null when unset (transmitted as <c>False</c>, as fail2ban does).</summary>
    string? GetIgnoreCommand(string jail);
    void SetIgnoreCommand(string jail, string command);
    IgnoreCacheInfo? GetIgnoreCache(string jail);
    void SetIgnoreCache(string jail, string options);
    IReadOnlyList<string> GetLogPaths(string jail);
    void AddLogPath(string jail, string path, bool tail);
    void DelLogPath(string jail, string path);
    string GetLogEncoding(string jail);
    void SetLogEncoding(string jail, string encoding);
    IReadOnlyList<IReadOnlyList<string>> GetJournalMatch(string jail);
    void AddJournalMatch(string jail, IReadOnlyList<string> match);
    void DelJournalMatch(string jail, IReadOnlyList<string> match);
    /// <summary>The compiled prefregex text, or null when none.</summary>
    string? GetPrefRegex(string jail);
    void SetPrefRegex(string jail, string regex);
    IReadOnlyList<string> GetFailRegex(string jail);
    void AddFailRegex(string jail, string regex);
    void DelFailRegex(string jail, int index);
    IReadOnlyList<string> GetIgnoreRegex(string jail);
    void AddIgnoreRegex(string jail, string regex);
    void DelIgnoreRegex(string jail, int index);
    string GetUseDns(string jail);
    void SetUseDns(string jail, string value);
    long GetFindTime(string jail);
    void SetFindTime(string jail, string value);
    /// <summary>Null = "Not set/required".</summary>
    DatePatternInfo? GetDatePattern(string jail);
    void SetDatePattern(string jail, string pattern);
    string? GetLogTimeZone(string jail);
    void SetLogTimeZone(string jail, string tz);
    int GetMaxMatches(string jail);
    void SetMaxMatches(string jail, int value);
    int GetMaxRetry(string jail);
    void SetMaxRetry(string jail, int value);
    int GetMaxLines(string jail);
    void SetMaxLines(string jail, int value);

    // --- actions -------------------------------------------------------------------------------
    long GetBanTime(string jail);
    void SetBanTime(string jail, string value);
    /// <summary><c>bantime.&lt;opt&gt;</c>: increment (bool), factor, formula, multipliers, maxtime, rndtime, overalljails.</summary>
    object? GetBanTimeExtra(string jail, string option);
    void SetBanTimeExtra(string jail, string option, string value);
    IReadOnlyList<string> GetActions(string jail);
    void AddAction(string jail, string action, string? pythonFile, string? kwargsJson);
    void DelAction(string jail, string action);
    IReadOnlyList<string> GetActionProperties(string jail, string action);
    IReadOnlyList<string> GetActionMethods(string jail, string action);
    object? GetActionProperty(string jail, string action, string property);
    /// <returns>The value the action now holds (e.g. timeout converted to seconds).</returns>
    object? SetActionProperty(string jail, string action, string property, string value);
    object? CallActionMethod(string jail, string action, string method, string? kwargsJson);
}

/// <summary>What <c>status &lt;jail&gt;</c> reports (§3.11).</summary>
/// <param name="FileList">Monitored files (file backends), null for journal backends.</param>
/// <param name="JournalMatches">Journal match groups (systemd backend), null otherwise.</param>
public sealed record JailStatus(
    string Backend,
    int CurrentlyFailed,
    int TotalFailed,
    IReadOnlyList<string>? FileList,
    IReadOnlyList<IReadOnlyList<string>>? JournalMatches,
    int CurrentlyBanned,
    int TotalBanned,
    IReadOnlyList<string> BannedIps);

/// <summary>One banned ticket for <c>get &lt;jail&gt; banip --with-time</c>.</summary>
public sealed record BanEntry(string Id, DateTimeOffset Start, long BanTimeSeconds, DateTimeOffset End);

/// <summary><c>get &lt;jail&gt; datepattern</c>: (pattern, name); pattern null for the default detectors.</summary>
public sealed record DatePatternInfo(string? Pattern, string Name);

/// <summary><c>ignorecache</c> options: key template, max-count, max-time (seconds).</summary>
public sealed record IgnoreCacheInfo(string Key, int MaxCount, long MaxTime);

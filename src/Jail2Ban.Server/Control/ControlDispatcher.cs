using System.Globalization;
using Jail2Ban.Protocol;
using Jail2Ban.Protocol.Values;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jail2Ban.Server.Control;

/// <summary>
/// fail2ban's Transmitter: turns one command list into a <see cref="ControlReply"/> shaped exactly
/// like fail2ban's (tuples, lists, ints, None...), so that the Python fail2ban-client's beautifier
/// and j2b-client print the same text. Not thread-safe: the listener serialises calls.
/// <para>To add a command: add a branch in <see cref="Handle"/> (or Set/Get), return the value
/// fail2ban's transmitter returns, honour <c>_quiet</c> for set-commands, and add a row to the
/// dispatcher tests.</para>
/// </summary>
public sealed partial class ControlDispatcher(IServerControl server, TimeProvider? time = null, ILogger<ControlDispatcher>? logger = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ILogger _log = (ILogger?)logger ?? NullLogger.Instance;

    // Inside server-stream/reload, set-commands return nothing (fail2ban's __quiet).
    private bool _quiet;

    public async ValueTask<ControlReply> DispatchAsync(IReadOnlyList<object?> command, CancellationToken ct = default)
    {
        try
        {
            // "sleep" is the only command that waits; everything else is synchronous.
            if (command.Count >= 1 && command[0] is "sleep")
            {
                var seconds = ParseFloat(new Args(command), 1);
                await Task.Delay(TimeSpan.FromSeconds(Math.Clamp(seconds, 0, 3600)), _time, ct).ConfigureAwait(false);
                return ControlReply.Ok(null);
            }
            return ControlReply.Ok(Handle(new Args(command)));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var error = ToPyException(e);
            LogFailed(_log, PyRepr.Repr(command), PyRepr.Repr(error));
            return ControlReply.Fail(error);
        }
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Error, Message = "Command {Command} has failed. Received {Error}")]
    private static partial void LogFailed(ILogger logger, string command, string error);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Error, Message = "{Message}")]
    private static partial void LogConfigError(ILogger logger, string message);

    /// <summary>Maps .NET failures onto the Python exception classes fail2ban would raise.</summary>
    internal static PyException ToPyException(Exception e) => e switch
    {
        ControlCommandException c => c.Error,
        ArgumentOutOfRangeException or IndexOutOfRangeException => PyException.Builtin("IndexError", "list index out of range"),
        FormatException or OverflowException => PyException.Builtin("ValueError", e.Message),
        KeyNotFoundException => PyException.Builtin("KeyError", e.Message),
        FileNotFoundException f => PyException.Builtin("FileNotFoundError", 2L, "No such file or directory", f.FileName),
        _ => PyException.Builtin("Exception", e.Message),
    };

    /// <summary>Positional access with Python's semantics: a missing item is an IndexError.</summary>
    private readonly struct Args(IReadOnlyList<object?> items)
    {
        public int Count => items.Count;

        public object? Raw(int i) => i < items.Count ? items[i] : throw ControlCommandException.IndexError();

        public string this[int i] => PyRepr.Str(Raw(i));

        public string? Opt(int i) => i < items.Count ? PyRepr.Str(items[i]) : null;

        public List<string> From(int i) => items.Skip(i).Select(PyRepr.Str).ToList();

        public Args Skip1() => new(items.Skip(1).ToList());
    }

    private object? Handle(Args c)
    {
        var name = c[0];
        switch (name)
        {
            case "ping":
                return "pong";
            case "add":
            {
                var jail = c[1];
                if (jail == "--all")
                    throw ControlCommandException.Invalid($"Reserved name {PyRepr.Repr(jail)}");
                server.AddJail(jail, c.Opt(2) ?? "auto");
                return jail;
            }
            case "multi-set":
                return Set(c.Skip1(), multiple: true);
            case "set":
                return Set(c.Skip1(), multiple: false);
            case "start":
                server.StartJail(c[1]);
                return null;
            case "stop":
                if (c.Count == 1)
                    server.Quit();
                else if (c[1] == "--all")
                    server.StopAllJails();
                else
                    server.StopJail(c[1]);
                return null;
            case "reload":
            {
                var jail = c[1];
                var opts = c.Raw(2) is List<object?> o ? o.Select(PyRepr.Str).ToList() : [];
                if (c.Count == 3)
                {
                    // j2b-client's form: no command stream, the daemon re-reads its configuration.
                    server.ReloadConfiguration(jail, opts);
                    return "OK";
                }
                _quiet = true;
                var streamed = false;
                try
                {
                    server.ReloadJails(jail, opts, begin: true);
                    foreach (var cmd in AsCommandList(c.Raw(3)))
                        Handle(new Args(cmd));
                    streamed = true;
                }
                finally
                {
                    _quiet = false;
                    // fail2ban commits even after a failed command (and loses the jails not re-added yet);
                    // Jail2Ban changes nothing then.
                    if (streamed)
                        server.ReloadJails(jail, opts, begin: false);
                    else
                        server.AbortReload();
                }
                return "OK";
            }
            case "unban" when c.Count >= 2:
            {
                var ids = c.From(1);
                if (ids is ["--all"])
                    return (long)server.UnbanAll();
                return (long)server.UnbanIps(null, ids, reportAbsent: false);
            }
            case "banned":
                return BannedAll(c.From(1));
            case "echo":
                return c.From(1);
            case "server-status":
                return "Server ready";
            case "server-stream":
                _quiet = true;
                try
                {
                    foreach (var cmd in AsCommandList(c.Raw(1)))
                        Handle(new Args(cmd));
                }
                finally
                {
                    _quiet = false;
                }
                return null;
            case "flushlogs":
                return server.FlushLogs();
            case "get":
                return Get(c.Skip1());
            case "status":
                return Status(c.Skip1());
            case "stats" or "statistic" or "statistics":
                return Stats();
            case "version":
                return server.Version;
            case "config-error":
                var message = c[1];
                server.LogConfigError(message);
                LogConfigError(_log, message);
                return null;
        }
        throw ControlCommandException.Invalid("Invalid command");
    }

    private static IEnumerable<IReadOnlyList<object?>> AsCommandList(object? value)
    {
        if (value is not List<object?> list)
            throw ControlCommandException.Invalid("Invalid command");
        foreach (var item in list)
        {
            yield return item switch
            {
                List<object?> l => l,
                PyTuple t => t.Items,
                _ => throw ControlCommandException.Invalid("Invalid command"),
            };
        }
    }

    private object? Quiet(Func<object?> value) => _quiet ? null : value();

    private object? Set(Args c, bool multiple)
    {
        var name = c[0];
        switch (name)
        {
            case "loglevel":
                server.SetLogLevel(c[1]);
                return Quiet(server.GetLogLevel);
            case "logtarget":
                if (!server.SetLogTarget(c[1]))
                    throw ControlCommandException.Invalid("Failed to change log target");
                return Quiet(server.GetLogTarget);
            case "syslogsocket":
                if (!server.SetSyslogSocket(c[1]))
                    throw ControlCommandException.Invalid("Failed to change syslog socket");
                return Quiet(server.GetSyslogSocket);
            case "allowipv6":
            {
                var value = c[1];
                server.SetAllowIpv6(value);
                return Quiet(() => value);
            }
            case "thread":
                return server.SetThreadOptions(c.Raw(1));
            case "dbfile":
                server.SetDbFile(c[1]);
                var db = server.GetDbFile();
                return db is null ? null : Quiet(() => db);
            case "dbmaxmatches":
                if (server.GetDbMaxMatches() is null)
                    return null;
                server.SetDbMaxMatches(ParseInt(c, 1));
                return Quiet(() => (long?)server.GetDbMaxMatches());
            case "dbpurgeage":
                if (server.GetDbPurgeAge() is null)
                    return null;
                server.SetDbPurgeAge(c[1]);
                return Quiet(() => server.GetDbPurgeAge());
        }

        var jail = name;
        var prop = c[1];
        switch (prop)
        {
            case "idle":
                var idle = c[2] switch
                {
                    "on" => true,
                    "off" => false,
                    _ => throw ControlCommandException.Invalid("Invalid idle option, must be 'on' or 'off'"),
                };
                server.SetIdle(jail, idle);
                return Quiet(() => server.GetIdle(jail));
            case "ignoreself":
                server.SetIgnoreSelf(jail, ParseBool(c[2]));
                return Quiet(() => server.GetIgnoreSelf(jail));
            case "addignoreip":
                foreach (var v in c.From(2))
                    server.AddIgnoreIp(jail, v);
                return Quiet(() => server.GetIgnoreIps(jail).ToList());
            case "delignoreip":
                server.DelIgnoreIp(jail, c[2]);
                return Quiet(() => server.GetIgnoreIps(jail).ToList());
            case "ignorecommand":
                server.SetIgnoreCommand(jail, c[2]);
                return Quiet(() => (object?)server.GetIgnoreCommand(jail) ?? false);
            case "ignorecache":
                server.SetIgnoreCache(jail, c[2]);
                return Quiet(() => IgnoreCache(server.GetIgnoreCache(jail)));
            case "addlogpath":
            {
                var path = c[2];
                var tail = false;
                if (c.Count == 4)
                {
                    var opt = c[3].ToLowerInvariant();
                    if (opt == "tail")
                        tail = true;
                    else if (opt != "head")
                        throw ControlCommandException.ValueError("File option must be 'head' or 'tail'");
                }
                else if (c.Count > 4)
                {
                    throw ControlCommandException.ValueError("Only one file can be added at a time");
                }
                server.AddLogPath(jail, path, tail);
                return Quiet(() => server.GetLogPaths(jail).ToList());
            }
            case "dellogpath":
                server.DelLogPath(jail, c[2]);
                return Quiet(() => server.GetLogPaths(jail).ToList());
            case "logencoding":
                server.SetLogEncoding(jail, c[2]);
                return Quiet(() => server.GetLogEncoding(jail));
            case "addjournalmatch":
                server.AddJournalMatch(jail, c.From(2));
                return Quiet(() => JournalMatch(jail));
            case "deljournalmatch":
                server.DelJournalMatch(jail, c.From(2));
                return Quiet(() => JournalMatch(jail));
            case "prefregex":
                server.SetPrefRegex(jail, c[2]);
                return Quiet(() => server.GetPrefRegex(jail) ?? "");
            case "addfailregex":
                AddRegexes(c.Raw(2), multiple, r => server.AddFailRegex(jail, r));
                if (multiple)
                    return true;
                return Quiet(() => server.GetFailRegex(jail).ToList());
            case "delfailregex":
                server.DelFailRegex(jail, ParseInt(c, 2));
                return Quiet(() => server.GetFailRegex(jail).ToList());
            case "addignoreregex":
                AddRegexes(c.Raw(2), multiple, r => server.AddIgnoreRegex(jail, r));
                if (multiple)
                    return true;
                return Quiet(() => server.GetIgnoreRegex(jail).ToList());
            case "delignoreregex":
                server.DelIgnoreRegex(jail, ParseInt(c, 2));
                return Quiet(() => server.GetIgnoreRegex(jail).ToList());
            case "usedns":
                server.SetUseDns(jail, c[2]);
                return Quiet(() => server.GetUseDns(jail));
            case "findtime":
                server.SetFindTime(jail, c[2]);
                return Quiet(() => server.GetFindTime(jail));
            case "datepattern":
                server.SetDatePattern(jail, c[2]);
                return Quiet(() => DatePattern(server.GetDatePattern(jail)));
            case "logtimezone":
                server.SetLogTimeZone(jail, c[2]);
                return Quiet(() => server.GetLogTimeZone(jail));
            case "maxmatches":
                server.SetMaxMatches(jail, ParseInt(c, 2));
                return Quiet(() => (long)server.GetMaxMatches(jail));
            case "maxretry":
                server.SetMaxRetry(jail, ParseInt(c, 2));
                return Quiet(() => (long)server.GetMaxRetry(jail));
            case "maxlines":
                server.SetMaxLines(jail, ParseInt(c, 2));
                return Quiet(() => (long)server.GetMaxLines(jail));
            case "bantime":
                server.SetBanTime(jail, c[2]);
                return Quiet(() => server.GetBanTime(jail));
            case "attempt":
            {
                var values = c.From(2);
                if (_quiet)
                    return null;
                if (values.Count == 0)
                    throw ControlCommandException.IndexError();
                return (long)server.AddAttempt(jail, values[0], values.Skip(1).ToList());
            }
            case "banip":
                return (long)server.BanIps(jail, c.From(2));
            case "unbanip":
                if (c[2] != "--report-absent")
                    return (long)server.UnbanIps(jail, c.From(2), reportAbsent: false);
                return (long)server.UnbanIps(jail, c.From(3), reportAbsent: true);
            case "addaction":
            {
                var action = c[2];
                string? file = null, kwargs = null;
                if (c.Count > 3)
                {
                    file = c[3];
                    kwargs = c[4];
                }
                server.AddAction(jail, action, file, kwargs);
                return Quiet(() => action);
            }
            case "delaction":
                server.DelAction(jail, c[2]);
                return null;
            case "action":
                return SetAction(c, jail, multiple);
        }
        if (prop.StartsWith("bantime.", StringComparison.Ordinal))
        {
            var opt = prop["bantime.".Length..];
            server.SetBanTimeExtra(jail, opt, c[2]);
            return Quiet(() => server.GetBanTimeExtra(jail, opt));
        }
        throw ControlCommandException.Invalid($"Invalid command {PyRepr.Repr(prop)} (no set action or not yet implemented)");
    }

    private static void AddRegexes(object? value, bool multiple, Action<string> add)
    {
        // multi-set sends a list of regexes in one command.
        if (multiple && value is List<object?> list)
        {
            foreach (var r in list)
                add(PyRepr.Str(r));
            return;
        }
        add(PyRepr.Str(value));
    }

    private object? SetAction(Args c, string jail, bool multiple)
    {
        var action = c[2];
        if (multiple)
        {
            foreach (var pair in AsCommandList(c.Raw(3)))
            {
                var key = PyRepr.Str(pair.Count > 0 ? pair[0] : throw ControlCommandException.IndexError());
                if (server.GetActionMethods(jail, action).Contains(key))
                    server.CallActionMethod(jail, action, key, pair.Count > 1 ? PyRepr.Str(pair[1]) : null);
                else
                    server.SetActionProperty(jail, action, key, pair.Count > 1 ? PyRepr.Str(pair[1]) : throw ControlCommandException.IndexError());
            }
            return true;
        }
        var prop = c[3];
        if (server.GetActionMethods(jail, action).Contains(prop))
        {
            if (_quiet)
                return null;
            return server.CallActionMethod(jail, action, prop, c.Opt(4));
        }
        var result = server.SetActionProperty(jail, action, prop, c[4]);
        return Quiet(() => result);
    }

    private object? Get(Args c)
    {
        var name = c[0];
        switch (name)
        {
            case "loglevel": return server.GetLogLevel();
            case "logtarget": return server.GetLogTarget();
            case "syslogsocket": return server.GetSyslogSocket();
            case "thread": return server.GetThreadOptions();
            case "dbfile": return server.GetDbFile();
            case "dbmaxmatches": return (long?)server.GetDbMaxMatches();
            case "dbpurgeage": return server.GetDbPurgeAge();
        }
        var jail = name;
        var prop = c[1];
        switch (prop)
        {
            case "banned":
            {
                var ids = c.From(2);
                if (ids.Count == 0)
                    return server.GetBanned(jail).ToList();
                if (ids.Count == 1)
                    return server.IsBanned(jail, ids[0]) ? 1L : 0L;
                return ids.Select(ip => (object?)(server.IsBanned(jail, ip) ? 1L : 0L)).ToList();
            }
            case "logpath": return server.GetLogPaths(jail).ToList();
            case "logencoding": return server.GetLogEncoding(jail);
            case "journalmatch": return JournalMatch(jail);
            case "ignoreself": return server.GetIgnoreSelf(jail);
            case "ignoreip": return server.GetIgnoreIps(jail).ToList();
            case "ignorecommand": return (object?)server.GetIgnoreCommand(jail) ?? false;
            case "ignorecache": return IgnoreCache(server.GetIgnoreCache(jail));
            case "prefregex": return server.GetPrefRegex(jail) ?? "";
            case "failregex": return server.GetFailRegex(jail).ToList();
            case "ignoreregex": return server.GetIgnoreRegex(jail).ToList();
            case "usedns": return server.GetUseDns(jail);
            case "findtime": return server.GetFindTime(jail);
            case "datepattern": return DatePattern(server.GetDatePattern(jail));
            case "logtimezone": return server.GetLogTimeZone(jail);
            case "maxmatches": return (long)server.GetMaxMatches(jail);
            case "maxretry": return (long)server.GetMaxRetry(jail);
            case "maxlines": return (long)server.GetMaxLines(jail);
            case "bantime": return server.GetBanTime(jail);
            case "banip":
            {
                var withTime = c.Count > 2 && c[2] == "--with-time";
                var list = server.GetBanList(jail);
                return withTime
                    ? list.Select(b => (object?)$"{b.Id} \t{FormatTime(b.Start)} + {b.BanTimeSeconds} = {FormatTime(b.End)}").ToList()
                    : list.Select(b => (object?)b.Id).ToList();
            }
            case "actions": return server.GetActions(jail).ToList();
            case "action": return server.GetActionProperty(jail, c[2], c[3]);
            case "actionproperties": return server.GetActionProperties(jail, c[2]).ToList();
            case "actionmethods": return server.GetActionMethods(jail, c[2]).ToList();
        }
        if (prop.StartsWith("bantime.", StringComparison.Ordinal))
            return server.GetBanTimeExtra(jail, prop["bantime.".Length..]);
        throw ControlCommandException.Invalid("Invalid command (no get action or not yet implemented)");
    }

    private object? Status(Args c)
    {
        if (c.Count == 0)
            return ServerStatus();
        if (c.Count > 2)
            throw ControlCommandException.Invalid("Invalid command (no status)");
        var flavor = c.Opt(1) ?? "basic";
        // fail2ban 1.1: "status --all [flavor]" = server status + every jail's status.
        if (c[0] == "--all")
        {
            var all = ServerStatus();
            var jails = server.Jails.Order(StringComparer.Ordinal)
                .Select(j => new KeyValuePair<object?, object?>(j, JailStatusValue(server.GetJailStatus(j, flavor), flavor)))
                .ToList();
            // fail2ban 1.1 appends the dict itself (not a (label, value) pair); its client treats
            // the last item of a "status --all" reply as {jail: status}.
            all.Add(new PyDict(jails));
            return all;
        }
        return JailStatusValue(server.GetJailStatus(c[0], flavor), flavor);
    }

    private List<object?> ServerStatus()
    {
        var jails = server.Jails.Order(StringComparer.Ordinal).ToList();
        return
        [
            PyTuple.Of("Number of jail", (long)jails.Count),
            PyTuple.Of("Jail list", string.Join(", ", jails)),
        ];
    }

    /// <summary>fail2ban's Jail.status(): [("Filter", [...]), ("Actions", [...])].</summary>
    internal static List<object?> JailStatusValue(JailStatus s, string flavor)
    {
        var filter = new List<object?>
        {
            PyTuple.Of("Currently failed", (long)s.CurrentlyFailed),
            PyTuple.Of("Total failed", (long)s.TotalFailed),
        };
        if (s.JournalMatches is not null)
            filter.Add(PyTuple.Of("Journal matches", new List<object?> { string.Join(" + ", s.JournalMatches.Select(m => string.Join(" ", m))) }));
        else
            filter.Add(PyTuple.Of("File list", (s.FileList ?? []).Cast<object?>().ToList()));
        var actions = new List<object?>
        {
            PyTuple.Of("Currently banned", (long)s.CurrentlyBanned),
            PyTuple.Of("Total banned", (long)s.TotalBanned),
        };
        if (flavor != "short")
            actions.Add(PyTuple.Of("Banned IP list", s.BannedIps.Cast<object?>().ToList()));
        if (flavor == "cymru")
        {
            // Team Cymru lookups need DNS TXT queries we do not perform; fail2ban without dnspython
            // reports "error" in the same place.
            actions.Add(PyTuple.Of("Banned ASN list", new List<object?> { "error" }));
            actions.Add(PyTuple.Of("Banned Country list", new List<object?> { "error" }));
            actions.Add(PyTuple.Of("Banned RIR list", new List<object?> { "error" }));
        }
        return [PyTuple.Of("Filter", filter), PyTuple.Of("Actions", actions)];
    }

    /// <summary>fail2ban 1.1 "stats": {jail: [backend, (failed cur, tot), (banned cur, tot)]}.</summary>
    private PyDict Stats() => new(server.Jails.Order(StringComparer.Ordinal).Select(j =>
    {
        var s = server.GetJailStatus(j, "short");
        return new KeyValuePair<object?, object?>(j, new List<object?>
        {
            s.Backend,
            PyTuple.Of((long)s.CurrentlyFailed, (long)s.TotalFailed),
            PyTuple.Of((long)s.CurrentlyBanned, (long)s.TotalBanned),
        });
    }).ToList());

    private List<object?> BannedAll(List<string> ids)
    {
        var jails = server.Jails;
        if (ids.Count > 0)
            return ids.Select(ip => (object?)jails.Where(j => server.IsBanned(j, ip)).Cast<object?>().ToList()).ToList();
        return jails.Select(j => (object?)new PyDict([new(j, server.GetBanned(j).Cast<object?>().ToList())])).ToList();
    }

    private List<object?> JournalMatch(string jail) =>
        server.GetJournalMatch(jail).Select(m => (object?)m.Cast<object?>().ToList()).ToList();

    private static object? IgnoreCache(IgnoreCacheInfo? info) =>
        info is null ? null : new List<object?> { info.Key, (long)info.MaxCount, info.MaxTime };

    private static object? DatePattern(DatePatternInfo? info) =>
        info is null ? null : PyTuple.Of(info.Pattern, info.Name);

    private string FormatTime(DateTimeOffset t)
    {
        // fail2ban clamps "forever" tickets to the last representable date.
        if (t.ToUnixTimeSeconds() >= 253402214400)
            return "9999-12-31 23:59:59";
        var local = TimeZoneInfo.ConvertTime(t, _time.LocalTimeZone);
        return local.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
    }

    private static int ParseInt(Args c, int i)
    {
        var s = c[i].Trim();
        return int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw ControlCommandException.ValueError($"invalid literal for int() with base 10: {PyRepr.Repr(c[i])}");
    }

    private static double ParseFloat(Args c, int i)
    {
        var s = c[i].Trim();
        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw ControlCommandException.ValueError($"could not convert string to float: {PyRepr.Repr(c[i])}");
    }

    /// <summary>§0.2: 1/on/true/yes (any case) are true, anything else false.</summary>
    internal static bool ParseBool(string s) =>
        s.ToLowerInvariant() is "1" or "on" or "true" or "yes";
}

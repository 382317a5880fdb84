namespace Jail2Ban.Core.Configuration;

/// <summary>
/// Reads a fail2ban configuration tree (fail2ban.conf + jail.conf and friends) exactly as
/// fail2ban-client 1.0.2 does, producing immutable records and the command stream (§1.7.9).
/// </summary>
public static class ConfigurationReader
{
    /// <summary>The fail2ban version whose configuration semantics are reproduced (and %(fail2ban_version)s).</summary>
    public const string EmulatedVersion = "1.0.2";

    private static readonly OptionTemplate[] EarlyOptions =
    [
        new(OptionType.String, "socket", "/var/run/fail2ban/fail2ban.sock"),
        new(OptionType.String, "pidfile", "/var/run/fail2ban/fail2ban.pid"),
        new(OptionType.String, "loglevel", "INFO"),
        new(OptionType.String, "logtarget", "/var/log/fail2ban.log"),
        new(OptionType.String, "syslogsocket", "auto"),
    ];

    private static readonly OptionTemplate[] MainOptions =
    [
        new(OptionType.String, "loglevel", "INFO"),
        new(OptionType.String, "logtarget", "STDERR"),
        new(OptionType.String, "syslogsocket", "auto"),
        new(OptionType.String, "allowipv6", "auto"),
        new(OptionType.String, "dbfile", "/var/lib/fail2ban/fail2ban.sqlite3"),
        new(OptionType.Int, "dbmaxmatches"),
        new(OptionType.String, "dbpurgeage", "1d"),
    ];

    private static readonly string[] LogLevels = ["CRITICAL", "ERROR", "WARNING", "NOTICE", "INFO", "DEBUG", "TRACEDEBUG", "HEAVYDEBUG", "MSG", "FATAL", "WARN"];

    public static ConfigurationResult Read(string baseDir, ConfigurationReadOptions? options = null)
    {
        options ??= new ConfigurationReadOptions();
        var context = new ConfigReadContext(options.FileSystem, baseDir);
        try
        {
            // fail2ban-client: early options (socket, pidfile, loglevel, logtarget, syslogsocket) then the rest.
            // Jail2Ban also reads its own jail2ban.conf/.local over fail2ban.conf/.local (ConfigReadContext.Store).
            var f2b = context.Store(["fail2ban", "jail2ban"]) ?? new ConfigStore(context);
            var early = OptionReading.GetOptions(f2b, "Definition", EarlyOptions, null);
            var jails = context.Store("jail");
            var main = OptionReading.GetOptions(f2b, "Definition", MainOptions, null);
            foreach (var (k, v) in early)
            {
                main[k] = v; // updateMainOpt: the command line's settings (from the early read) win
            }
            var level = PyStr.Str(main.GetValueOrDefault("loglevel")) ?? "";
            if (!PyStr.TryInt(level, out _) && !LogLevels.Contains(level.ToUpperInvariant()))
            {
                throw new ConfigException($"Invalid log level {PyRepr.Repr(level)}", f2b.OriginOf("Definition", "loglevel"));
            }
            if (f2b.HasSection("Thread"))
            {
                var th = OptionReading.GetOptions(f2b, "Thread", [new OptionTemplate(OptionType.Int, "stacksize")], null);
                if (th.Count > 0)
                {
                    main["thread"] = th;
                }
            }
            var general = ConvertGeneral(main);
            var server = new ServerSettings
            {
                LogLevel = level,
                LogTarget = PyStr.Str(main.GetValueOrDefault("logtarget")) ?? "",
                SyslogSocket = PyStr.Str(main.GetValueOrDefault("syslogsocket")) ?? "",
                AllowIpv6 = PyStr.Str(main.GetValueOrDefault("allowipv6")) ?? "",
                DbFile = PyStr.Str(main.GetValueOrDefault("dbfile")) ?? "",
                DbMaxMatches = main.GetValueOrDefault("dbmaxmatches") as long?,
                DbPurgeAge = PyStr.Str(main.GetValueOrDefault("dbpurgeage")) ?? "",
                ThreadStackSize = main.GetValueOrDefault("thread") is OrderedDictionary<string, object?> t ? t.GetValueOrDefault("stacksize") as long? : null,
                Socket = PyStr.Str(main.GetValueOrDefault("socket")) ?? "",
                PidFile = PyStr.Str(main.GetValueOrDefault("pidfile")) ?? "",
            };

            var readers = new List<JailReader>();
            var status = 0;
            if (jails is not null)
            {
                IEnumerable<string> sections = options.Jail is null
                    ? jails.Sections.Keys.Where(s => !s.StartsWith("KNOWN/", StringComparison.Ordinal)).ToList()
                    : [options.Jail];
                foreach (var sec in sections)
                {
                    if (sec == ConfigStore.IncludesSection)
                    {
                        continue;
                    }
                    var jail = new JailReader(context, jails, sec, options.Fail2BanVersion);
                    if (jail.GetOptions())
                    {
                        if (jail.IsEnabled)
                        {
                            status |= 1;
                            readers.Add(jail);
                        }
                    }
                    else
                    {
                        readers.Add(jail);
                        status |= 2;
                    }
                }
            }
            var ok = (status & 1) != 0 || (status & 2) == 0;
            var commands = new List<IReadOnlyList<object?>>(general);
            var defs = new List<JailDefinition>();
            foreach (var jail in readers)
            {
                var (stream, def) = jail.Convert(options.AllowNoFiles);
                commands.AddRange(stream);
                defs.Add(def);
            }
            foreach (var jail in readers)
            {
                if (jail.ConfigError is null)
                {
                    commands.Add(new List<object?> { "start", jail.Name });
                }
            }
            return new ConfigurationResult { Success = ok, Server = server, Jails = defs, Commands = commands, Diagnostics = context.Diagnostics };
        }
        catch (ConfigException e)
        {
            context.Diagnostics.Add(new ConfigDiagnostic(DiagnosticSeverity.Error, "Failed during configuration: " + e.Detail, e.Location));
            return new ConfigurationResult { Success = false, Diagnostics = context.Diagnostics };
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            // fail2ban-client catches every exception while reading; a hostile file must not crash us either.
            context.Diagnostics.Add(new ConfigDiagnostic(DiagnosticSeverity.Error, "Failed during configuration: " + e.Message));
            return new ConfigurationResult { Success = false, Diagnostics = context.Diagnostics };
        }
    }

    /// <summary>Fail2banReader.convert: general settings sorted by fail2ban's fixed order.</summary>
    private static List<IReadOnlyList<object?>> ConvertGeneral(OrderedDictionary<string, object?> main)
    {
        var order = new Dictionary<string, int>
        {
            ["thread"] = 0, ["syslogsocket"] = 11, ["loglevel"] = 12, ["logtarget"] = 13, ["allowipv6"] = 14,
            ["dbfile"] = 50, ["dbmaxmatches"] = 51, ["dbpurgeage"] = 51,
        };
        return main.Where(kv => order.ContainsKey(kv.Key))
            .OrderBy(kv => order[kv.Key]).ThenBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => (IReadOnlyList<object?>)new List<object?> { "set", kv.Key, kv.Value })
            .ToList();
    }
}

using System.Text;
using System.Text.RegularExpressions;

namespace Jail2Ban.Core.Configuration;

/// <summary>fail2ban 1.0.2's JailReader: one jail section to options, filter, actions and commands (§1.7).</summary>
internal sealed partial class JailReader(ConfigReadContext context, ConfigStore jailConfig, string name, string version)
{
    private static readonly OptionTemplate[] Options1st =
    [
        new(OptionType.Bool, "enabled", false),
        new(OptionType.String, "backend", "auto"),
        new(OptionType.String, "filter", ""),
    ];

    private static readonly OptionTemplate[] Options2nd =
    [
        new(OptionType.Bool, "enabled", false),
        new(OptionType.String, "backend", "auto"),
        new(OptionType.Int, "maxretry"),
        new(OptionType.Int, "maxmatches"),
        new(OptionType.String, "findtime"),
        new(OptionType.String, "bantime"),
        new(OptionType.Bool, "bantime.increment"),
        new(OptionType.String, "bantime.factor"),
        new(OptionType.String, "bantime.formula"),
        new(OptionType.String, "bantime.multipliers"),
        new(OptionType.String, "bantime.maxtime"),
        new(OptionType.String, "bantime.rndtime"),
        new(OptionType.Bool, "bantime.overalljails"),
        new(OptionType.String, "ignorecommand"),
        new(OptionType.Bool, "ignoreself"),
        new(OptionType.String, "ignoreip"),
        new(OptionType.String, "ignorecache"),
        new(OptionType.String, "filter", ""),
        new(OptionType.String, "logtimezone"),
        new(OptionType.String, "logencoding"),
        // Jail2Ban's own (plain | docker-json): read by the server's Jail, never sent as a command.
        new(OptionType.String, "logformat"),
        new(OptionType.String, "logpath"),
        new(OptionType.String, "action", ""),
        .. FilterDefinitionReader.Templates,
    ];

    /// <summary>Options not sent as plain 'set' commands (handled specially or by the filter).</summary>
    private static readonly HashSet<string> IgnoreOpts =
        ["action", "filter", "enabled", "logformat", .. FilterDefinitionReader.Templates.Select(t => t.Name)];

    private readonly List<object> actions = []; // ActionDefinitionReader or a ready python-action command
    private FilterDefinitionReader? filter;
    private OrderedDictionary<string, object?> opts = new(StringComparer.Ordinal);

    public string Name { get; } = name;

    public IReadOnlyDictionary<string, object?> Opts => opts;

    public string? ConfigError { get; private set; }

    public bool IsEnabled => opts.TryGetValue("enabled", out var e) && e is true;

    /// <summary>getOptions: false when the jail is rejected (config-error); exceptions mean the whole read fails.</summary>
    public bool GetOptions()
    {
        jailConfig.MergeDefaults([new("fail2ban_version", version), new("fail2ban_confpath", context.BaseDir)]);
        try
        {
            opts = OptionReading.GetOptions(jailConfig, Name, Options1st, null, shouldExist: true);
            if (!IsEnabled)
            {
                return true;
            }
            var flt = (string?)opts["filter"] ?? "";
            if (flt.Length > 0)
            {
                string filterName;
                OrderedDictionary<string, string> filterOpt;
                try
                {
                    (filterName, filterOpt) = OptionSpec.Parse(flt);
                }
                catch (FormatException e)
                {
                    throw new JailDefinitionException($"Invalid filter definition {PyRepr.Repr(flt)}: {e.Message}", jailConfig.OriginOf(Name, "filter"));
                }
                filter = new FilterDefinitionReader(context, filterName, Name, ToInit(filterOpt));
                if (!filter.Read())
                {
                    throw new JailDefinitionException($"Unable to read the filter {PyRepr.Repr(filterName)}", jailConfig.OriginOf(Name, "filter"));
                }
                filter.ApplyAutoOptions(PyStr.Str(opts.GetValueOrDefault("backend")) ?? "");
                filter.GetOptions(opts, all: true);
                var combined = filter.GetCombined();
                jailConfig.MergeSection(Name, combined.Select(kv => KeyValuePair.Create(kv.Key, PyStr.Str(kv.Value) ?? "None")), "known/");
            }
            else
            {
                filter = null;
                context.Warn($"No filter set for jail {Name}", jailConfig.OriginOf(Name, "enabled"));
            }

            opts = OptionReading.GetOptions(jailConfig, Name, Options2nd, null);
            filter?.GetOptions(opts);

            foreach (var spec in OptionSpec.SplitList((string?)opts["action"] ?? ""))
            {
                var act = spec.Trim();
                if (act.Length == 0)
                {
                    continue;
                }
                try
                {
                    string actName;
                    OrderedDictionary<string, string> actOpt;
                    try
                    {
                        (actName, actOpt) = OptionSpec.Parse(act);
                    }
                    catch (FormatException e)
                    {
                        throw new JailDefinitionException($"Invalid action definition {PyRepr.Repr(act)}: {e.Message}", jailConfig.OriginOf(Name, "action"));
                    }
                    if (actName.EndsWith(".py", StringComparison.Ordinal))
                    {
                        var an = actOpt.Remove("actname", out var given) ? given : PyPath.StripExt(actName);
                        actions.Add(new List<object?>
                        {
                            "set", Name, "addaction", an, PyPath.Join(PyPath.Join(context.BaseDir, "action.d"), actName), JsonDumps(actOpt),
                        });
                    }
                    else
                    {
                        var action = new ActionDefinitionReader(context, actName, Name, ToInit(actOpt));
                        if (!action.Read())
                        {
                            throw new JailDefinitionException($"Unable to read action {PyRepr.Repr(actName)}", jailConfig.OriginOf(Name, "action"));
                        }
                        action.GetOptions(opts);
                        actions.Add(action);
                    }
                }
                catch (JailDefinitionException)
                {
                    throw;
                }
                catch (ConfigException e)
                {
                    throw new ConfigException($"Error in action definition {PyRepr.Repr(act)}: {e.Detail}", e.Location ?? jailConfig.OriginOf(Name, "action"));
                }
            }
            if (actions.Count == 0)
            {
                context.Warn($"No actions were defined for {Name}", jailConfig.OriginOf(Name, "enabled"));
            }
        }
        catch (JailDefinitionException e)
        {
            context.Error($"{e.Detail} (jail '{Name}' skipped)", e.Location);
            ConfigError = e.Detail;
            return false;
        }
        return true;
    }

    private static OrderedDictionary<string, string?> ToInit(OrderedDictionary<string, string> o)
    {
        var d = new OrderedDictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (k, v) in o)
        {
            d[k] = v;
        }
        return d;
    }

    /// <summary>The jail's commands (without start), plus the resolved records.</summary>
    public (List<List<object?>> Stream, JailDefinition Definition) Convert(bool allowNoFiles)
    {
        var stream = new List<List<object?>>();
        if (ConfigError is not null)
        {
            stream.Add(["config-error", $"Jail '{Name}' skipped, because of wrong configuration: {ConfigError}"]);
            return (stream, new JailDefinition { Name = Name, Backend = "", ConfigError = ConfigError, Options = opts, Commands = stream });
        }
        OrderedDictionary<string, object?>? filterCombined = null;
        if (filter is not null)
        {
            filterCombined = filter.GetCombined();
            if (filterCombined.Count > 0)
            {
                FilterDefinitionReader.FillStream(stream, filterCombined, Name);
            }
        }
        FilterDefinitionReader.FillStream(stream, opts, Name);
        var stream2 = new List<List<object?>>();
        var logPaths = new List<LogPathEntry>();
        var backend = "auto";
        foreach (var (opt, value) in opts)
        {
            if (opt == "logpath")
            {
                if ((PyStr.Str(opts.GetValueOrDefault("backend")) ?? "").StartsWith("systemd", StringComparison.Ordinal))
                {
                    continue;
                }
                var found = 0;
                foreach (var line in (PyStr.Str(value) ?? "None").Split('\n'))
                {
                    // rsplit(" ", 1): a path with a space cannot be written as is (§1.9).
                    var sp = line.LastIndexOf(' ');
                    var (path, tail) = sp >= 0 ? (line[..sp], line[(sp + 1)..]) : (line, "head");
                    var list = Glob(path);
                    if (list.Count == 0)
                    {
                        context.Notice($"No file(s) found for glob {path}", jailConfig.OriginOf(Name, "logpath"));
                    }
                    foreach (var p in list)
                    {
                        found++;
                        stream2.Add(["set", Name, "addlogpath", p, tail]);
                        logPaths.Add(new LogPathEntry(p, tail));
                    }
                }
                if (found == 0)
                {
                    var msg = $"Have not found any log file for {Name} jail";
                    if (!allowNoFiles)
                    {
                        throw new ConfigException(msg, jailConfig.OriginOf(Name, "logpath"));
                    }
                    context.Warn(msg, jailConfig.OriginOf(Name, "logpath"));
                }
            }
            else if (opt == "backend")
            {
                backend = PyStr.Str(value) ?? "None";
            }
            else if (opt == "ignoreip")
            {
                var cmd = new List<object?> { "set", Name, "addignoreip" };
                cmd.AddRange(SplitWords(PyStr.Str(value)));
                stream.Add(cmd);
            }
            else if (!IgnoreOpts.Contains(opt))
            {
                stream.Add(["set", Name, opt, value]);
            }
        }
        stream.AddRange(stream2);
        var actionDefs = new List<ActionDefinition>();
        foreach (var a in actions)
        {
            if (a is ActionDefinitionReader reader)
            {
                var multi = reader.ResolvedOptions();
                stream.AddRange(reader.Convert(multi));
                actionDefs.Add(new ActionDefinition { Name = reader.ActName, File = reader.FileName, Options = multi });
            }
            else
            {
                var cmd = (List<object?>)a;
                stream.Add(cmd);
                actionDefs.Add(new ActionDefinition
                {
                    Name = (string)cmd[3]!,
                    File = PyPath.Split((string)cmd[4]!).Tail,
                    IsPython = true,
                    PythonPath = (string)cmd[4]!,
                    PythonArgsJson = (string)cmd[5]!,
                });
            }
        }
        stream.Insert(0, ["add", Name, backend]);

        // Effective filter: the filter's options with the jail's filter options replacing them.
        var effective = new OrderedDictionary<string, object?>(StringComparer.Ordinal);
        if (filterCombined is not null)
        {
            foreach (var (k, v) in filterCombined)
            {
                effective[k] = v;
            }
        }
        foreach (var t in FilterDefinitionReader.Templates)
        {
            if (opts.TryGetValue(t.Name, out var v))
            {
                effective[t.Name] = v;
            }
        }
        var filterCommands = FilterDefinitionReader.FillStream([], effective, Name);
        var def = new JailDefinition
        {
            Name = Name,
            Backend = backend,
            FilterSpec = PyStr.Str(opts.GetValueOrDefault("filter")) ?? "",
            Filter = filter is null && effective.Count == 0 ? null : FilterReader.Build(effective, filterCommands, filter?.Config?.FilesRead ?? []),
            LogPaths = logPaths,
            Actions = actionDefs,
            Options = opts,
            Commands = stream,
        };
        return (stream, def);
    }

    private List<string> Glob(string path)
    {
        var result = new List<string>();
        foreach (var p in PyGlob.Glob(context.FileSystem, path))
        {
            if (context.FileSystem.FileExists(p) || context.FileSystem.DirectoryExists(p))
            {
                result.Add(p);
            }
            else
            {
                context.Warn($"File {p} is a dangling link, thus cannot be monitored", jailConfig.OriginOf(Name, "logpath"));
            }
        }
        return result;
    }

    [GeneratedRegex("[ ,\n]+")]
    private static partial Regex WordSeparators();

    /// <summary>fail2ban's splitwords: split on commas, spaces and newlines, drop empties.</summary>
    internal static IEnumerable<object?> SplitWords(string? s) =>
        string.IsNullOrEmpty(s) ? [] : WordSeparators().Split(s).Select(v => v.Trim()).Where(v => v.Length > 0);

    /// <summary>json.dumps of a str→str dict with Python's default separators and ensure_ascii.</summary>
    internal static string JsonDumps(OrderedDictionary<string, string> d)
    {
        var sb = new StringBuilder("{");
        var first = true;
        foreach (var (k, v) in d)
        {
            if (!first)
            {
                sb.Append(", ");
            }
            first = false;
            JsonString(sb, k);
            sb.Append(": ");
            JsonString(sb, v);
        }
        return sb.Append('}').ToString();
    }

    private static void JsonString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (c < 0x20 || c > 0x7e)
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }
                    break;
            }
        }
        sb.Append('"');
    }
}

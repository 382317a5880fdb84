namespace Jail2Ban.Core.Configuration;

/// <summary>Type of a known option of a reader template (fail2ban's "string" / "int" / "bool").</summary>
internal enum OptionType
{
    String,
    Int,
    Bool,
}

/// <summary>A known option with its type and default (null = no default: the option is simply absent).</summary>
internal sealed record OptionTemplate(OptionType Type, string Name, object? Default = null);

/// <summary>Helpers shared by all readers: fail2ban's ConfigReaderUnshared.getOptions.</summary>
internal static class OptionReading
{
    /// <summary>Python str() of each value, keys lower-cased (configparser's _unify_values).</summary>
    public static Dictionary<string, string?> Vars(IEnumerable<KeyValuePair<string, object?>>? values)
    {
        var d = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (values is not null)
        {
            foreach (var (k, v) in values)
            {
                d[PyStr.Lower(k)] = PyStr.Str(v);
            }
        }
        return d;
    }

    public static OrderedDictionary<string, object?> GetOptions(ConfigStore cfg, string section, IEnumerable<OptionTemplate> options,
        IReadOnlyDictionary<string, object?>? pOptions, bool shouldExist = false, bool convert = true)
    {
        var values = new OrderedDictionary<string, object?>(StringComparer.Ordinal);
        var vars = Vars(pOptions);
        foreach (var t in options)
        {
            if (pOptions is not null && pOptions.ContainsKey(t.Name))
            {
                continue;
            }
            var found = cfg.TryGet(section, t.Name, vars, out var v);
            if (found == ConfigStore.LookupResult.NoSection)
            {
                if (shouldExist)
                {
                    throw new NoSectionException(section);
                }
                cfg.Context.WarnOnce($"No section '{section}' in {cfg.FilesRead.FirstOrDefault() ?? "(no file)"}: using defaults");
                values[t.Name] = t.Default;
                continue;
            }
            if (found == ConfigStore.LookupResult.NoOption)
            {
                if (t.Default is not null)
                {
                    values[t.Name] = t.Default;
                }
                continue;
            }
            values[t.Name] = v;
            if (convert && v is not null && t.Type != OptionType.String)
            {
                if (t.Type == OptionType.Bool)
                {
                    values[t.Name] = PyStr.AsBool(v);
                }
                else if (PyStr.TryInt(v, out var i))
                {
                    values[t.Name] = i;
                }
                else
                {
                    cfg.Context.Warn($"Wrong value for '{t.Name}' in '{section}'. Using default one: '{PyStr.Str(t.Default) ?? "None"}'", cfg.OriginOf(section, t.Name));
                    values[t.Name] = t.Default;
                }
            }
        }
        return values;
    }
}

/// <summary>
/// fail2ban's DefinitionInitConfigReader (1.0.2): a filter or action file with [Definition] and [Init],
/// read with the jail's options as vars and the bracket arguments as init options (§1.7 item 8).
/// </summary>
internal abstract class DefinitionInitReader
{
    private readonly Dictionary<string, string?> defCache = new(StringComparer.Ordinal);
    private OrderedDictionary<string, object?> opts = new(StringComparer.Ordinal);
    private Dictionary<string, string?> pOptsVars = new(StringComparer.Ordinal);

    protected DefinitionInitReader(ConfigReadContext context, string file, string jailName, OrderedDictionary<string, string?> initOpts)
    {
        Context = context;
        File = file;
        JailName = jailName;
        InitOpts = initOpts;
    }

    public ConfigReadContext Context { get; }

    /// <summary>Config name relative to the base directory, e.g. filter.d/sshd.</summary>
    public string File { get; }

    public string JailName { get; }

    /// <summary>Init options: bracket arguments, then [Init] values and known/ copies (mutated like fail2ban's dict).</summary>
    public OrderedDictionary<string, string?> InitOpts { get; }

    public ConfigStore? Config { get; private set; }

    protected abstract IReadOnlyList<OptionTemplate> ConfigOpts { get; }

    public bool Read()
    {
        Config = Context.Store(File);
        return Config is not null;
    }

    private ConfigStore Cfg => Config ?? throw new InvalidOperationException("Read() first");

    public void GetOptions(IReadOnlyDictionary<string, object?>? pOpts, bool all = false)
    {
        var merged = new OrderedDictionary<string, object?>(StringComparer.Ordinal);
        if (pOpts is not null)
        {
            foreach (var (k, v) in pOpts)
            {
                merged[k] = v;
            }
        }
        foreach (var (k, v) in InitOpts)
        {
            merged[k] = v;
        }
        opts = OptionReading.GetOptions(Cfg, "Definition", ConfigOpts, merged, convert: false);
        pOptsVars = OptionReading.Vars(merged);
        if (Cfg.HasSection("Init"))
        {
            foreach (var opt in Cfg.Options("Init", withDefault: false))
            {
                if (opt == "__name__")
                {
                    continue;
                }
                string? v = null;
                var got = false;
                if (!opt.StartsWith("known/", StringComparison.Ordinal))
                {
                    v = Cfg.Get("Init", opt, null);
                    got = true;
                    InitOpts["known/" + opt] = v;
                }
                if (!InitOpts.ContainsKey(opt))
                {
                    InitOpts[opt] = got ? v : Cfg.Get("Init", opt, null);
                }
            }
        }
        if (all && Cfg.HasSection("Definition"))
        {
            foreach (var opt in Cfg.Options("Definition", withDefault: false))
            {
                if (opt == "__name__" || opts.ContainsKey(opt))
                {
                    continue;
                }
                opts[opt] = Cfg.Get("Definition", opt, null);
            }
        }
    }

    /// <summary>getCombOption: a [Definition] option read through the parser (case-insensitive, sec/opt aware), cached.</summary>
    private string? CombOption(string name)
    {
        if (defCache.TryGetValue(name, out var v))
        {
            return v;
        }
        if (Cfg.TryGetEx("Definition", name, pOptsVars, out v) != ConfigStore.LookupResult.Found)
        {
            v = null;
        }
        defCache[name] = v;
        return v;
    }

    /// <summary>Definition options overlaid with init options, tags substituted, typed options converted.</summary>
    public OrderedDictionary<string, object?> GetCombined(IEnumerable<string>? ignore = null)
    {
        var combined = new OrderedDictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (k, v) in opts)
        {
            combined[k] = (string?)v;
        }
        foreach (var (k, v) in InitOpts)
        {
            combined[k] = v;
        }
        var result = new OrderedDictionary<string, object?>(StringComparer.Ordinal);
        if (combined.Count == 0)
        {
            return result;
        }
        var ignoreSet = new HashSet<string>(ignore ?? [], StringComparer.Ordinal);
        foreach (var n in combined.Keys)
        {
            // 1.0.2: a key with a conditional twin (blocktype?family=inet6) is not substituted (§1.11).
            var cond = ConfigStore.ConditionalSection().Match(n);
            if (cond.Success)
            {
                ignoreSet.Add(cond.Groups[1].Value);
            }
        }
        OrderedDictionary<string, string?> subst;
        try
        {
            subst = TagSubstitution.Substitute(combined, ignoreSet, CombOption);
        }
        catch (ConfigException e) when (e.Location is null)
        {
            throw new ConfigException($"{e.Detail} (in {File})", Cfg.FilesRead.Count > 0 ? new SourceLocation(Cfg.FilesRead[^1], 1) : null);
        }
        foreach (var (k, v) in subst)
        {
            result[k] = v;
        }
        foreach (var t in ConfigOpts)
        {
            if (t.Type == OptionType.String || !result.TryGetValue(t.Name, out var raw) || raw is not string s)
            {
                continue;
            }
            if (t.Type == OptionType.Bool)
            {
                result[t.Name] = PyStr.AsBool(s);
            }
            else if (PyStr.TryInt(s, out var i))
            {
                result[t.Name] = i;
            }
            else
            {
                Context.Warn($"Wrong int value '{s}' for '{t.Name}' in {File}. Using default one: None", Cfg.OriginOf("Definition", t.Name));
                result[t.Name] = t.Default;
            }
        }
        return result;
    }
}

/// <summary>fail2ban's FilterReader (a filter.d file).</summary>
internal sealed class FilterDefinitionReader(ConfigReadContext context, string name, string jailName, OrderedDictionary<string, string?> initOpts)
    : DefinitionInitReader(context, "filter.d/" + name, jailName, initOpts)
{
    public static readonly IReadOnlyList<OptionTemplate> Templates =
    [
        new(OptionType.String, "usedns"),
        new(OptionType.String, "prefregex"),
        new(OptionType.String, "ignoreregex"),
        new(OptionType.String, "failregex"),
        new(OptionType.Int, "maxlines"),
        new(OptionType.String, "datepattern"),
        new(OptionType.String, "journalmatch"),
    ];

    public string Name { get; } = name;

    protected override IReadOnlyList<OptionTemplate> ConfigOpts => Templates;

    /// <summary>applyAutoOptions: logtype from the backend unless given or defined by the filter itself.</summary>
    public void ApplyAutoOptions(string backend)
    {
        var given = InitOpts.TryGetValue("logtype", out var lt) && !string.IsNullOrEmpty(lt);
        if (!given && Config?.HasOption("Definition", "logtype", withDefault: false) != true)
        {
            InitOpts["logtype"] = backend.StartsWith("systemd", StringComparison.Ordinal) ? "journal" : "file";
        }
    }

    public List<List<object?>> Convert()
    {
        var stream = new List<List<object?>>();
        var opts = GetCombined();
        return opts.Count == 0 ? stream : FillStream(stream, opts, JailName);
    }

    /// <summary>FilterReader._fillStream: usedns first, then prefregex/maxlines, then regexes, datepattern, journalmatch.</summary>
    public static List<List<object?>> FillStream(List<List<object?>> stream, IEnumerable<KeyValuePair<string, object?>> opts, string jailName)
    {
        var prio0 = 0;
        foreach (var (opt, value) in opts)
        {
            if (value is null)
            {
                continue;
            }
            switch (opt)
            {
                case "failregex":
                case "ignoreregex":
                    {
                        var multi = PyStr.Str(value)!.Split('\n').Where(r => r.Length > 0).Cast<object?>().ToList();
                        if (multi.Count > 1)
                        {
                            stream.Add(["multi-set", jailName, "add" + opt, multi]);
                        }
                        else if (multi.Count == 1)
                        {
                            stream.Add(["set", jailName, "add" + opt, multi[0]]);
                        }
                        break;
                    }
                case "usedns":
                case "maxlines":
                case "prefregex":
                    stream.Insert(opt == "usedns" ? 0 : prio0, ["set", jailName, opt, value]);
                    prio0++;
                    break;
                // Python's `opt in ('datepattern')` is a substring test on a string: 'date', 'pattern', ... match too.
                case var o when "datepattern".Contains(o, StringComparison.Ordinal) && o.Length > 0:
                    stream.Add(["set", jailName, opt, value]);
                    break;
                case "journalmatch":
                    foreach (var match in PyStr.Str(value)!.Split('\n'))
                    {
                        if (match.Length == 0)
                        {
                            continue;
                        }
                        var cmd = new List<object?> { "set", jailName, "addjournalmatch" };
                        try
                        {
                            cmd.AddRange(ShellSplit.Split(match));
                        }
                        catch (FormatException e)
                        {
                            throw new ConfigException($"journalmatch of jail '{jailName}': {e.Message}: {match}");
                        }
                        stream.Add(cmd);
                    }
                    break;
            }
        }
        return stream;
    }
}

/// <summary>fail2ban's ActionReader (an action.d file).</summary>
internal sealed class ActionDefinitionReader : DefinitionInitReader
{
    public static readonly IReadOnlyList<OptionTemplate> Templates =
    [
        new(OptionType.String, "actionstart"),
        new(OptionType.Bool, "actionstart_on_demand"),
        new(OptionType.String, "actionstop"),
        new(OptionType.String, "actionflush"),
        new(OptionType.String, "actionreload"),
        new(OptionType.String, "actioncheck"),
        new(OptionType.String, "actionrepair"),
        new(OptionType.Bool, "actionrepair_on_unban"),
        new(OptionType.String, "actionban"),
        new(OptionType.String, "actionprolong"),
        new(OptionType.String, "actionreban"),
        new(OptionType.String, "actionunban"),
        new(OptionType.Bool, "norestored"),
        // Jail2Ban extensions (see Actions/ActionDefinition.cs): bulk ban/unban of many addresses in
        // one command. fail2ban does not know them; stock action files do not define them, so the
        // dump of a stock tree is unchanged.
        new(OptionType.String, "actionban_bulk"),
        new(OptionType.String, "actionunban_bulk"),
        new(OptionType.String, "actionbulk_size"),
    ];

    private static readonly HashSet<string> TemplateNames = Templates.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);

    /// <summary>Tags resolved only when an action runs (CommandAction._escapedTags + timeout, bantime).</summary>
    private static readonly string[] RunTimeTags = ["matches", "ipmatches", "ipjailmatches", "timeout", "bantime"];

    public ActionDefinitionReader(ConfigReadContext context, string fileName, string jailName, OrderedDictionary<string, string?> initOpts)
        : base(context, "action.d/" + fileName, jailName, PrepareInit(fileName, jailName, initOpts, out var actName))
    {
        FileName = fileName;
        ActName = actName;
    }

    public string FileName { get; }

    /// <summary>The action's instance name in the jail (file name plus a suffix when name differs from the jail).</summary>
    public string ActName { get; }

    private static OrderedDictionary<string, string?> PrepareInit(string file, string jailName, OrderedDictionary<string, string?> initOpts, out string actName)
    {
        if (!initOpts.TryGetValue("name", out var n) || n is null)
        {
            initOpts["name"] = n = jailName;
        }
        if (!initOpts.TryGetValue("actname", out var an) || an is null)
        {
            an = file;
            if (n != jailName)
            {
                an += n.StartsWith(jailName, StringComparison.Ordinal) ? n[jailName.Length..] : "-" + n;
            }
            initOpts["actname"] = an;
        }
        actName = an;
        return initOpts;
    }

    protected override IReadOnlyList<OptionTemplate> ConfigOpts => Templates;

    /// <summary>The resolved options as sent to the server: known action options (substituted), then raw init options.</summary>
    public List<KeyValuePair<string, object?>> ResolvedOptions()
    {
        var opts = GetCombined(RunTimeTags);
        var multi = new List<KeyValuePair<string, object?>>();
        foreach (var (opt, v) in opts)
        {
            if (TemplateNames.Contains(opt) && !opt.StartsWith("known/", StringComparison.Ordinal))
            {
                multi.Add(KeyValuePair.Create(opt, v));
            }
        }
        foreach (var (opt, v) in InitOpts)
        {
            if (!TemplateNames.Contains(opt) && !opt.StartsWith("known/", StringComparison.Ordinal))
            {
                multi.Add(KeyValuePair.Create(opt, (object?)v));
            }
        }
        return multi;
    }

    public List<List<object?>> Convert(List<KeyValuePair<string, object?>> multi)
    {
        var stream = new List<List<object?>> { new() { "set", JailName, "addaction", ActName } };
        if (multi.Count > 1)
        {
            stream.Add(["multi-set", JailName, "action", ActName, multi.Select(kv => (object?)new List<object?> { kv.Key, kv.Value }).ToList()]);
        }
        else if (multi.Count == 1)
        {
            stream.Add(["set", JailName, "action", ActName, multi[0].Key, multi[0].Value]);
        }
        return stream;
    }
}

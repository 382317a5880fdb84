using System.Text;
using System.Text.RegularExpressions;

namespace Jail2Ban.Core.Configuration;

/// <summary>
/// State shared by all readers of one configuration read (fail2ban's share_config): the file system,
/// the base directory, parsed files by path, merged configurations by name, and the diagnostics.
/// </summary>
internal sealed class ConfigReadContext(IConfigFileSystem fs, string baseDir)
{
    private readonly Dictionary<string, ParsedIniFile?> parsed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ConfigStore?> stores = new(StringComparer.Ordinal);

    public IConfigFileSystem FileSystem { get; } = fs;

    /// <summary>The base directory with trailing slashes removed, as ConfigReaderUnshared.setBaseDir does.</summary>
    public string BaseDir { get; } = baseDir.Length > 1 ? baseDir.TrimEnd('/') : baseDir;

    public List<ConfigDiagnostic> Diagnostics { get; } = [];

    private readonly HashSet<string> warnedOnce = new(StringComparer.Ordinal);

    public void Warn(string message, SourceLocation? at = null) => Diagnostics.Add(new(DiagnosticSeverity.Warning, message, at));

    /// <summary>A warning reported only the first time (fail2ban repeats some per option).</summary>
    public void WarnOnce(string message, SourceLocation? at = null)
    {
        if (warnedOnce.Add(message))
        {
            Warn(message, at);
        }
    }

    public void Notice(string message, SourceLocation? at = null) => Diagnostics.Add(new(DiagnosticSeverity.Notice, message, at));

    public void Error(string message, SourceLocation? at = null) => Diagnostics.Add(new(DiagnosticSeverity.Error, message, at));

    /// <summary>Parses a file once per read; null if it does not exist or is not valid UTF-8 (fail2ban skips it).</summary>
    public ParsedIniFile? Parse(string path)
    {
        if (parsed.TryGetValue(path, out var p))
        {
            return p;
        }
        p = null;
        if (FileSystem.FileExists(path) && FileSystem.ReadAllBytes(path) is { } bytes)
        {
            var text = IniFileParser.Decode(bytes);
            if (text is null)
            {
                Error($"Error decoding config file '{path}': invalid UTF-8", new SourceLocation(path, 1));
            }
            else
            {
                p = IniFileParser.Parse(path, text);
            }
        }
        parsed[path] = p;
        return p;
    }

    /// <summary>The merged configuration of a config name (jail, fail2ban, filter.d/x, action.d/x), read once.</summary>
    public ConfigStore? Store(string name) => Store([name]);

    /// <summary>
    /// The merged configuration of several config names read as one, each name's files in fail2ban's order and
    /// later names over earlier ones. The server settings are <c>fail2ban</c> then Jail2Ban's own <c>jail2ban</c>
    /// (jail2ban.conf, jail2ban.d/*.conf, jail2ban.local, jail2ban.d/*.local), so a tree with only fail2ban's
    /// files reads exactly as fail2ban reads it.
    /// </summary>
    public ConfigStore? Store(IReadOnlyList<string> names)
    {
        string key = string.Join('+', names);
        if (stores.TryGetValue(key, out var store))
        {
            return store;
        }
        store = new ConfigStore(this);
        var ok = store.Read(names);
        stores[key] = ok ? store : null;
        return ok ? store : null;
    }
}

/// <summary>
/// A merged configuration: fail2ban's SafeConfigParserWithIncludes + ConfigReaderUnshared
/// (file order §1.1, [INCLUDES] §1.2, merge and KNOWN/ §1.4, %-interpolation §1.5).
/// </summary>
internal sealed partial class ConfigStore(ConfigReadContext context)
{
    public const string IncludesSection = "INCLUDES";
    private const int MaxInterpolationDepth = 10;

    [GeneratedRegex(@"^(\w+)(\?.+)$")]
    internal static partial Regex ConditionalSection();

    [GeneratedRegex(@"^([\w\-]+)/([^\s>]+)$")]
    private static partial Regex SectionOptionName();

    [GeneratedRegex(@"\G%\(([^)]+)\)s")]
    private static partial Regex InterpolationKey();

    [GeneratedRegex(@"^([\w\-]+)/([^\)]+)$")]
    private static partial Regex SectionReference();

    public ConfigReadContext Context { get; } = context;

    public OrderedDictionary<string, ConfigEntry> Defaults { get; } = new(StringComparer.Ordinal);

    public OrderedDictionary<string, OrderedDictionary<string, ConfigEntry>> Sections { get; } = new(StringComparer.Ordinal);

    /// <summary>The files merged, in order (duplicates kept).</summary>
    public List<string> FilesRead { get; } = [];

    /// <summary>Reads config name N: N.conf, N.d/*.conf, N.local, N.d/*.local, then includes (§1.1).</summary>
    public bool Read(string name) => Read([name]);

    /// <summary>Reads the files of each name in fail2ban's order (X.conf, X.d/*.conf, X.local, X.d/*.local), names in turn.</summary>
    public bool Read(IReadOnlyList<string> names)
    {
        var fs = Context.FileSystem;
        if (!fs.DirectoryExists(Context.BaseDir))
        {
            throw new ConfigException($"Base configuration directory {Context.BaseDir} does not exist");
        }
        var candidates = new List<string>();
        foreach (var n in names)
        {
            var basename = PyPath.Join(Context.BaseDir, n);
            candidates.Add(basename + ".conf");
            candidates.AddRange(SortedGlob(basename + ".d", ".conf"));
            candidates.Add(basename + ".local");
            candidates.AddRange(SortedGlob(basename + ".d", ".local"));
        }
        var name = names[0];
        candidates = candidates.Where(fs.LinkExists).ToList();
        if (candidates.Count == 0)
        {
            // fail2ban logs this as an error but goes on with defaults (a missing filter/action is reported by the jail).
            Context.Warn($"Found no accessible config files for '{name}' under {Context.BaseDir}");
            return false;
        }
        ReadFiles(candidates);
        if (FilesRead.Count == 0)
        {
            Context.Warn($"Found no accessible config files for '{name}' under {Context.BaseDir}");
            return false;
        }
        return true;
    }

    private IEnumerable<string> SortedGlob(string dir, string ext)
    {
        var matches = PyGlob.Glob(Context.FileSystem, dir + "/*" + ext);
        matches.Sort(StringComparer.Ordinal);
        return matches;
    }

    /// <summary>Reads an explicit file list with include expansion and merges it (read with get_includes).</summary>
    public void ReadFiles(List<string> files)
    {
        foreach (var file in GetIncludes(files, []))
        {
            var cfg = Context.Parse(file);
            if (cfg is null)
            {
                continue;
            }
            FilesRead.Add(file);
            foreach (var (k, v) in cfg.Defaults)
            {
                Defaults[k] = v;
            }
            foreach (var (sectionName, section) in cfg.Sections)
            {
                var n = sectionName;
                IEnumerable<KeyValuePair<string, ConfigEntry>> items = section;
                var cond = ConditionalSection().Match(n);
                if (cond.Success)
                {
                    // [Init?family=inet6] is folded into [Init] with keys 'k?family=inet6'.
                    n = cond.Groups[1].Value;
                    var suffix = cond.Groups[2].Value;
                    items = section.Select(kv => KeyValuePair.Create(kv.Key + suffix, kv.Value)).ToList();
                }
                if (Sections.TryGetValue(n, out var existing))
                {
                    var list = items as IList<KeyValuePair<string, ConfigEntry>> ?? items.ToList();
                    var replaced = new List<KeyValuePair<string, ConfigEntry>>();
                    foreach (var (k, _) in list)
                    {
                        if (existing.TryGetValue(k, out var old))
                        {
                            replaced.Add(KeyValuePair.Create(k, old));
                        }
                    }
                    // KNOWN/<section> keeps the values replaced by the last redefinition (§1.4).
                    if (!Sections.TryGetValue("KNOWN/" + n, out var known))
                    {
                        known = new OrderedDictionary<string, ConfigEntry>(StringComparer.Ordinal);
                        Sections["KNOWN/" + n] = known;
                    }
                    foreach (var (k, v) in replaced)
                    {
                        known[k] = v;
                    }
                    foreach (var (k, v) in list)
                    {
                        existing[k] = v;
                    }
                }
                else
                {
                    var copy = new OrderedDictionary<string, ConfigEntry>(StringComparer.Ordinal);
                    foreach (var (k, v) in items)
                    {
                        copy[k] = v;
                    }
                    Sections[n] = copy;
                }
            }
        }
    }

    /// <summary>_getIncludes: each file gets its .local twin, then before/after includes recursively.</summary>
    private List<string> GetIncludes(List<string> filenames, List<string> seen)
    {
        var expanded = new List<string>();
        foreach (var f in filenames)
        {
            expanded.Add(f);
            var local = PyPath.StripExt(f) + ".local";
            if (!filenames.Contains(local) && Context.FileSystem.FileExists(local))
            {
                expanded.Add(local);
            }
        }
        var full = new List<string>();
        foreach (var f in expanded)
        {
            full.AddRange(GetIncludesOf(f, seen));
        }
        return full;
    }

    private List<string> GetIncludesOf(string resource, List<string> seen)
    {
        var parser = Context.Parse(resource);
        if (parser is null)
        {
            return [];
        }
        var resourceDir = PyPath.DirName(resource);
        var before = new List<string>();
        var after = new List<string>();
        if (parser.Sections.TryGetValue(IncludesSection, out var inc))
        {
            // The include values are interpolated with that one file's own values.
            var single = new ConfigStore(Context);
            foreach (var (k, v) in parser.Defaults)
            {
                single.Defaults[k] = v;
            }
            foreach (var (k, v) in parser.Sections)
            {
                single.Sections[k] = v;
            }
            foreach (var (optionName, list) in new[] { ("before", before), ("after", after) })
            {
                if (!inc.ContainsKey(optionName) && !parser.Defaults.ContainsKey(optionName))
                {
                    continue;
                }
                var value = single.Get(IncludesSection, optionName, null)!;
                foreach (var newResource in value.Split('\n'))
                {
                    var r = PyPath.IsAbs(newResource) ? newResource : PyPath.Join(resourceDir, newResource);
                    if (seen.Contains(r))
                    {
                        continue;
                    }
                    if (!Context.FileSystem.LinkExists(r))
                    {
                        var at = (inc.TryGetValue(optionName, out var e) ? e : parser.Defaults[optionName]).Origin;
                        Context.Notice($"include '{newResource}' not found (skipped, as fail2ban does)", at);
                    }
                    list.AddRange(GetIncludes([r], [.. seen, resource]));
                }
            }
        }
        return [.. before, resource, .. after];
    }

    public bool HasSection(string section) => Sections.ContainsKey(section);

    /// <summary>Where an option of a section was written (the section's own value, else [DEFAULT]'s).</summary>
    public SourceLocation? OriginOf(string section, string option)
    {
        option = PyStr.Lower(option);
        if (Sections.TryGetValue(section, out var sec) && sec.TryGetValue(option, out var e))
        {
            return e.Origin;
        }
        return Defaults.TryGetValue(option, out var d) ? d.Origin : null;
    }

    /// <summary>configparser.has_option (with DEFAULT) or, with withDefault false, the section's own keys.</summary>
    public bool HasOption(string section, string option, bool withDefault = true)
    {
        if (!withDefault)
        {
            return Sections.TryGetValue(section, out var s) && s.ContainsKey(option);
        }
        option = PyStr.Lower(option);
        if (section.Length == 0 || section == IniFileParser.DefaultSection)
        {
            return Defaults.ContainsKey(option);
        }
        return Sections.TryGetValue(section, out var sec) && (sec.ContainsKey(option) || Defaults.ContainsKey(option));
    }

    /// <summary>Option names of a section; withDefault adds [DEFAULT]'s (a set in fail2ban: order is not used).</summary>
    public List<string> Options(string section, bool withDefault)
    {
        if (!Sections.TryGetValue(section, out var sec))
        {
            throw new NoSectionException(section);
        }
        var keys = sec.Keys.ToList();
        if (withDefault)
        {
            keys.AddRange(Defaults.Keys.Where(k => !sec.ContainsKey(k)));
        }
        return keys;
    }

    public void MergeDefaults(IEnumerable<KeyValuePair<string, string>> values)
    {
        foreach (var (k, v) in values)
        {
            Defaults[k] = new ConfigEntry(v, null);
        }
    }

    /// <summary>merge_section: with a prefix, keys already carrying it are dropped and the others get it.</summary>
    public void MergeSection(string section, IEnumerable<KeyValuePair<string, string>> options, string prefix)
    {
        if (!Sections.TryGetValue(section, out var sec))
        {
            sec = new OrderedDictionary<string, ConfigEntry>(StringComparer.Ordinal);
            Sections[section] = sec;
        }
        foreach (var (k, v) in options)
        {
            if (prefix.Length == 0)
            {
                sec[k] = new ConfigEntry(v, null);
            }
            else if (!k.StartsWith(prefix, StringComparison.Ordinal) && k != "__name__")
            {
                sec[prefix + k] = new ConfigEntry(v, null);
            }
        }
    }

    /// <summary>configparser.get: vars, then the section, then [DEFAULT]; interpolated unless raw.</summary>
    public string? Get(string section, string option, IReadOnlyDictionary<string, string?>? vars, bool raw = false) =>
        TryGet(section, option, vars, out var value, raw) switch
        {
            LookupResult.Found => value,
            LookupResult.NoSection => throw new NoSectionException(section),
            _ => throw new NoOptionException(section, PyStr.Lower(option)),
        };

    /// <summary>Outcome of a lookup; the reader probes many absent options, so misses must not cost an exception.</summary>
    public enum LookupResult
    {
        Found,
        NoSection,
        NoOption,
    }

    /// <summary>Like <see cref="Get"/> but reports a missing section or option instead of throwing.</summary>
    public LookupResult TryGet(string section, string option, IReadOnlyDictionary<string, string?>? vars, out string? value, bool raw = false)
    {
        value = null;
        if (!Sections.TryGetValue(section, out var sec) && section != IniFileParser.DefaultSection)
        {
            return LookupResult.NoSection;
        }
        option = PyStr.Lower(option);
        SourceLocation? origin = null;
        if (vars is not null && vars.TryGetValue(option, out var vv))
        {
            value = vv;
        }
        else if (sec is not null && sec.TryGetValue(option, out var se))
        {
            value = se.Value;
            origin = se.Origin;
        }
        else if (Defaults.TryGetValue(option, out var de))
        {
            value = de.Value;
            origin = de.Origin;
        }
        else
        {
            return LookupResult.NoOption;
        }
        if (raw || value is null || !value.Contains('%'))
        {
            return LookupResult.Found;
        }
        var sb = new StringBuilder(value.Length + 64);
        Interpolate(sb, value, section, sec, option, vars, origin, 1);
        value = sb.ToString();
        return LookupResult.Found;
    }

    /// <summary>get_ex: 'sec/opt' reads another section (known/ = KNOWN/&lt;section&gt; then the section; default/ = DEFAULT).</summary>
    public string? GetEx(string section, string option, IReadOnlyDictionary<string, string?>? vars) =>
        TryGetEx(section, option, vars, out var value) switch
        {
            LookupResult.Found => value,
            LookupResult.NoSection => throw new NoSectionException(section),
            _ => throw new NoOptionException(section, PyStr.Lower(option)),
        };

    public LookupResult TryGetEx(string section, string option, IReadOnlyDictionary<string, string?>? vars, out string? value)
    {
        if (option.Contains('/'))
        {
            var m = SectionOptionName().Match(option);
            if (m.Success)
            {
                var sec = m.Groups[1].Value;
                var opt = m.Groups[2].Value;
                var lower = PyStr.Lower(sec);
                string[] candidates = lower == "known" ? ["KNOWN/" + section, section] : [lower != "default" ? sec : IniFileParser.DefaultSection];
                foreach (var c in candidates)
                {
                    if (TryGet(c, opt, null, out value) == LookupResult.Found)
                    {
                        return LookupResult.Found;
                    }
                }
            }
        }
        return TryGet(section, option, vars, out value);
    }

    /// <summary>BasicInterpolation._interpolate_some plus fail2ban's __name__ and %(section/option)s (§1.5).</summary>
    private void Interpolate(StringBuilder accum, string rest, string section, OrderedDictionary<string, ConfigEntry>? sec,
        string option, IReadOnlyDictionary<string, string?>? vars, SourceLocation? origin, int depth)
    {
        if (depth > MaxInterpolationDepth)
        {
            throw new ConfigException($"interpolation depth exceeded in option '{option}' of section '{section}' (recursive %(...)s reference?)", origin);
        }
        var pos = 0;
        while (pos < rest.Length)
        {
            var p = rest.IndexOf('%', pos);
            if (p < 0)
            {
                accum.Append(rest, pos, rest.Length - pos);
                return;
            }
            accum.Append(rest, pos, p - pos);
            var c = p + 1 < rest.Length ? rest[p + 1] : '\0';
            if (c == '%')
            {
                accum.Append('%');
                pos = p + 2;
            }
            else if (c == '(')
            {
                var m = InterpolationKey().Match(rest, p);
                if (!m.Success)
                {
                    throw new ConfigException($"bad interpolation variable reference '{rest[p..]}' in option '{option}' of section '{section}'", origin);
                }
                var raw = m.Groups[1].Value;
                var name = PyStr.Lower(raw);
                pos = p + m.Length;
                var v = Lookup(name, rest, section, sec, vars)
                    ?? throw new ConfigException($"option '{option}' in section '{section}' refers to '%({raw})s', which is not defined", origin);
                if (v.Contains('%'))
                {
                    Interpolate(accum, v, section, sec, option, vars, origin, depth + 1);
                }
                else
                {
                    accum.Append(v);
                }
            }
            else
            {
                throw new ConfigException($"'%' must be followed by '%' or '(' in option '{option}' of section '{section}', found: '{rest[p..]}'", origin);
            }
        }
    }

    private string? Lookup(string name, string rest, string section, OrderedDictionary<string, ConfigEntry>? sec,
        IReadOnlyDictionary<string, string?>? vars)
    {
        if (name == "__name__")
        {
            return section;
        }
        if (vars is not null && vars.TryGetValue(name, out var vv))
        {
            return vv ?? throw new ConfigException($"value of '{name}' is None and cannot be interpolated");
        }
        if (sec is not null && sec.TryGetValue(name, out var se))
        {
            return se.Value;
        }
        if (Defaults.TryGetValue(name, out var de))
        {
            return de.Value;
        }
        // fail2ban maps %(sec/opt)s references written in the value being interpolated; the lookup key is
        // lower-cased, so only references written in lower case can be found (§1.5).
        if (!name.Contains('/') || !rest.Contains("%(" + name + ")s", StringComparison.Ordinal))
        {
            return null;
        }
        var m = SectionReference().Match(name);
        if (!m.Success)
        {
            return null;
        }
        var secName = m.Groups[1].Value;
        var opt = m.Groups[2].Value;
        if (secName == "known")
        {
            if (Sections.TryGetValue("KNOWN/" + section, out var known) && known.TryGetValue(opt, out var kv))
            {
                return kv.Value;
            }
        }
        else if (secName != "default")
        {
            if (!Sections.TryGetValue(secName, out var other))
            {
                return null;
            }
            if (other.TryGetValue(opt, out var ov))
            {
                return ov.Value;
            }
        }
        return Defaults.TryGetValue(opt, out var dv) ? dv.Value : null;
    }
}

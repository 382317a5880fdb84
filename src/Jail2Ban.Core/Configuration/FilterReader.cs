namespace Jail2Ban.Core.Configuration;

/// <summary>
/// A filter file resolved with its init options, as fail2ban's FilterReader produces it:
/// %-interpolated, tags substituted, maxlines converted (§1.6, §2.1).
/// </summary>
public sealed record FilterOptions
{
    /// <summary>failregex split on newlines, empty entries dropped, in order (the index is the failregex index).</summary>
    public required IReadOnlyList<string> FailRegex { get; init; }

    /// <summary>ignoreregex split on newlines, empty entries dropped.</summary>
    public required IReadOnlyList<string> IgnoreRegex { get; init; }

    /// <summary>prefregex, or null when absent or empty.</summary>
    public string? PrefRegex { get; init; }

    /// <summary>maxlines (1 when absent).</summary>
    public int MaxLines { get; init; } = 1;

    /// <summary>datepattern as written (raw; may be multi-line), or null when absent or empty.</summary>
    public string? DatePattern { get; init; }

    /// <summary>journalmatch raw value, or null when absent or empty.</summary>
    public string? JournalMatch { get; init; }

    /// <summary>usedns from the filter file, or null when the filter does not set it.</summary>
    public string? UseDns { get; init; }

    /// <summary>All combined options (definition + init, substituted); Python str() of typed values.</summary>
    public required IReadOnlyDictionary<string, string?> Combined { get; init; }

    /// <summary>fail2ban's command stream for this filter (jail name as given), in stream order.</summary>
    public required IReadOnlyList<IReadOnlyList<object?>> Commands { get; init; }

    /// <summary>Files merged, in read order.</summary>
    public required IReadOnlyList<string> Files { get; init; }
}

/// <summary>Reads one filter file as fail2ban-regex and fail2ban's sample test do.</summary>
public static class FilterReader
{
    /// <summary>
    /// Reads filter <paramref name="nameOrPath"/> with <paramref name="initOptions"/> (the bracket options,
    /// e.g. {"mode": "aggressive"}).
    /// <paramref name="configDir"/> is the configuration root (containing filter.d) or the filter.d directory itself.
    /// <paramref name="nameOrPath"/> is a filter name (sshd) or a path to a .conf file; a path overrides configDir
    /// with the directory above its filter.d.
    /// <paramref name="backend"/>: when given, the automatic logtype of fail2ban-regex/jails is applied
    /// (journal for systemd*, else file); the sample test passes null (no automatic logtype).
    /// Throws <see cref="ConfigException"/> naming file:line on errors.
    /// </summary>
    public static FilterOptions Read(string configDir, string nameOrPath, IReadOnlyDictionary<string, string>? initOptions,
        string jailName = "jail", string? backend = null, IConfigFileSystem? fileSystem = null)
    {
        var fs = fileSystem ?? PhysicalConfigFileSystem.Instance;
        var baseDir = configDir.TrimEnd('/');
        var name = nameOrPath;
        if (name.Contains('/') || name.EndsWith(".conf", StringComparison.Ordinal) || name.EndsWith(".local", StringComparison.Ordinal))
        {
            var dir = PyPath.DirName(name);
            if (dir.Length > 0)
            {
                baseDir = dir;
            }
            name = PyPath.Split(PyPath.StripExt(name)).Tail;
        }
        if (PyPath.Split(baseDir).Tail == "filter.d")
        {
            baseDir = PyPath.DirName(baseDir);
        }
        var context = new ConfigReadContext(fs, baseDir);
        var init = new OrderedDictionary<string, string?>(StringComparer.Ordinal);
        if (initOptions is not null)
        {
            foreach (var (k, v) in initOptions)
            {
                init[k] = v;
            }
        }
        var reader = new FilterDefinitionReader(context, name, jailName, init);
        if (!reader.Read())
        {
            throw new ConfigException($"Unable to read the filter '{name}': found no accessible config files for 'filter.d/{name}' under {context.BaseDir}");
        }
        if (backend is not null)
        {
            reader.ApplyAutoOptions(backend);
        }
        reader.GetOptions(null);
        var combined = reader.GetCombined();
        var commands = FilterDefinitionReader.FillStream([], combined, jailName);
        return Build(combined, commands, reader.Config!.FilesRead);
    }

    internal static FilterOptions Build(OrderedDictionary<string, object?> combined, List<List<object?>> commands, IReadOnlyList<string> files)
    {
        string? Str(string key) => combined.TryGetValue(key, out var v) ? PyStr.Str(v) : null;
        static List<string> Lines(string? v) => v is null ? [] : v.Split('\n').Where(l => l.Length > 0).ToList();
        static string? NonEmpty(string? v) => string.IsNullOrEmpty(v) ? null : v;
        var maxLines = combined.TryGetValue("maxlines", out var ml) && ml is long l ? (int)l : 1;
        return new FilterOptions
        {
            FailRegex = Lines(Str("failregex")),
            IgnoreRegex = Lines(Str("ignoreregex")),
            PrefRegex = NonEmpty(Str("prefregex")),
            MaxLines = maxLines,
            DatePattern = NonEmpty(Str("datepattern")),
            JournalMatch = NonEmpty(Str("journalmatch")),
            UseDns = NonEmpty(Str("usedns")),
            Combined = combined.ToDictionary(kv => kv.Key, kv => PyStr.Str(kv.Value), StringComparer.Ordinal),
            Commands = commands,
            Files = files.ToList(),
        };
    }
}

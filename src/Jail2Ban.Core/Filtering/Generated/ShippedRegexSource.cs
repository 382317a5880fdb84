using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Jail2Ban.Core.Configuration;

namespace Jail2Ban.Core.Filtering.Generated;

/// <summary>One shipped pattern: the final .NET pattern and options the filter engine compiles it with.</summary>
public sealed record ShippedPattern(string Net, RegexOptions Options);

/// <summary>One way a shipped filter can be read (filter name, mode, backend) and the patterns it yields.</summary>
public sealed record ShippedFilterVariant(string Filter, string Mode, string? Backend, FilterOptions Options);

/// <summary>
/// The generator's logic behind ShippedRegexes.g.cs, shared by tools/FilterRegexGen and the test that checks the
/// committed file is current: read every filter of filter.d in every mode it defines, under each backend's logtype,
/// expand each pattern exactly as <see cref="FilterRegexCompiler"/> does (usedns no and not-no, multi-line failregex
/// when maxlines &gt; 1), and render one [GeneratedRegex] per distinct (pattern, options).
/// </summary>
public static partial class ShippedRegexSource
{
    /// <summary>Backends whose automatic logtype differs (file, journal), and none (the filter's own default).</summary>
    private static readonly string?[] Backends = [null, "auto", "systemd"];

    // A mode selector "<prefix-<mode>...>" as filters write it (mdre-<mode>, mdpr-<mode>, apache-pref-ign-<mode>, ...).
    [GeneratedRegex(@"<([\w\-]+?)-<mode>(-[\w\-]+)?>", RegexOptions.CultureInvariant)]
    private static partial Regex ModeSelector();

    /// <summary>
    /// Every (filter, mode, backend) reading of the .conf files in <paramref name="filterDir"/> that defines a failregex
    /// (the includes-only files such as common.conf define none). Modes: the default plus every name the filter's
    /// mode selectors can pick (the X in the file's prefix-X keys, a trailing selector suffix such as -other removed).
    /// </summary>
    public static IEnumerable<ShippedFilterVariant> Variants(string filterDir)
    {
        // the reader takes the directory above filter.d as the configuration root: a bare "filter.d" has none
        filterDir = Path.GetFullPath(filterDir);
        foreach (string path in Directory.GetFiles(filterDir, "*.conf").Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileNameWithoutExtension(path);
            var plain = FilterReader.Read(filterDir, name, null);
            if (plain.FailRegex.Count == 0)
            {
                continue;
            }
            foreach (string mode in Modes(File.ReadAllText(path)))
            {
                foreach (string? backend in Backends)
                {
                    var init = mode.Length == 0 ? null : new Dictionary<string, string> { ["mode"] = mode };
                    yield return new ShippedFilterVariant(name, mode, backend, FilterReader.Read(filterDir, name, init, backend: backend));
                }
            }
        }
    }

    // An option key at the start of a line ("mdre-normal =", "mode = normal"); the filter's own file defines its modes.
    [GeneratedRegex(@"^([\w\-]+)[ \t]*[=:][ \t]*(.*)$", RegexOptions.CultureInvariant | RegexOptions.Multiline)]
    private static partial Regex OptionLine();

    private static SortedSet<string> Modes(string text)
    {
        var modes = new SortedSet<string>(StringComparer.Ordinal);
        var keys = OptionLine().Matches(text).Select(m => (Key: m.Groups[1].Value, Value: m.Groups[2].Value.Trim())).ToList();
        if (keys.LastOrDefault(k => k.Key == "mode").Value is { Length: > 0 } def)
        {
            modes.Add(def);
        }
        foreach (Match m in ModeSelector().Matches(text))
        {
            string prefix = m.Groups[1].Value + "-", suffix = m.Groups[2].Value;
            foreach (var (key, _) in keys.Where(k => k.Key.StartsWith(prefix, StringComparison.Ordinal)))
            {
                string mode = key[prefix.Length..];
                if (suffix.Length > 0 && mode.EndsWith(suffix, StringComparison.Ordinal))
                {
                    mode = mode[..^suffix.Length];
                }
                if (mode.Length > 0 && !mode.Contains('-'))
                {
                    modes.Add(mode);
                }
            }
        }
        if (modes.Count == 0)
        {
            modes.Add("");
        }
        return modes;
    }

    /// <summary>The final patterns of one reading, for both usedns expansions, in the order the filter compiles them.</summary>
    public static IEnumerable<ShippedPattern> Patterns(FilterOptions o)
    {
        foreach (var dns in new[] { UseDns.No, UseDns.Warn })
        {
            if (!string.IsNullOrEmpty(o.PrefRegex))
            {
                yield return Final(o.PrefRegex, dns, false);
            }
            foreach (string r in o.FailRegex)
            {
                yield return Final(r, dns, o.MaxLines > 1);
            }
            foreach (string r in o.IgnoreRegex)
            {
                yield return Final(r, dns, false);
            }
        }
    }

    private static ShippedPattern Final(string pattern, UseDns dns, bool multiline)
    {
        var (_, net, options) = FilterRegexCompiler.Prepare(pattern, dns, multiline);
        return new ShippedPattern(net, options);
    }

    /// <summary>The distinct patterns of every shipped filter, in a stable (ordinal) order.</summary>
    public static IReadOnlyList<ShippedPattern> Collect(string filterDir) =>
        Variants(filterDir).SelectMany(v => Patterns(v.Options)).Distinct()
            .OrderBy(p => p.Options).ThenBy(p => p.Net, StringComparer.Ordinal).ToList();

    /// <summary>The text of ShippedRegexes.g.cs for <paramref name="patterns"/>.</summary>
    public static string Render(IReadOnlyList<ShippedPattern> patterns, TimeSpan matchTimeout)
    {
        var sb = new StringBuilder();
        sb.Append("// <auto-generated>\n")
          .Append("// Written by tools/FilterRegexGen (make regexgen) from filter.d; do not edit.\n")
          .Append("// ShippedRegexesTests fails when this file no longer matches filter.d.\n")
          .Append("// </auto-generated>\n")
          .Append("#nullable enable\n")
          .Append("using System.Text.RegularExpressions;\n\n")
          .Append("namespace Jail2Ban.Core.Filtering.Generated;\n\n")
          .Append("internal static partial class ShippedRegexes\n{\n")
          .Append(CultureInfo.InvariantCulture, $"    public const int MatchTimeoutMilliseconds = {(int)matchTimeout.TotalMilliseconds};\n\n")
          .Append(CultureInfo.InvariantCulture, $"    public const int Count = {patterns.Count};\n\n");
        for (int i = 0; i < patterns.Count; i++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"    [GeneratedRegex({Literal(patterns[i].Net)}, {OptionsText(patterns[i].Options)}, MatchTimeoutMilliseconds)]\n")
              .Append(CultureInfo.InvariantCulture, $"    private static partial Regex R{i:D4}();\n\n");
        }
        sb.Append("    /// <summary>The generated regex for an exact final pattern and options, or null.</summary>\n")
          .Append("    private static Regex? Lookup(string pattern, RegexOptions options) => options switch\n    {\n");
        foreach (var group in patterns.Select((p, i) => (p, i)).GroupBy(x => x.p.Options))
        {
            sb.Append(CultureInfo.InvariantCulture, $"        {OptionsText(group.Key)} => pattern switch\n        {{\n");
            foreach (var (p, i) in group)
            {
                sb.Append(CultureInfo.InvariantCulture, $"            {Literal(p.Net)} => R{i:D4}(),\n");
            }
            sb.Append("            _ => null,\n        },\n");
        }
        sb.Append("        _ => null,\n    };\n}\n");
        return sb.ToString();
    }

    private static string OptionsText(RegexOptions options) =>
        options == RegexOptions.None
            ? "RegexOptions.None"
            : string.Join(" | ", Enum.GetValues<RegexOptions>().Where(f => f != RegexOptions.None && options.HasFlag(f)).Select(f => "RegexOptions." + f));

    /// <summary>
    /// A C# literal: verbatim (readable) unless the text holds control or non-ASCII characters (also used by
    /// DefaultDateRegexSource for the date file).
    /// </summary>
    internal static string Literal(string s)
    {
        if (s.All(c => c >= ' ' && c <= '~'))
        {
            return "@\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        }
        var sb = new StringBuilder("\"");
        foreach (char c in s)
        {
            _ = c switch
            {
                '"' => sb.Append("\\\""),
                '\\' => sb.Append(@"\\"),
                >= ' ' and <= '~' => sb.Append(c),
                _ => sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"),
            };
        }
        return sb.Append('"').ToString();
    }
}

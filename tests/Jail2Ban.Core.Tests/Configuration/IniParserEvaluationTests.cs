using IniParser.Model;
using IniParser.Parser;
using Jail2Ban.Core.Configuration;
using Xunit.Abstractions;

namespace Jail2Ban.Core.Tests.Configuration;

/// <summary>
/// Why the INI reader is our own: the design card named IniParser (ini-parser-netstandard 2.5.2). Configured
/// as close to fail2ban's dialect as it allows, it still reads most of the stock corpus differently from
/// Python's configparser (which our <see cref="IniFileParser"/> reproduces and the oracle tests confirm).
/// </summary>
public class IniParserEvaluationTests(ITestOutputHelper output)
{
    private static IniDataParser Library() => new()
    {
        Configuration =
        {
            CommentString = "#",
            SkipInvalidLines = true,
            AllowDuplicateKeys = true,
            OverrideDuplicateKeys = true,
            AllowDuplicateSections = true,
            AllowKeysWithoutSection = true,
            CaseInsensitive = true,
            ThrowExceptionsOnError = true,
        },
    };

    /// <summary>Section (case-folded) → option (lower-cased) → value, as each parser sees the file.</summary>
    private static SortedDictionary<string, SortedDictionary<string, string>> Ours(string path, string text)
    {
        var f = IniFileParser.Parse(path, text);
        var r = new SortedDictionary<string, SortedDictionary<string, string>>(StringComparer.Ordinal);
        void Add(string section, IEnumerable<KeyValuePair<string, ConfigEntry>> opts)
        {
            var d = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var (k, v) in opts)
            {
                d[k] = v.Value;
            }
            r[section.ToLowerInvariant()] = d;
        }
        if (f.Defaults.Count > 0)
        {
            Add("DEFAULT", f.Defaults);
        }
        foreach (var (name, s) in f.Sections)
        {
            Add(name, s);
        }
        return r;
    }

    private static SortedDictionary<string, SortedDictionary<string, string>>? Theirs(string text)
    {
        IniData data;
        try
        {
            data = Library().Parse(text);
        }
        catch (Exception)
        {
            return null; // the library rejects the file outright
        }
        var r = new SortedDictionary<string, SortedDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var s in data.Sections)
        {
            var d = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var k in s.Keys)
            {
                d[k.KeyName.ToLowerInvariant()] = k.Value;
            }
            r[s.SectionName.ToLowerInvariant()] = d;
        }
        return r;
    }

    private static string? FirstDifference(SortedDictionary<string, SortedDictionary<string, string>> ours,
        SortedDictionary<string, SortedDictionary<string, string>>? theirs)
    {
        if (theirs is null)
        {
            return "library threw";
        }
        foreach (var (sec, opts) in ours)
        {
            if (!theirs.TryGetValue(sec, out var t))
            {
                return $"[{sec}] missing";
            }
            foreach (var (k, v) in opts)
            {
                if (!t.TryGetValue(k, out var tv))
                {
                    return $"[{sec}] {k} missing";
                }
                if (tv != v)
                {
                    return $"[{sec}] {k}: {Show(v)} vs {Show(tv)}";
                }
            }
            var extra = t.Keys.Except(opts.Keys).FirstOrDefault();
            if (extra is not null)
            {
                return $"[{sec}] spurious key '{extra}'";
            }
        }
        var extraSec = theirs.Keys.Except(ours.Keys).FirstOrDefault();
        return extraSec is null ? null : $"spurious section [{extraSec}]";
    }

    private static string Show(string v) => v.Length > 60 ? PyRepr.Repr(v[..60]) + "..." : PyRepr.Repr(v);

    [Fact]
    public void LibraryReadsMostOfTheStockCorpusDifferently()
    {
        var files = new[] { ConfigFixtures.UpstreamConfig, ConfigFixtures.DebianConfig }
            .SelectMany(d => Directory.GetFiles(d, "*", SearchOption.AllDirectories))
            .Where(f => f.EndsWith(".conf", StringComparison.Ordinal) || f.EndsWith(".local", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
        var differing = new List<(string File, string Diff)>();
        foreach (var f in files)
        {
            var text = File.ReadAllText(f);
            var diff = FirstDifference(Ours(f, text), Theirs(text));
            if (diff is not null)
            {
                differing.Add((f, diff));
            }
        }
        output.WriteLine($"IniParser 2.5.2 reads {differing.Count} of {files.Count} stock files differently");
        foreach (var (f, d) in differing.Take(8))
        {
            output.WriteLine($"  {Path.GetRelativePath(ConfigFixtures.Compat, f)}: {d}");
        }
        Assert.True(files.Count > 300, "corpus not found");
        // sshd's multi-line failregex alone shows the defect; most filters have such values.
        Assert.Contains(differing, d => d.File.EndsWith("fail2ban/config/filter.d/sshd.conf", StringComparison.Ordinal));
        Assert.True(differing.Count > files.Count / 2, $"only {differing.Count} differ");
    }

    [Fact]
    public void LibrarySplitsAnIndentedContinuationLineContainingEqualsIntoANewKey()
    {
        const string text = "[Definition]\nfailregex = ^a <HOST>$\n            ^b user=<F-USER>\\S+</F-USER> <HOST>$\n";
        Assert.Equal("^a <HOST>$\n^b user=<F-USER>\\S+</F-USER> <HOST>$", Ours("x", text)["definition"]["failregex"]);
        var theirs = Theirs(text)!["definition"];
        Assert.Equal("^a <HOST>$", theirs["failregex"]);
        Assert.True(theirs.ContainsKey("^b user"), "the continuation line became a key");
    }
}

using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Jail2Ban.Core.Filtering;

namespace Jail2Ban.Core.Tests.Filtering;

/// <summary>
/// The maxlines = 1 fast path of <see cref="Filter"/> (failregexes searched inside the buffer text, tuples built only
/// for failures) against the general code path it replaces, line by line over every stock filter's sample log, with
/// each filterOptions set of the log, in both the sample-test (all regexes) and fail2ban-regex (first match) modes:
/// failures (index, id, time, every fail-data entry), the buffer left behind, prefregex state and processed text
/// must be identical.
/// </summary>
public sealed class FastPathDifferentialTests
{
    internal static readonly FilterRegexCompiler Compiler = new(TimeSpan.FromSeconds(5), compiled: false);

    public static TheoryData<string> TestNames() => SampleLogTests.TestNames();

    [Theory]
    [MemberData(nameof(TestNames))]
    public void FastPathEqualsGeneralPath(string name)
    {
        string[] lines = File.ReadAllText(Path.Combine(FilterFixtures.SampleLogs, name), Encoding.UTF8).Split('\n')
            .Select(l => l.TrimEnd('\r')).ToArray();
        var source = new ProjectFilterSource(Compiler, SampleLogTests.TestZone);
        int compared = 0;
        foreach (var options in OptionSets(lines))
        {
            if (source.Create(name, options).Options.MaxLines > 1)
            {
                continue; // no fast path there
            }
            foreach (var behavior in new[] { FilterBehavior.SampleTest, FilterBehavior.RegexTool })
            {
                var fast = Make(source, name, options, behavior, generic: false);
                var slow = Make(source, name, options, behavior, generic: true);
                for (int i = 0; i < lines.Length; i++)
                {
                    string line = lines[i];
                    if (line.Length == 0 || line.StartsWith('#'))
                    {
                        continue;
                    }
                    string a = Render(fast.ProcessLine(line, SampleLogTests.TestNow), fast);
                    string b = Render(slow.ProcessLine(line, SampleLogTests.TestNow), slow);
                    Assert.True(a == b, $"{name} {Describe(options)} checkall={behavior.CheckAllRegex} line {i + 1}: {line}\nfast: {a}\nslow: {b}");
                    compared++;
                }
            }
        }
        Assert.True(compared > 0 || source.Create(name, []).Options.MaxLines > 1, $"{name}: nothing compared");
    }

    /// <summary>
    /// Connections with and without earlier state ending in "nofail + forget" lines (the stateless shortcut must only
    /// apply when the mlfid is not cached), interleaved, in both modes and with each sshd mode.
    /// </summary>
    [Theory]
    [InlineData("normal")]
    [InlineData("ddos")]
    [InlineData("aggressive")]
    public void SshdConnectionEndsWithAndWithoutState(string mode)
    {
        string[] lines =
        [
            "Feb 25 14:34:10 srv sshd[10]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.10  user=root",
            "Feb 25 14:34:10 srv sshd[11]: Connection closed by 192.0.2.11 port 22",
            "Feb 25 14:34:11 srv sshd[10]: Connection closed by authenticating user root 192.0.2.10 port 22 [preauth]",
            "Feb 25 14:34:11 srv sshd[12]: Accepted publickey for deploy from 192.0.2.12 port 22 ssh2: ED25519 SHA256:x",
            "Feb 25 14:34:12 srv sshd[13]: Failed password for invalid user a from 192.0.2.13 port 22 ssh2",
            "Feb 25 14:34:12 srv sshd[13]: Failed password for invalid user b from 192.0.2.13 port 22 ssh2",
            "Feb 25 14:34:12 srv sshd[13]: Accepted password for b from 192.0.2.13 port 22 ssh2",
            "Feb 25 14:34:13 srv sshd[14]: Received disconnect from 192.0.2.14 port 22:11: disconnected by user",
            "Feb 25 14:34:13 srv sshd[15]: Connection from 192.0.2.15 port 22 on 10.0.0.1 port 22",
            "Feb 25 14:34:13 srv sshd[15]: Received disconnect from 192.0.2.15 port 22:11: bye [preauth]",
            "Feb 25 14:34:14 srv sshd[15]: Disconnected from 192.0.2.15 port 22 [preauth]",
            "Feb 25 14:34:14 srv sshd[16]: Disconnected from invalid user x 192.0.2.16 port 22 [preauth]",
            "Feb 25 14:34:15 srv sshd[10]: Connection closed by 192.0.2.10 port 22",
        ];
        var source = new ProjectFilterSource(Compiler, SampleLogTests.TestZone);
        List<KeyValuePair<string, string>> options = [KeyValuePair.Create("mode", mode)];
        foreach (var behavior in new[] { FilterBehavior.SampleTest, FilterBehavior.RegexTool, FilterBehavior.Daemon with { CheckFindTime = false } })
        {
            var fast = Make(source, "sshd", options, behavior, generic: false);
            var slow = Make(source, "sshd", options, behavior, generic: true);
            int failures = 0;
            foreach (string line in lines.Concat(lines))
            {
                var found = fast.ProcessLine(line, SampleLogTests.TestNow);
                failures += found.Count;
                string a = Render(found, fast);
                string b = Render(slow.ProcessLine(line, SampleLogTests.TestNow), slow);
                Assert.True(a == b, $"{mode} checkall={behavior.CheckAllRegex}: {line}\nfast: {a}\nslow: {b}");
            }
            Assert.True(failures > 0);
        }
    }

    [Fact]
    public void TheComparisonSeesADifference()
    {
        // the rendering must show what the fast path keeps lazily: a filter whose two paths are fed different lines differs
        var source = new ProjectFilterSource(Compiler, SampleLogTests.TestZone);
        var a = Make(source, "sshd", [], FilterBehavior.SampleTest, generic: false);
        var b = Make(source, "sshd", [], FilterBehavior.SampleTest, generic: true);
        const string L1 = "Feb 25 14:34:11 srv sshd[1]: Failed password for root from 192.0.2.1 port 22 ssh2";
        const string L2 = "Feb 25 14:34:11 srv sshd[1]: Failed password for root from 192.0.2.2 port 22 ssh2";
        Assert.NotEqual(Render(a.ProcessLine(L1, SampleLogTests.TestNow), a), Render(b.ProcessLine(L2, SampleLogTests.TestNow), b));
        Assert.Contains("192.0.2.1", Render(a.ProcessLine(L1, SampleLogTests.TestNow), a));
    }

    internal static Filter Make(ProjectFilterSource source, string name, IReadOnlyList<KeyValuePair<string, string>> options, FilterBehavior behavior, bool generic)
    {
        var f = source.Create(name, options);
        return new Filter(f.Options, f.DateFinder, behavior, Compiler) { GenericPath = generic };
    }

    /// <summary>The default options and each filterOptions annotation of the log (test.* keys dropped, as §4.3 says).</summary>
    internal static IEnumerable<IReadOnlyList<KeyValuePair<string, string>>> OptionSets(string[] lines)
    {
        yield return [];
        foreach (string line in lines)
        {
            const string Tag = "filterOptions:";
            int at = line.IndexOf(Tag, StringComparison.Ordinal);
            if (!line.StartsWith('#') || at < 0)
            {
                continue;
            }
            var node = JsonNode.Parse(line[(at + Tag.Length)..]);
            var objects = node is JsonArray arr ? arr.Select(n => n!.AsObject()) : [node!.AsObject()];
            foreach (var o in objects)
            {
                yield return o.Where(kv => !kv.Key.StartsWith("test.", StringComparison.Ordinal))
                    .Select(kv => KeyValuePair.Create(kv.Key, kv.Value?.ToString() ?? "")).ToList();
            }
        }
    }

    internal static string Describe(IReadOnlyList<KeyValuePair<string, string>> o) => "{" + string.Join(",", o.Select(kv => kv.Key + "=" + kv.Value)) + "}";

    internal static string Render(IReadOnlyList<Failure> failures, Filter f)
    {
        var sb = new StringBuilder();
        foreach (var x in failures)
        {
            sb.Append(CultureInfo.InvariantCulture, $"[{x.RegexIndex} {x.Id?.Text ?? "None"} {x.Time?.ToString("R", CultureInfo.InvariantCulture)} ");
            foreach (var kv in x.Data)
            {
                sb.Append(kv.Key).Append('=').Append(Value(kv.Value)).Append(' ');
            }
            sb.Append(']');
        }
        sb.Append(" buffer=").Append(string.Join("", f.LineBuffer.Select(Tuple)));
        sb.Append(" pref=").Append(f.PrefRegexMatched);
        sb.Append(" prefgroups=").Append(f.PrefRegexGroups is { } g ? string.Join(",", g.Select(kv => kv.Key + ":" + Value(kv.Value))) : "-");
        sb.Append(" processed=").Append(f.ProcessedLine);
        return sb.ToString();
    }

    private static string Tuple(LineTuple t) => $"<{t.Prefix}|{t.DateText}|{t.Suffix}>";

    private static string Value(object? v) => v switch
    {
        null => "None",
        string s => "'" + s + "'",
        IEnumerable<LineTuple> ts => "[" + string.Join("", ts.Select(Tuple)) + "]",
        HashSet<string> ss => "{" + string.Join(",", ss.Order(StringComparer.Ordinal)) + "}",
        IEnumerable e => "[" + string.Join(",", e.Cast<object?>().Select(Value)) + "]",
        _ => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "",
    };
}

using System.Text.RegularExpressions;
using Jail2Ban.Core.Configuration;
using Jail2Ban.Core.Filtering;
using Jail2Ban.Core.Filtering.Dates;
using Jail2Ban.Core.Filtering.Generated;

namespace Jail2Ban.Core.Tests.Filtering;

/// <summary>
/// The shipped filters' regexes come from ShippedRegexes.g.cs (compiled at build time). A filter change without
/// <c>make regexgen</c> fails <see cref="CommittedFileIsCurrent"/>; a change of the compiler's expansion fails the
/// per-filter hit checks.
/// </summary>
public sealed class ShippedRegexesTests
{
    private static string FilterDir => Path.Combine(FilterFixtures.RepoRoot, "filter.d");

    private static string GeneratedFile =>
        Path.Combine(FilterFixtures.RepoRoot, "src", "Jail2Ban.Core", "Filtering", "Generated", "ShippedRegexes.g.cs");

    private sealed class NoDates : IDateFinder
    {
        public DateHit? Find(string line, double now) => null;
    }

    // Generated regexes are instances of a source-generated subclass; run-time ones are plain Regex.
    private static bool IsGenerated(Regex r) => r.GetType() != typeof(Regex);

    public static TheoryData<string, string, string> Readings()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var v in ShippedRegexSource.Variants(FilterDir))
        {
            data.Add(v.Filter, v.Mode, v.Backend ?? "");
        }
        return data;
    }

    private static FilterOptions Read(string filter, string mode, string backend) =>
        FilterReader.Read(FilterDir, filter, mode.Length == 0 ? null : new Dictionary<string, string> { ["mode"] = mode },
            backend: backend.Length == 0 ? null : backend);

    private static List<FilterRegex> AllRegexes(Filter f) =>
        [.. f.PrefRegex is { } p ? [p] : Array.Empty<FilterRegex>(), .. f.FailRegexes, .. f.IgnoreRegexes];

    [Fact]
    public void CommittedFileIsCurrent()
    {
        string expected = ShippedRegexSource.Render(ShippedRegexSource.Collect(FilterDir), FilterRegexCompiler.DefaultTimeout);
        string committed = File.ReadAllText(GeneratedFile).ReplaceLineEndings("\n");
        Assert.True(expected == committed,
            "ShippedRegexes.g.cs does not match filter.d: run `make regexgen` and commit the file.");
    }

    [Fact]
    public void GeneratedSetIsNotEmptyAndHasNoDuplicates()
    {
        var patterns = ShippedRegexSource.Collect(FilterDir);
        Assert.True(patterns.Count > 50, $"only {patterns.Count} patterns");
        Assert.Equal(patterns.Count, patterns.Distinct().Count());
        Assert.Equal(ShippedRegexes.Count, patterns.Count);
    }

    [Theory]
    [MemberData(nameof(Readings))]
    public void EveryShippedFilterRegexComesFromTheGeneratedSet(string filter, string mode, string backend)
    {
        var options = Read(filter, mode, backend);
        foreach (var dns in new[] { "no", "warn", "yes", "raw" })
        {
            var f = new Filter(FilterSettings.FromConfig(options, dns), new NoDates(), compiler: new FilterRegexCompiler());
            var all = AllRegexes(f);
            int expected = options.FailRegex.Count + options.IgnoreRegex.Count + (options.PrefRegex is null ? 0 : 1);
            Assert.Equal(expected, all.Count);
            int hits = all.Count(r => IsGenerated(r.Regex));
            Assert.True(hits == expected, $"{filter}[mode={mode}] usedns={dns}: {hits}/{expected} generated; missing: "
                + string.Join(" | ", all.Where(r => !IsGenerated(r.Regex)).Select(r => r.Expanded)));
        }
    }

    [Theory]
    [InlineData("sshd", "normal")]
    [InlineData("sshd", "aggressive")]
    [InlineData("postfix", "more")]
    [InlineData("apache-auth", "normal")]
    public void DisabledHookCompilesAtRunTimeWithTheSameGroups(string filter, string mode)
    {
        var options = Read(filter, mode, "auto");
        var settings = FilterSettings.FromConfig(options);
        var generated = AllRegexes(new Filter(settings, new NoDates(), compiler: new FilterRegexCompiler()));
        var runtime = AllRegexes(new Filter(settings, new NoDates(), compiler: new FilterRegexCompiler { UseGeneratedRegexes = false }));
        Assert.All(runtime, r => Assert.False(IsGenerated(r.Regex)));
        Assert.Equal(runtime.Count, generated.Count);
        for (int i = 0; i < runtime.Count; i++)
        {
            Assert.True(IsGenerated(generated[i].Regex));
            Assert.Equal(runtime[i].Regex.ToString(), generated[i].Regex.ToString());
            Assert.Equal(runtime[i].Regex.Options & ~RegexOptions.Compiled, generated[i].Regex.Options);
            Assert.Equal(runtime[i].Regex.GetGroupNames(), generated[i].Regex.GetGroupNames());
            Assert.Equal(runtime[i].Regex.GetGroupNumbers(), generated[i].Regex.GetGroupNumbers());
            Assert.Equal(runtime[i].GroupNames, generated[i].GroupNames);
            Assert.Equal(FilterRegexCompiler.DefaultTimeout, generated[i].Regex.MatchTimeout);
        }
        // same failures on fail2ban's sample log (read at run time from the compat corpus), whole filter engine
        string log = Path.Combine(FilterFixtures.SampleLogs, filter);
        Assert.True(File.Exists(log), log);
        Filter Engine(FilterRegexCompiler c) =>
            new(settings, new DetectorDateFinder(new DateDetector(settings.DatePattern, null, TimeZoneInfo.Utc)), FilterBehavior.SampleTest, c);
        var withGenerated = Engine(new FilterRegexCompiler());
        var withRuntime = Engine(new FilterRegexCompiler { UseGeneratedRegexes = false });
        Assert.True(IsGenerated(withGenerated.FailRegexes[0].Regex));
        int matched = 0;
        foreach (string line in File.ReadLines(log).Where(l => !l.StartsWith('#')))
        {
            var want = withRuntime.ProcessLine(line, 1_700_000_000);
            var got = withGenerated.ProcessLine(line, 1_700_000_000);
            Assert.Equal(Show(want), Show(got));
            matched += want.Count;
        }
        Assert.True(matched > 0, $"no failure found in {log}: the comparison proved nothing");
    }

    private static string Show(IReadOnlyList<Failure> failures) =>
        string.Join("\n", failures.Select(f => $"{f.RegexIndex} {f.Id} {f.Time} "
            + string.Join(",", f.Data.Keys.Order(StringComparer.Ordinal).Select(k => k + "=" + f.Data.GetString(k)))));

    [Fact]
    public void UserPatternCompilesAtRunTimeAndIsCached()
    {
        var compiler = new FilterRegexCompiler();
        var a = compiler.Compile(@"^my own app: bad login from <HOST>$", UseDns.No);
        var b = compiler.Compile(@"^my own app: bad login from <HOST>$", UseDns.No);
        Assert.False(IsGenerated(a.Regex));
        Assert.Same(a, b);
        Assert.Equal("192.0.2.1", a.Search("my own app: bad login from 192.0.2.1").Groups["ip4"].Value);
    }

    [Fact]
    public void OtherMatchTimeoutOrOptionsMissTheGeneratedSet()
    {
        var p = ShippedRegexSource.Collect(FilterDir)[0];
        Assert.True(ShippedRegexes.TryGet(p.Net, p.Options, FilterRegexCompiler.DefaultTimeout, out var hit));
        Assert.True(IsGenerated(hit));
        Assert.True(ShippedRegexes.TryGet(p.Net, p.Options | RegexOptions.Compiled, FilterRegexCompiler.DefaultTimeout, out _));
        Assert.False(ShippedRegexes.TryGet(p.Net, p.Options, TimeSpan.FromSeconds(3), out _));
        Assert.False(ShippedRegexes.TryGet(p.Net, p.Options | RegexOptions.IgnoreCase, FilterRegexCompiler.DefaultTimeout, out _));
        Assert.False(ShippedRegexes.TryGet(p.Net + "x", p.Options, FilterRegexCompiler.DefaultTimeout, out _));
    }

    [Fact]
    public void WithAWatchdogAGeneratedRegexRunsItsGeneratedCodeWithoutTheEngineTimeout()
    {
        string pattern = Read("sshd", "normal", "auto").FailRegex[0];
        var (_, net, options) = FilterRegexCompiler.Prepare(pattern, UseDns.Warn, multiline: false);
        Assert.True(ShippedRegexes.TryGet(net, options, FilterRegexCompiler.DefaultTimeout, out var hit));
        using var watchdog = new RegexWatchdog(FilterRegexCompiler.DefaultTimeout, _ => { });
        var watched = new FilterRegexCompiler(FilterRegexCompiler.DefaultTimeout, watchdog: watchdog).Compile(pattern, UseDns.Warn);
        var plain = new FilterRegexCompiler().Compile(pattern, UseDns.Warn);

        Assert.Same(hit, plain.Regex);
        Assert.Equal(FilterRegexCompiler.DefaultTimeout, plain.Regex.MatchTimeout);
        Assert.Equal(Regex.InfiniteMatchTimeout, watched.Regex.MatchTimeout);
        // the generated code itself, not a compile at start
        Assert.Same(Factory(hit), Factory(watched.Regex));
        Assert.Equal(hit.ToString(), watched.Regex.ToString());
        Assert.Equal(hit.GetGroupNames(), watched.Regex.GetGroupNames());
    }

    private static object? Factory(Regex r) =>
        typeof(Regex).GetField("factory", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)!.GetValue(r);

    [Fact]
    public void ModesAreReadFromTheFilterFiles()
    {
        var modes = ShippedRegexSource.Variants(FilterDir).GroupBy(v => v.Filter)
            .ToDictionary(g => g.Key, g => g.Select(v => v.Mode).Distinct().Order(StringComparer.Ordinal).ToArray());
        Assert.Equal(["aggressive", "ddos", "extra", "normal"], modes["sshd"]);
        Assert.Contains("more", modes["postfix"]);
        Assert.Contains("aggressive", modes["dovecot"]);
        Assert.Equal([""], modes["recidive"]);
        Assert.DoesNotContain("common", modes.Keys);
    }

    [Fact]
    public void MultiLineFilterGetsMultilineVariantOfItsFailRegexOnly()
    {
        string dir = Path.Combine(Path.GetTempPath(), "j2b-regexgen-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(dir, "filter.d"));
        try
        {
            File.WriteAllText(Path.Combine(dir, "filter.d", "ml.conf"),
                "[Definition]\nfailregex = ^fail from <HOST>$\nignoreregex = ^ok \"x\"$\nmaxlines = 3\n");
            var patterns = ShippedRegexSource.Collect(Path.Combine(dir, "filter.d"));
            Assert.Equal(2, patterns.Count(p => p.Options.HasFlag(RegexOptions.Multiline)));
            Assert.Equal(1, patterns.Count(p => !p.Options.HasFlag(RegexOptions.Multiline)));
            string text = ShippedRegexSource.Render(patterns, TimeSpan.FromSeconds(2));
            Assert.Contains("RegexOptions.Multiline | RegexOptions.CultureInvariant", text, StringComparison.Ordinal);
            Assert.Contains("@\"^ok \"\"x\"\"$\"", text, StringComparison.Ordinal);
            Assert.Contains("MatchTimeoutMilliseconds = 2000;", text, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}

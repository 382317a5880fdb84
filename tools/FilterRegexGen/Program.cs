// Build step (make regexgen): writes src/Jail2Ban.Core/Filtering/Generated/ShippedRegexes.g.cs from filter.d, so the
// shipped filters' regexes are compiled by the [GeneratedRegex] source generator at build time instead of at start.
// Why a tool and not a Roslyn generator: generators do not see each other's output, so a generator emitting
// [GeneratedRegex] methods would leave them unimplemented; the file has to exist before the compiler runs.
// Usage: FilterRegexGen [--list] [filter.d dir] [output file]   |   FilterRegexGen --measure [filter.d dir]   (defaults: the repo's own, found from the current directory)
//        FilterRegexGen --dates [output file]: the default date templates' regexes (Filtering/Dates/DefaultDateRegexes.g.cs)
using Jail2Ban.Core.Configuration;
using Jail2Ban.Core.Filtering;
using Jail2Ban.Core.Filtering.Dates;
using Jail2Ban.Core.Filtering.Generated;

bool list = args.Contains("--list");
if (args.Contains("--dates"))
{
    // Base year = this year: the file then covers the %ExY patterns of the next YearsCovered years.
    var rest = args.Where(a => a != "--dates").ToArray();
    string datesOut = rest.Length > 0 ? rest[0]
        : Path.Combine(FindRoot(Directory.GetCurrentDirectory()), "src", "Jail2Ban.Core", "Filtering", "Dates", "DefaultDateRegexes.g.cs");
    string datesText = DefaultDateRegexSource.Render(DateTime.Now.Year);
    bool datesSame = File.Exists(datesOut) && File.ReadAllText(datesOut) == datesText;
    if (!datesSame)
    {
        File.WriteAllText(datesOut, datesText);
    }
    Console.WriteLine($"{datesOut}: {DefaultDateRegexSource.Collect(DateTime.Now.Year).Count} default date regexes{(datesSame ? " (unchanged)" : "")}");
    return 0;
}
if (args.Contains("--measure"))
{
    return Measure(args.Where(a => a != "--measure").ToArray());
}
args = args.Where(a => a != "--list").ToArray();
string root = FindRoot(Directory.GetCurrentDirectory());
string filterDir = Path.GetFullPath(args.Length > 0 ? args[0] : Path.Combine(root, "filter.d"));
string output = args.Length > 1 ? args[1] : Path.Combine(root, "src", "Jail2Ban.Core", "Filtering", "Generated", "ShippedRegexes.g.cs");
try
{
    if (list)
    {
        // which readings the generated set covers (a jail on another mode/logtype compiles at run time)
        foreach (var v in ShippedRegexSource.Variants(filterDir))
        {
            Console.WriteLine($"{v.Filter} mode={v.Mode} backend={v.Backend ?? "-"}: {ShippedRegexSource.Patterns(v.Options).Count()} patterns");
        }
    }
    var patterns = ShippedRegexSource.Collect(filterDir);
    string text = ShippedRegexSource.Render(patterns, FilterRegexCompiler.DefaultTimeout);
    bool same = File.Exists(output) && File.ReadAllText(output) == text;
    if (!same)
    {
        File.WriteAllText(output, text);
    }
    Console.WriteLine($"{output}: {patterns.Count} shipped regexes{(same ? " (unchanged)" : "")}");
    return 0;
}
catch (Exception e) when (e is ConfigException or FilterRegexException or IOException)
{
    Console.Error.WriteLine($"FilterRegexGen: {e.Message}");
    return 1;
}

// Start-up cost of the shipped filters: builds one Filter per shipped filter (default mode, file logtype), as a
// server with every shipped jail enabled does, in a fresh process. J2B_NO_GENERATED_REGEX=1 gives the run-time cost.
static int Measure(string[] rest)
{
    string dir = Path.GetFullPath(rest.Length > 0 ? rest[0] : Path.Combine(FindRoot(Directory.GetCurrentDirectory()), "filter.d"));
    var readings = Directory.GetFiles(dir, "*.conf").Order(StringComparer.Ordinal)
        .Select(p => FilterReader.Read(dir, Path.GetFileNameWithoutExtension(p), null, backend: "auto"))
        .Where(o => o.FailRegex.Count > 0).ToList();
    var sw = System.Diagnostics.Stopwatch.StartNew();
    var compiler = new FilterRegexCompiler();
    int regexes = 0, generated = 0;
    foreach (var o in readings)
    {
        var f = new Filter(FilterSettings.FromConfig(o), new NoDates(), compiler: compiler);
        var all = f.FailRegexes.Concat(f.IgnoreRegexes).Concat(f.PrefRegex is { } p ? [p] : []).ToList();
        regexes += all.Count;
        generated += all.Count(r => r.Regex.GetType() != typeof(System.Text.RegularExpressions.Regex));
        // first match: a run-time Compiled regex finishes its code generation here
        _ = f.ProcessLine("Jan  1 00:00:00 host sshd[1]: Failed password for root from 192.0.2.1 port 22 ssh2", 0);
    }
    Console.WriteLine($"{readings.Count} filters, {regexes} regexes ({generated} generated): {sw.Elapsed.TotalMilliseconds:0.0} ms");
    return 0;
}

static string FindRoot(string dir)
{
    for (var d = new DirectoryInfo(dir); d is not null; d = d.Parent)
    {
        if (File.Exists(Path.Combine(d.FullName, "Jail2Ban.sln")))
        {
            return d.FullName;
        }
    }
    return dir;
}

internal sealed class NoDates : IDateFinder
{
    public Jail2Ban.Core.Filtering.Dates.DateHit? Find(string line, double now) => null;
}

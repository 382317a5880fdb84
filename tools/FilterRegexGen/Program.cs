// Build step (make regexgen): writes src/Jail2Ban.Core/Filtering/Generated/ShippedRegexes.g.cs from filter.d, so the
// shipped filters' regexes are compiled by the [GeneratedRegex] source generator at build time instead of at start.
// Why a tool and not a Roslyn generator: generators do not see each other's output, so a generator emitting
// [GeneratedRegex] methods would leave them unimplemented; the file has to exist before the compiler runs.
// Usage: FilterRegexGen [--list] [filter.d dir] [output file]   (defaults: the repo's own, found from the current directory)
using Jail2Ban.Core.Configuration;
using Jail2Ban.Core.Filtering;
using Jail2Ban.Core.Filtering.Generated;

bool list = args.Contains("--list");
args = args.Where(a => a != "--list").ToArray();
string root = FindRoot(Directory.GetCurrentDirectory());
string filterDir = args.Length > 0 ? args[0] : Path.Combine(root, "filter.d");
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

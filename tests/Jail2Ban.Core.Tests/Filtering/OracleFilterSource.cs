using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Jail2Ban.Core.Filtering;
using Jail2Ban.Core.Filtering.Dates;

namespace Jail2Ban.Core.Tests.Filtering;

/// <summary>
/// TEMPORARY bridge (test-only): resolves filter options with the installed fail2ban's FilterReader and
/// pre-computes dates with its DateDetector (f2b_oracle.py), so the filter engine can be checked against the
/// sample logs before the project's config reader (branch config) and date detector (branch dates) exist.
/// Replace by <c>ProjectFilterSource</c> once both are merged.
/// </summary>
internal sealed class OracleFilterSource : ISampleFilterSource
{
    private readonly Dictionary<string, JsonObject> _instances;
    private readonly Dictionary<string, Dictionary<string, DateHit?>> _dates;
    private readonly FilterRegexCompiler _compiler;

    private OracleFilterSource(Dictionary<string, JsonObject> instances, Dictionary<string, Dictionary<string, DateHit?>> dates, FilterRegexCompiler compiler)
    {
        _instances = instances;
        _dates = dates;
        _compiler = compiler;
    }

    public static string Key(string testName, IReadOnlyList<KeyValuePair<string, string>> options) =>
        testName + JsonSerializer.Serialize(options.Select(kv => new[] { kv.Key, kv.Value }));

    public static bool Available => File.Exists("/usr/lib/python3/dist-packages/fail2ban/client/filterreader.py");

    /// <summary>One python run for all instances of all sample tests (found by scanning the logs' filterOptions).</summary>
    public static OracleFilterSource Load(IEnumerable<string> testNames, FilterRegexCompiler compiler, double now)
    {
        var instances = new JsonArray();
        var files = new HashSet<string>();
        foreach (string test in testNames)
        {
            string confdir = test.StartsWith("zzz-", StringComparison.Ordinal) ? FilterFixtures.TestConfig : FilterFixtures.StockConfig;
            var optionSets = new List<List<KeyValuePair<string, string>>> { new() };
            var todo = new List<string> { test };
            for (int i = 0; i < todo.Count; i++)
            {
                string path = Path.Combine(FilterFixtures.SampleLogs, todo[i]);
                files.Add(path);
                var common = new JsonObject();
                foreach (string line in File.ReadAllLines(path))
                {
                    var m = System.Text.RegularExpressions.Regex.Match(line, @"^#+ ?(fileOptions|filterOptions|addFILE):(.+)$");
                    if (!m.Success)
                    {
                        continue;
                    }
                    var json = JsonNode.Parse(m.Groups[2].Value)!;
                    if (m.Groups[1].Value == "addFILE")
                    {
                        todo.Add(json.GetValue<string>());
                        continue;
                    }
                    if (m.Groups[1].Value == "fileOptions")
                    {
                        common = json.AsObject();
                        continue;
                    }
                    foreach (var entry in json is JsonArray a ? a.Select(e => e!.AsObject()) : [json.AsObject()])
                    {
                        var opts = (JsonObject)common.DeepClone();
                        foreach (var kv in entry)
                        {
                            opts[kv.Key] = kv.Value?.DeepClone();
                        }
                        optionSets.Add(opts.Where(kv => !kv.Key.StartsWith("test.", StringComparison.Ordinal))
                            .Select(kv => new KeyValuePair<string, string>(kv.Key, kv.Value!.GetValue<string>())).ToList());
                    }
                }
            }
            foreach (var o in optionSets)
            {
                var optObj = new JsonObject();
                foreach (var kv in o)
                {
                    optObj[kv.Key] = kv.Value;
                }
                instances.Add(new JsonObject { ["key"] = Key(test, o), ["name"] = test, ["confdir"] = confdir, ["opts"] = optObj, ["files"] = new JsonArray(todo.Select(t => (JsonNode)Path.Combine(FilterFixtures.SampleLogs, t)).ToArray()) });
            }
        }
        var first = RunPython(new JsonObject { ["now"] = now, ["instances"] = instances, ["datepatterns"] = new JsonArray(), ["files"] = new JsonArray() });
        var resolved = first["instances"]!.AsObject().ToDictionary(kv => kv.Key, kv => kv.Value!.AsObject());
        var patterns = resolved.Values.Select(v => v["datepattern"]?.ToJsonString() ?? "[]").Distinct().ToList();
        var second = RunPython(new JsonObject
        {
            ["now"] = now,
            ["instances"] = new JsonArray(),
            ["datepatterns"] = new JsonArray(patterns.Select(p => JsonNode.Parse(p)).ToArray()),
            ["files"] = new JsonArray(files.Select(f => (JsonNode)f).ToArray()),
        });
        var dates = new Dictionary<string, Dictionary<string, DateHit?>>();
        foreach (var (key, value) in second["dates"]!.AsObject())
        {
            var map = new Dictionary<string, DateHit?>(StringComparer.Ordinal);
            foreach (var (line, hit) in value!.AsObject())
            {
                map[line] = hit is JsonArray h ? new DateHit(h[0]!.GetValue<int>(), h[1]!.GetValue<int>(), h[2]?.GetValue<double>()) : null;
            }
            dates[JsonNode.Parse(key)!.ToJsonString()] = map;
        }
        return new OracleFilterSource(resolved, dates, compiler);
    }

    private static JsonObject RunPython(JsonObject request)
    {
        string script = Path.Combine(FilterFixtures.RepoRoot, "tests", "Jail2Ban.Core.Tests", "Filtering", "f2b_oracle.py");
        var psi = new ProcessStartInfo(File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3", [script])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var p = Process.Start(psi)!;
        p.StandardInput.Write(request.ToJsonString());
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException("f2b_oracle.py failed: " + err);
        }
        return JsonNode.Parse(stdout.Result)!.AsObject();
    }

    public Filter Create(string testName, IReadOnlyList<KeyValuePair<string, string>> options)
    {
        var r = _instances[Key(testName, options)];
        if (r["error"] is JsonValue err)
        {
            throw new InvalidOperationException($"{testName}: {err}");
        }
        var o = new FilterSettings
        {
            PrefRegex = r["prefregex"]?.GetValue<string>(),
            MaxLines = r["maxlines"]!.GetValue<int>(),
            FailRegex = r["failregex"]!.AsArray().Select(v => v!.GetValue<string>()).ToArray(),
            IgnoreRegex = r["ignoreregex"]!.AsArray().Select(v => v!.GetValue<string>()).ToArray(),
            UseDns = UseDns.Warn,
        };
        var dates = _dates[r["datepattern"]?.ToJsonString() ?? "[]"];
        return new Filter(o, new LookupDates(dates), FilterBehavior.SampleTest, _compiler);
    }

    private sealed class LookupDates(Dictionary<string, DateHit?> map) : IDateFinder
    {
        public DateHit? Find(string line, double now) => map.TryGetValue(line, out var h) ? h : null;
    }
}

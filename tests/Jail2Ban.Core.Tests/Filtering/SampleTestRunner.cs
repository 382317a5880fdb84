using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Jail2Ban.Core.Filtering;

namespace Jail2Ban.Core.Tests.Filtering;

/// <summary>Creates the filter for one sample-test instance (§4.3): filter name + init options (test.* removed).</summary>
internal interface ISampleFilterSource
{
    Filter Create(string testName, IReadOnlyList<KeyValuePair<string, string>> options);
}

/// <summary>
/// fail2ban's sample-log test (samplestestcase.py, spec §4.4-4.5), re-implemented over our Filter.
/// Returns every failed check instead of stopping at the first, so a report shows all of them.
/// </summary>
internal sealed partial class SampleTestRunner(string testName, string logsDir, ISampleFilterSource source, double now, TimeZoneInfo tz)
{
    [GeneratedRegex(@"^#+ ?(failJSON|fileOptions|filterOptions|addFILE):(.+)$")]
    private static partial Regex Annotation();

    private sealed record Instance(string Name, Filter Filter, HashSet<int> Used);

    private readonly Dictionary<string, Instance> _instances = new(StringComparer.Ordinal);
    private readonly List<string> _errors = [];

    public int CheckedLines { get; private set; }

    public int AnnotatedLines { get; private set; }

    public IReadOnlyList<string> Errors => _errors;

    public IReadOnlyList<string> Run()
    {
        var files = new List<string> { testName };
        var commonOpts = new JsonObject();
        for (int fi = 0; fi < files.Count; fi++)
        {
            string path = Path.Combine(logsDir, files[fi]);
            string[] lines = File.ReadAllText(path, Encoding.UTF8).Split('\n');
            bool ignoreBlock = false;
            List<(Instance Inst, JsonObject Opts)>? filterTests = null;
            for (int ln = 0; ln < lines.Length; ln++)
            {
                string line = lines[ln].TrimEnd('\r', '\n');
                JsonObject faildata = [];
                var am = Annotation().Match(line);
                if (am.Success)
                {
                    var json = JsonNode.Parse(am.Groups[2].Value);
                    switch (am.Groups[1].Value)
                    {
                        case "fileOptions":
                            commonOpts = json!.AsObject();
                            continue;
                        case "filterOptions":
                            filterTests = [];
                            ignoreBlock = false;
                            var entries = json is JsonArray arr ? arr.Select(e => e!.AsObject()).ToList() : [json!.AsObject()];
                            foreach (var entry in entries)
                            {
                                var opts = (JsonObject)commonOpts.DeepClone();
                                foreach (var kv in entry)
                                {
                                    opts[kv.Key] = kv.Value?.DeepClone();
                                }
                                if (Str(opts["test.condition"]) is { Length: > 0 } cond)
                                {
                                    ignoreBlock = !Eval(cond, opts);
                                }
                                if (!ignoreBlock)
                                {
                                    filterTests.Add((GetInstance(opts), opts));
                                }
                            }
                            continue;
                        case "addFILE":
                            files.Add(json!.GetValue<string>());
                            continue;
                        default:
                            faildata = json!.AsObject();
                            AnnotatedLines++;
                            ln++;
                            line = ln < lines.Length ? lines[ln].TrimEnd('\r', '\n') : "";
                            break;
                    }
                }
                else if (ignoreBlock || line.StartsWith('#') || line.Trim().Length == 0)
                {
                    continue;
                }
                if (ignoreBlock)
                {
                    continue;
                }
                if (filterTests is null || filterTests.Count == 0)
                {
                    filterTests = [(GetInstance([]), [])];
                }
                CheckedLines++;
                foreach (var (inst, opts) in filterTests)
                {
                    CheckLine(inst, opts, faildata, line, files[fi], ln + 1);
                }
            }
        }
        // §4.5: every failregex must have a sample (in this instance, or by text in any instance)
        var usedTexts = _instances.Values.SelectMany(i => i.Used.Select(u => i.Filter.FailRegexes[u].Expanded)).ToHashSet(StringComparer.Ordinal);
        foreach (var inst in _instances.Values)
        {
            for (int i = 0; i < inst.Filter.FailRegexes.Count; i++)
            {
                if (!inst.Used.Contains(i) && !usedTexts.Contains(inst.Filter.FailRegexes[i].Expanded))
                {
                    _errors.Add($"{inst.Name}: Regex has no samples: {i}: {inst.Filter.FailRegexes[i].Original}");
                }
            }
        }
        return _errors;
    }

    private Instance GetInstance(JsonObject opts)
    {
        var fltOpts = opts.Where(kv => !kv.Key.StartsWith("test.", StringComparison.Ordinal))
            .Select(kv => new KeyValuePair<string, string>(kv.Key, Str(kv.Value) ?? "")).ToList();
        string name = Str(opts["test.filter-name"]) is { Length: > 0 } fn ? fn
            : fltOpts.Count > 0 ? "{" + string.Join(", ", fltOpts.Select(kv => $"'{kv.Key}': '{kv.Value}'")) + "}" : "";
        name = testName + name;
        if (!_instances.TryGetValue(name, out var inst))
        {
            var filter = source.Create(testName, fltOpts);
            inst = new Instance(name, filter, []);
            _instances[name] = inst;
            foreach (var r in filter.FailRegexes)
            {
                if (WrongGreed().IsMatch(r.Expanded))
                {
                    _errors.Add($"{name}: Following regexp of \"{testName}\" contains greedy catch-all before <HOST>, that is not hard-anchored at end or has not precise sub expression after <HOST>: {r.Original}");
                }
            }
        }
        return inst;
    }

    private static Regex WrongGreed() => WrongGreedLazy.Value;

    // built from the expanded <HOST>, so not a compile-time constant for [GeneratedRegex]
    private static readonly Lazy<Regex> WrongGreedLazy = new(() =>
        new Regex(@"\.[+\*](?!\?)[^\$\^]*" + Regex.Escape(RegexTags.HostWithDns) + @".*(?:\.[+\*].*|[^\$])$", RegexOptions.CultureInvariant));

    private void CheckLine(Instance inst, JsonObject opts, JsonObject faildata, string line, string file, int lineNo)
    {
        if (Str(faildata["constraint"]) is { Length: > 0 } constraint && !Eval(constraint, opts))
        {
            return;
        }
        IReadOnlyList<Failure> found;
        try
        {
            if (Str(opts["logtype"]) != "journal")
            {
                found = inst.Filter.ProcessLine(line, now);
            }
            else
            {
                string msg = (Str(opts["test.prefix-line"]) ?? "") + line;
                found = inst.Filter.ProcessEntry("2005-08-14T10:00:00", msg, now, now);
            }
        }
        catch (Exception e) when (e is RegexTimeoutException or FilterRegexException)
        {
            _errors.Add($"{inst.Name} {file}:{lineNo}: {e.Message}");
            return;
        }
        foreach (var f in found)
        {
            inst.Used.Add(f.RegexIndex);
        }
        var fails = found.Where(f => f.Id is not null && !f.IsNoFail).ToList();
        string where = $"{inst.Name} {file}:{lineNo}";
        bool expectMatch = faildata["match"] is JsonValue mv && mv.TryGetValue(out bool b) && b;
        if (fails.Count == 0)
        {
            if (expectMatch)
            {
                _errors.Add($"{where}: Line not matched when should have: {line}");
            }
            return;
        }
        if (!expectMatch)
        {
            _errors.Add($"{where}: Line matched when shouldn't have (regex {fails[0].RegexIndex}: {inst.Filter.FailRegexes[fails[0].RegexIndex].Original}): {line}");
            return;
        }
        if (fails.Count > 1)
        {
            _errors.Add($"{where}: Multiple regexs matched ({string.Join(",", fails.Select(f => f.RegexIndex))}): {line}");
            return;
        }
        var fail = fails[0];
        foreach (var (k, expected) in faildata)
        {
            if (k is "time" or "match" or "desc" or "constraint")
            {
                continue;
            }
            object? v = fail.Data.Get(k);
            if (v is null && k == "host")
            {
                v = fail.Id;
            }
            if (v is null && k == "attempts")
            {
                v = fail.Data.Matches.Count;
            }
            if (!ValueEquals(k, v, expected))
            {
                _errors.Add($"{where}: {k}: expected {expected?.ToJsonString() ?? "null"}, got {Show(v)} (regex {fail.RegexIndex}): {line}");
            }
        }
        if (faildata["time"] is JsonValue tv && tv.TryGetValue(out string? ts))
        {
            double expectedTime = ParseLocal(ts);
            if (fail.Time != expectedTime)
            {
                _errors.Add($"{where}: time: expected {ts} = {expectedTime.ToString(CultureInfo.InvariantCulture)}, got {fail.Time?.ToString(CultureInfo.InvariantCulture) ?? "None"}: {line}");
            }
        }
    }

    private static string Show(object? v) => v switch
    {
        null => "None",
        IEnumerable<string> e when v is not string => "[" + string.Join(",", e) + "]",
        _ => v.ToString() ?? "",
    };

    private static bool ValueEquals(string key, object? v, JsonNode? expected)
    {
        if (v is HashSet<string> set)
        {
            return expected is JsonArray ea && set.Order(StringComparer.Ordinal).SequenceEqual(ea.Select(e => Str(e) ?? "").Order(StringComparer.Ordinal));
        }
        if (expected is null)
        {
            return v is null;
        }
        if (v is int n)
        {
            return expected is JsonValue jv && jv.TryGetValue(out int en) && en == n;
        }
        string? exp = Str(expected);
        if (v is FailureId id)
        {
            if (key == "host" && exp is not null && id.Address is not null && FailureId.From(exp) is { Address: not null } e)
            {
                return e.Address.Equals(id.Address) && e.PrefixLength == id.PrefixLength;
            }
            return id.Text == exp;
        }
        return v is string s && s == exp;
    }

    private static string? Str(JsonNode? n) => n is JsonValue v
        ? (v.TryGetValue(out string? s) ? s : v.ToJsonString())
        : n?.ToJsonString();

    /// <summary>The Python expressions the sample logs use in test.condition / constraint.</summary>
    private bool Eval(string expr, JsonObject opts)
    {
        var m = Condition().Match(expr);
        if (!m.Success)
        {
            throw new InvalidOperationException($"unsupported test expression: {expr}");
        }
        string? left = m.Groups["name"].Success ? testName : Str(opts[m.Groups["key"].Value]);
        bool eq = left == m.Groups["val"].Value;
        return m.Groups["op"].Value == "==" ? eq : !eq;
    }

    [GeneratedRegex(@"^\s*(?:(?<name>name)|opts\.get\('(?<key>[^']+)'\))\s*(?<op>==|!=)\s*'(?<val>[^']*)'\s*$")]
    private static partial Regex Condition();

    private double ParseLocal(string s)
    {
        // strptime accepts unpadded fields ("2005-03-7T02:09:33" in the postfix sample)
        string[] formats = ["yyyy-M-d'T'H:m:s", "yyyy-M-d'T'H:m:s.FFFFFF"];
        var local = DateTime.ParseExact(s, formats, CultureInfo.InvariantCulture, DateTimeStyles.None);
        long micros = (local.Ticks % TimeSpan.TicksPerSecond) / 10;
        var whole = new DateTime(local.Ticks - (local.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Unspecified);
        var offset = tz.IsInvalidTime(whole) ? tz.BaseUtcOffset : tz.GetUtcOffset(whole);
        long epoch = new DateTimeOffset(whole, offset).ToUnixTimeSeconds();
        return epoch + (micros / 1e6);
    }
}

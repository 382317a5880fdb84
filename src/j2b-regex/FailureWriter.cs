using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Jail2Ban.Core.Filtering;

namespace Jail2Ban.Regex;

/// <summary>
/// Output of <c>-o/--out TOKEN</c>: id/fid, ip, msg, row, a failure-data key, a template with &lt;tags&gt;, or json
/// (one object per failure: line, fid, time, regex, nofail, fields, matches).
/// </summary>
internal sealed partial class FailureWriter(TextWriter w, string token)
{
    [GeneratedRegex(@"<([\w\-]+)>")]
    private static partial System.Text.RegularExpressions.Regex Tag();

    private readonly JsonWriterOptions _jsonOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public void Write(IReadOnlyList<Failure> failures)
    {
        foreach (var f in failures)
        {
            switch (token)
            {
                case "id" or "fid":
                    w.WriteLine(f.Id?.Text ?? "None");
                    break;
                case "ip":
                    w.WriteLine((f.Data.Get("ip") as FailureId ?? f.Id)?.Text ?? "None");
                    break;
                case "msg":
                    foreach (var m in f.Data.Matches)
                    {
                        w.WriteLine(m.ToString());
                    }
                    break;
                case "row":
                    w.WriteLine($"['{f.Id?.Text}',\t{Time(f.Time)},\t{RegexTool.PyDict(WithoutMatches(f.Data))}],");
                    break;
                default:
                    if (token.Contains('<'))
                    {
                        w.WriteLine(Tag().Replace(token, m => TagValue(f, m.Groups[1].Value) ?? m.Value));
                    }
                    else
                    {
                        w.WriteLine(Value(f.Data.Get(token)));
                    }
                    break;
            }
        }
    }

    private static FailData WithoutMatches(FailData d)
    {
        var c = d.Copy();
        c.Pop("matches");
        return c;
    }

    private static string Time(double? t) => t is double d ? d.ToString("0.0##", CultureInfo.InvariantCulture) : "None";

    private static string Value(object? v) => v switch
    {
        null => "None",
        string s => s,
        HashSet<string> set => string.Join(",", set),
        List<LineTuple> lines => string.Join("\n", lines.Select(l => l.ToString())),
        _ => v.ToString() ?? "",
    };

    private static string? TagValue(Failure f, string tag) => tag switch
    {
        "fid" or "F-ID" => f.Id?.Text,
        "ip" => (f.Data.Get("ip") as FailureId ?? f.Id)?.Text,
        "time" => Time(f.Time),
        "msg" or "matches" => string.Join("\n", f.Data.Matches.Select(l => l.ToString())),
        _ when tag.StartsWith("F-", StringComparison.Ordinal) => f.Data.ContainsKey(RegexTags.MapName(tag[2..])) ? Value(f.Data.Get(RegexTags.MapName(tag[2..]))) : null,
        _ => f.Data.ContainsKey(tag) ? Value(f.Data.Get(tag)) : null,
    };

    public void WriteJson(int lineNo, IEnumerable<Failure> failures, IReadOnlyList<FilterRegex> regexes)
    {
        foreach (var f in failures)
        {
            using var ms = new MemoryStream();
            using (var j = new Utf8JsonWriter(ms, _jsonOptions))
            {
                j.WriteStartObject();
                j.WriteNumber("line", lineNo);
                if (f.Id is null)
                {
                    j.WriteNull("fid");
                }
                else
                {
                    j.WriteString("fid", f.Id.Text);
                }
                if (f.Time is double t)
                {
                    j.WriteNumber("time", t);
                }
                else
                {
                    j.WriteNull("time");
                }
                j.WriteNumber("regex", f.RegexIndex);
                j.WriteBoolean("nofail", f.IsNoFail);
                j.WriteStartObject("fields");
                foreach (var (k, v) in f.Data)
                {
                    if (k is "matches" or "nofail-matches")
                    {
                        continue;
                    }
                    switch (v)
                    {
                        case null:
                            j.WriteNull(k);
                            break;
                        case string s:
                            j.WriteString(k, s);
                            break;
                        case int n:
                            j.WriteNumber(k, n);
                            break;
                        case IEnumerable<string?> seq:
                            j.WriteStartArray(k);
                            foreach (var s in seq.Order(StringComparer.Ordinal))
                            {
                                j.WriteStringValue(s);
                            }
                            j.WriteEndArray();
                            break;
                        default:
                            j.WriteString(k, v.ToString());
                            break;
                    }
                }
                j.WriteEndObject();
                j.WriteStartArray("matches");
                foreach (var m in f.Data.Matches)
                {
                    j.WriteStringValue(m.ToString());
                }
                j.WriteEndArray();
                j.WriteEndObject();
            }
            w.WriteLine(System.Text.Encoding.UTF8.GetString(ms.ToArray()));
        }
        _ = regexes;
    }
}

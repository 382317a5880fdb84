using System.Text.Json;
using Jail2Ban.Protocol.Values;

namespace Jail2Ban.Client.Output;

/// <summary>
/// The <c>--json</c> output format, documented in docs/client-json.md: one JSON document per
/// invocation, <c>{"ok":true,"command":[...],"result":...}</c> or
/// <c>{"ok":false,"command":[...],"error":{"type":..,"message":..,"args":[..]}}</c>.
/// Status-like replies become objects; everything else is the reply value in plain JSON.
/// </summary>
internal static class JsonOutput
{
    private static readonly JsonWriterOptions Indented = new() { Indented = true };

    public static string Success(IReadOnlyList<string> command, object? value) => Write(w =>
    {
        w.WriteBoolean("ok", true);
        WriteCommand(w, command);
        w.WritePropertyName("result");
        WritePlain(w, Shape(command, value));
    });

    public static string Failure(IReadOnlyList<string>? command, string type, string message, IReadOnlyList<object?>? args = null) => Write(w =>
    {
        w.WriteBoolean("ok", false);
        if (command is not null)
            WriteCommand(w, command);
        w.WritePropertyName("error");
        w.WriteStartObject();
        w.WriteString("type", type);
        w.WriteString("message", message);
        if (args is not null)
        {
            w.WritePropertyName("args");
            WritePlain(w, args);
        }
        w.WriteEndObject();
    });

    /// <summary>A result computed by the client itself (e.g. --str2sec).</summary>
    public static string Local(string name, object? value) => Write(w =>
    {
        w.WriteBoolean("ok", true);
        w.WritePropertyName(name);
        WritePlain(w, value);
    });

    private static void WriteCommand(Utf8JsonWriter w, IReadOnlyList<string> command)
    {
        w.WritePropertyName("command");
        w.WriteStartArray();
        foreach (var c in command)
            w.WriteStringValue(c);
        w.WriteEndArray();
    }

    private static string Write(Action<Utf8JsonWriter> body)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, Indented))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(ms.ToArray());
    }

    /// <summary>Turns known reply shapes into self-describing objects.</summary>
    internal static object? Shape(IReadOnlyList<string> command, object? value)
    {
        var c0 = command.Count > 0 ? command[0] : "";
        switch (c0)
        {
            case "status" when value is List<object?> list && (IsTable(list) || IsTable(list[..^1])):
            {
                // "status --all" ends with a {jail: status} dict after the (label, value) pairs.
                var jails = list[^1] as PyDict;
                var obj = Table(jails is null ? list : list[..^1]);
                if (jails is not null)
                    obj["status_for_the_jails"] = jails.Items.ToDictionary(p => PyRepr.Str(p.Key),
                        p => (object?)(p.Value is List<object?> l && IsTable(l) ? Table(l) : p.Value));
                // "Jail list" is a comma-joined string on the wire; an array is what scripts want.
                if (obj.TryGetValue("jail_list", out var jl) && jl is string s)
                    obj["jail_list"] = s.Length == 0 ? new List<object?>() : s.Split(", ").Cast<object?>().ToList();
                if (command.Count > 1 && command[1] != "--all")
                    obj = new Dictionary<string, object?> { ["jail"] = command[1], ["filter"] = obj.GetValueOrDefault("filter"), ["actions"] = obj.GetValueOrDefault("actions") };
                return obj;
            }
            case "stats" or "statistic" or "statistics" when value is PyDict d:
                return d.Items.ToDictionary(p => PyRepr.Str(p.Key), p =>
                {
                    var v = (List<object?>)p.Value!;
                    var f = (PyTuple)v[1]!;
                    var b = (PyTuple)v[2]!;
                    return (object?)new Dictionary<string, object?>
                    {
                        ["backend"] = v[0],
                        ["failed"] = new Dictionary<string, object?> { ["current"] = f[0], ["total"] = f[1] },
                        ["banned"] = new Dictionary<string, object?> { ["current"] = b[0], ["total"] = b[1] },
                    };
                });
            case "banned" when command.Count == 1 && value is List<object?> perJail:
                // [{jail: [ids]}, ...] -> {jail: [ids], ...}
                var merged = new Dictionary<string, object?>();
                foreach (var item in perJail.OfType<PyDict>())
                {
                    foreach (var (k, v) in item.Items)
                        merged[PyRepr.Str(k)] = v;
                }
                return merged;
        }
        return value;
    }

    private static bool IsTable(List<object?> list) =>
        list.Count > 0 && list.All(i => i is PyTuple { Count: 2 } t && t[0] is string);

    private static Dictionary<string, object?> Table(List<object?> list)
    {
        var obj = new Dictionary<string, object?>();
        foreach (var item in list)
        {
            var t = (PyTuple)item!;
            var key = ((string)t[0]!).ToLowerInvariant().Replace(' ', '_');
            obj[key] = t[1] switch
            {
                List<object?> inner when IsTable(inner) => Table(inner),
                PyDict jails => jails.Items.ToDictionary(p => PyRepr.Str(p.Key),
                    p => (object?)(p.Value is List<object?> l && IsTable(l) ? Table(l) : p.Value)),
                var other => other,
            };
        }
        return obj;
    }

    /// <summary>Wire values as plain JSON: tuples/sets → arrays, dicts → objects, exceptions → objects.</summary>
    internal static void WritePlain(Utf8JsonWriter w, object? value)
    {
        switch (value)
        {
            case null: w.WriteNullValue(); break;
            case bool b: w.WriteBooleanValue(b); break;
            case string s: w.WriteStringValue(s); break;
            case long l: w.WriteNumberValue(l); break;
            case int i: w.WriteNumberValue(i); break;
            case double d when double.IsFinite(d): w.WriteNumberValue(d); break;
            case double d: w.WriteStringValue(PyRepr.Float(d)); break;
            case PyTuple t: WriteArray(w, t.Items); break;
            case PySet set: WriteArray(w, set.Items); break;
            case PyDict d:
                w.WriteStartObject();
                foreach (var (k, v) in d.Items)
                {
                    w.WritePropertyName(PyRepr.Str(k));
                    WritePlain(w, v);
                }
                w.WriteEndObject();
                break;
            case Dictionary<string, object?> dict:
                w.WriteStartObject();
                foreach (var (k, v) in dict)
                {
                    w.WritePropertyName(k);
                    WritePlain(w, v);
                }
                w.WriteEndObject();
                break;
            case PyException e:
                w.WriteStartObject();
                w.WriteString("type", e.Name);
                w.WriteString("message", e.Message);
                w.WriteEndObject();
                break;
            case System.Collections.IEnumerable list:
                w.WriteStartArray();
                foreach (var item in list)
                    WritePlain(w, item);
                w.WriteEndArray();
                break;
            default:
                w.WriteStringValue(value.ToString());
                break;
        }
    }

    private static void WriteArray(Utf8JsonWriter w, IReadOnlyList<object?> items)
    {
        w.WriteStartArray();
        foreach (var item in items)
            WritePlain(w, item);
        w.WriteEndArray();
    }
}

using System.Globalization;
using System.Text;
using System.Text.Json;
using Jail2Ban.Protocol.Values;

namespace Jail2Ban.Protocol.Json;

/// <summary>
/// Our own protocol, spoken by j2b-client: one JSON object per line (UTF-8, '\n'-terminated).
/// <code>
/// request : {"command":["status","sshd"]}
/// response: {"ok":true,"value":V}   |   {"ok":false,"error":{"module":M,"type":T,"args":[V...]}}
/// </code>
/// V is the wire value model made lossless: null/bool/string/array(list) as JSON; ints as JSON
/// integers; floats always with a fraction or exponent ("600.0"); tuples {"$tuple":[V...]}; dicts
/// {"$dict":[[K,V]...]}; sets {"$set":[V...]}. Lossless typing lets j2b-client print exactly what
/// fail2ban-client would print for the same reply (tuples and floats print differently in Python).
/// The line limit protects the server from unbounded input.
/// </summary>
public static class JsonWire
{
    public const int MaxLine = 16 * 1024 * 1024;

    public static byte[] EncodeRequest(IReadOnlyList<object?> command)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WritePropertyName("command");
            WriteValue(w, command);
            w.WriteEndObject();
        }
        ms.WriteByte((byte)'\n');
        return ms.ToArray();
    }

    /// <summary>Parses a request line into the command list (items are wire values).</summary>
    public static List<object?> DecodeRequest(ReadOnlySpan<byte> line)
    {
        try
        {
            using var doc = JsonDocument.Parse(line.ToArray(), new JsonDocumentOptions { MaxDepth = 64 });
            if (doc.RootElement.ValueKind != JsonValueKind.Object ||
                !doc.RootElement.TryGetProperty("command", out var cmd) || cmd.ValueKind != JsonValueKind.Array)
                throw new JsonWireException("request must be an object with a \"command\" array");
            return (List<object?>)ReadValue(cmd)!;
        }
        catch (JsonException e)
        {
            throw new JsonWireException("invalid JSON request: " + e.Message);
        }
    }

    public static byte[] EncodeResponse(ControlReply reply)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteBoolean("ok", !reply.IsError);
            if (reply.IsError)
            {
                var e = reply.Error ?? PyException.Builtin("Exception", PyRepr.Str(reply.Value));
                w.WritePropertyName("error");
                w.WriteStartObject();
                w.WriteString("module", e.Module);
                w.WriteString("type", e.Name);
                w.WritePropertyName("args");
                WriteValue(w, e.Args);
                w.WriteEndObject();
            }
            else
            {
                w.WritePropertyName("value");
                WriteValue(w, reply.Value);
            }
            w.WriteEndObject();
        }
        ms.WriteByte((byte)'\n');
        return ms.ToArray();
    }

    public static ControlReply DecodeResponse(ReadOnlySpan<byte> line)
    {
        try
        {
            using var doc = JsonDocument.Parse(line.ToArray(), new JsonDocumentOptions { MaxDepth = 256 });
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("ok", out var ok))
                throw new JsonWireException("response must be an object with \"ok\"");
            if (ok.ValueKind == JsonValueKind.True)
                return ControlReply.Ok(root.TryGetProperty("value", out var v) ? ReadValue(v) : null);
            var err = root.GetProperty("error");
            var args = err.TryGetProperty("args", out var a) ? (List<object?>)ReadValue(a)! : [];
            return ControlReply.Fail(new PyException(
                err.GetProperty("module").GetString() ?? "builtins",
                err.GetProperty("type").GetString() ?? "Exception",
                args));
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or InvalidCastException)
        {
            throw new JsonWireException("invalid JSON response: " + e.Message);
        }
    }

    public static void WriteValue(Utf8JsonWriter w, object? value)
    {
        switch (value)
        {
            case null: w.WriteNullValue(); break;
            case bool b: w.WriteBooleanValue(b); break;
            case string s: w.WriteStringValue(s); break;
            case long l: w.WriteNumberValue(l); break;
            case int i: w.WriteNumberValue(i); break;
            case System.Numerics.BigInteger bi: w.WriteRawValue(bi.ToString(CultureInfo.InvariantCulture)); break;
            case double d: WriteFloat(w, d); break;
            case float f: WriteFloat(w, f); break;
            case PyTuple t:
                w.WriteStartObject();
                w.WritePropertyName("$tuple");
                WriteArray(w, t.Items);
                w.WriteEndObject();
                break;
            case PySet set:
                w.WriteStartObject();
                w.WritePropertyName("$set");
                WriteArray(w, set.Items);
                w.WriteEndObject();
                break;
            case PyDict d:
                w.WriteStartObject();
                w.WritePropertyName("$dict");
                w.WriteStartArray();
                foreach (var (k, v) in d.Items)
                {
                    w.WriteStartArray();
                    WriteValue(w, k);
                    WriteValue(w, v);
                    w.WriteEndArray();
                }
                w.WriteEndArray();
                w.WriteEndObject();
                break;
            case PyException e:
                // Only inside values (rare); keep it readable.
                w.WriteStringValue(PyRepr.Repr(e));
                break;
            case System.Collections.IEnumerable list:
                w.WriteStartArray();
                foreach (var item in list)
                    WriteValue(w, item);
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
            WriteValue(w, item);
        w.WriteEndArray();
    }

    private static void WriteFloat(Utf8JsonWriter w, double d)
    {
        if (!double.IsFinite(d))
        {
            // JSON has no inf/nan; Python would print them as inf/nan.
            w.WriteStartObject();
            w.WriteString("$float", PyRepr.Float(d));
            w.WriteEndObject();
            return;
        }
        var s = d.ToString("R", CultureInfo.InvariantCulture);
        if (!s.Contains('.') && !s.Contains('E') && !s.Contains('e'))
            s += ".0";
        w.WriteRawValue(s);
    }

    public static object? ReadValue(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => ReadNumber(e),
        JsonValueKind.Array => e.EnumerateArray().Select(ReadValue).ToList(),
        JsonValueKind.Object => ReadTagged(e),
        _ => throw new JsonWireException("unexpected JSON value"),
    };

    private static object ReadNumber(JsonElement e)
    {
        var raw = e.GetRawText();
        if (raw.IndexOfAny(['.', 'e', 'E']) < 0)
        {
            if (long.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
                return l;
            return System.Numerics.BigInteger.Parse(raw, CultureInfo.InvariantCulture);
        }
        return e.GetDouble();
    }

    private static object? ReadTagged(JsonElement e)
    {
        using var props = e.EnumerateObject();
        if (!props.MoveNext())
            throw new JsonWireException("untagged JSON object in value");
        var p = props.Current;
        if (props.MoveNext())
            throw new JsonWireException("tagged JSON value must have exactly one property");
        return p.Name switch
        {
            "$tuple" => new PyTuple(p.Value.EnumerateArray().Select(ReadValue).ToList()),
            "$set" => new PySet(p.Value.EnumerateArray().Select(ReadValue).ToList()),
            "$float" => double.Parse(p.Value.GetString() ?? "nan", CultureInfo.InvariantCulture),
            "$dict" => new PyDict(p.Value.EnumerateArray().Select(pair =>
            {
                if (pair.ValueKind != JsonValueKind.Array || pair.GetArrayLength() != 2)
                    throw new JsonWireException("$dict items must be [key, value] pairs");
                return new KeyValuePair<object?, object?>(ReadValue(pair[0]), ReadValue(pair[1]));
            }).ToList()),
            _ => throw new JsonWireException($"unknown JSON value tag '{p.Name}'"),
        };
    }

    public static string ToText(ReadOnlySpan<byte> utf8) => Encoding.UTF8.GetString(utf8);
}

public sealed class JsonWireException(string message) : Exception(message);

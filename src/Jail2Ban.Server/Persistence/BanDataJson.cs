using System.Globalization;
using System.Text;
using System.Text.Json;
using Jail2Ban.Core.Banning;

namespace Jail2Ban.Server.Persistence;

/// <summary>
/// The <c>data</c> column: UTF-8 JSON stored as a BLOB, written byte-for-byte like Python's
/// <c>json.dumps(ensure_ascii=False)</c> (<c>", "</c> and <c>": "</c> separators, non-ASCII
/// kept), read leniently (BLOB or TEXT; invalid JSON → empty data, as fail2ban does).
/// <c>matches</c> items are strings or 3-element arrays (before date, date, after).
/// </summary>
internal static class BanDataJson
{
    /// <summary>Serialises a ticket's data, keeping at most <paramref name="maxMatches"/> lines
    /// (0: the <c>matches</c> key is dropped when it has lines).</summary>
    public static byte[] Serialize(Ticket ticket, int maxMatches)
    {
        var sb = new StringBuilder(256);
        sb.Append('{');
        var first = true;
        var matches = ticket.Matches;
        var writeMatches = ticket.HasMatchesKey;
        if (maxMatches > 0)
        {
            if (matches.Count > maxMatches)
            {
                matches = [.. matches.Skip(matches.Count - maxMatches)];
            }
        }
        else if (matches.Count > 0)
        {
            writeMatches = false;
        }

        if (writeMatches)
        {
            sb.Append("\"matches\": [");
            for (var i = 0; i < matches.Count; i++)
            {
                if (i > 0)
                {
                    sb.Append(", ");
                }

                var m = matches[i];
                if (m.IsSplit)
                {
                    sb.Append('[');
                    AppendString(sb, m.Before);
                    sb.Append(", ");
                    AppendString(sb, m.Date);
                    sb.Append(", ");
                    AppendString(sb, m.After);
                    sb.Append(']');
                }
                else
                {
                    AppendString(sb, m.Text);
                }
            }

            sb.Append(']');
            first = false;
        }

        if (!first)
        {
            sb.Append(", ");
        }

        sb.Append("\"failures\": ").Append(ticket.Attempts.ToString(CultureInfo.InvariantCulture));
        foreach (var (k, v) in ticket.StoredData())
        {
            sb.Append(", ");
            AppendString(sb, k);
            sb.Append(": ");
            AppendString(sb, v);
        }

        sb.Append('}');
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>Parses a stored value (byte[] BLOB, string TEXT or null).</summary>
    public static StoredBanData Deserialize(object? value)
    {
        string? text = value switch
        {
            byte[] b => Encoding.UTF8.GetString(b),
            string s => s,
            _ => null,
        };
        if (string.IsNullOrEmpty(text))
        {
            return StoredBanData.Empty;
        }

        try
        {
            using var doc = JsonDocument.Parse(text);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return StoredBanData.Empty;
            }

            var matches = new List<MatchLine>();
            int? failures = null;
            var extra = new Dictionary<string, string>(StringComparer.Ordinal);
            var hasMatches = false;
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                switch (p.Name)
                {
                    case "matches" when p.Value.ValueKind == JsonValueKind.Array:
                        hasMatches = true;
                        foreach (var m in p.Value.EnumerateArray())
                        {
                            matches.Add(ReadMatch(m));
                        }

                        break;
                    case "failures" when p.Value.ValueKind == JsonValueKind.Number:
                        failures = p.Value.TryGetInt32(out var f) ? f : (int)Math.Truncate(p.Value.GetDouble());
                        break;
                    default:
                        if (p.Value.ValueKind != JsonValueKind.Null)
                        {
                            // Captured groups are strings; anything else is kept as its JSON text.
                            extra[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
                        }

                        break;
                }
            }

            return new StoredBanData(matches, failures, extra) { HasMatchesKey = hasMatches };
        }
        catch (JsonException)
        {
            return StoredBanData.Empty;
        }
    }

    private static MatchLine ReadMatch(JsonElement m)
    {
        if (m.ValueKind == JsonValueKind.String)
        {
            return MatchLine.Plain(m.GetString()!);
        }

        if (m.ValueKind == JsonValueKind.Array)
        {
            var parts = m.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : e.GetRawText()).ToList();
            return parts.Count == 3 ? MatchLine.Split(parts[0], parts[1], parts[2]) : MatchLine.Plain(string.Concat(parts));
        }

        return MatchLine.Plain(m.GetRawText());
    }

    private static void AppendString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (var ch in s)
        {
            switch (ch)
            {
                case '"':
                    sb.Append("\\\"");
                    break;
                case '\\':
                    sb.Append("\\\\");
                    break;
                case '\n':
                    sb.Append("\\n");
                    break;
                case '\r':
                    sb.Append("\\r");
                    break;
                case '\t':
                    sb.Append("\\t");
                    break;
                case '\b':
                    sb.Append("\\b");
                    break;
                case '\f':
                    sb.Append("\\f");
                    break;
                default:
                    if (ch < 0x20)
                    {
                        sb.Append("\\u").Append(((int)ch).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(ch);
                    }

                    break;
            }
        }

        sb.Append('"');
    }
}

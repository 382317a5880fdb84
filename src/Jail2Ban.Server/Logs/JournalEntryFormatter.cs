using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;

namespace Jail2Ban.Server.Logs;

/// <summary>
/// Turns one <c>journalctl -o json</c> record into fail2ban's journal line triple
/// (filtersystemd.formatJournalEntry): <c>[_HOSTNAME ]SYSLOG_IDENTIFIER|_COMM[[SYSLOG_PID|_PID]]: MESSAGE</c>,
/// kernel lines with a <c>[%12.6f]</c> monotonic stamp, newlines as the two characters <c>\n</c>.
/// The date text is Python's isoformat() of the aware datetime python-systemd 235 returns:
/// local time in a fixed UTC offset, e.g. <c>2026-11-22T09:14:21.766281+00:00 </c>.
/// </summary>
internal static class JournalEntryFormatter
{
    public static JournalEntry? Parse(string json, TimeSpan utcOffset, Encoding encoding)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException)
        {
            return null;
        }
        using (doc)
        {
            var e = doc.RootElement;
            if (e.ValueKind != JsonValueKind.Object)
            {
                return null;
            }
            var micros = Micro(Field(e, "_SOURCE_REALTIME_TIMESTAMP", encoding)) ?? Micro(Field(e, "__REALTIME_TIMESTAMP", encoding));
            if (micros is null)
            {
                return null;
            }
            var time = DateTimeOffset.UnixEpoch.AddTicks(micros.Value * 10);
            var parts = new List<string>(4);
            var host = Field(e, "_HOSTNAME", encoding);
            if (!string.IsNullOrEmpty(host))
            {
                parts.Add(host);
            }
            var ident = Field(e, "SYSLOG_IDENTIFIER", encoding);
            if (string.IsNullOrEmpty(ident))
            {
                ident = Field(e, "_COMM", encoding);
            }
            if (!string.IsNullOrEmpty(ident))
            {
                // python-systemd converts both with int(); a value that is not a base-10 integer stays
                // bytes. fail2ban skips a falsy one (0 or empty) and falls back to _PID.
                var pid = PidText(Raw(e, "SYSLOG_PID")) ?? PidText(Raw(e, "_PID"));
                if (pid is not null)
                {
                    ident += "[" + pid + "]";
                }
                ident += ":";
                parts.Add(ident);
                if (ident == "kernel:")
                {
                    var mono = Micro(Field(e, "_SOURCE_MONOTONIC_TIMESTAMP", encoding)) ?? Micro(Field(e, "__MONOTONIC_TIMESTAMP", encoding)) ?? 0;
                    parts.Add("[" + (mono / 1e6).ToString("F6", CultureInfo.InvariantCulture).PadLeft(12) + "]");
                }
            }
            parts.Add(Field(e, "MESSAGE", encoding) ?? string.Empty);
            var line = string.Join(' ', parts).Replace("\n", "\\n", StringComparison.Ordinal);
            var cursor = Field(e, "__CURSOR", encoding) ?? string.Empty;
            return new JournalEntry(cursor, time, IsoFormat(time, utcOffset) + " ", line);
        }
    }

    /// <summary>Python's datetime.isoformat() of the local time: fraction only when non-zero.</summary>
    internal static string IsoFormat(DateTimeOffset time, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(time, zone);
        var micro = (local.Ticks % TimeSpan.TicksPerSecond) / 10;
        var s = local.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        return micro == 0 ? s : s + "." + micro.ToString("000000", CultureInfo.InvariantCulture);
    }

    /// <summary>Python's isoformat() of an aware datetime in a fixed offset: <c>...T..:..:..[.ffffff]+HH:MM[:SS]</c>.</summary>
    internal static string IsoFormat(DateTimeOffset time, TimeSpan utcOffset)
    {
        var local = time.ToOffset(utcOffset);
        var micro = (local.Ticks % TimeSpan.TicksPerSecond) / 10;
        var s = local.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        if (micro != 0)
        {
            s += "." + micro.ToString("000000", CultureInfo.InvariantCulture);
        }
        var o = utcOffset.Duration();
        s += (utcOffset < TimeSpan.Zero ? "-" : "+") + o.ToString(@"hh\:mm", CultureInfo.InvariantCulture);
        return o.Seconds != 0 ? s + ":" + o.Seconds.ToString("00", CultureInfo.InvariantCulture) : s;
    }

    /// <summary>
    /// The pid as fail2ban prints it: "[%i]" of python-systemd's int() (base 10: blanks, sign and
    /// single underscores allowed, leading zeros too); failing that "[%i]" of int(v, 0) (0x/0o/0b
    /// prefixes, no leading zeros); failing that "[%s]" of the bytes, i.e. their repr b'...'.
    /// Null when the value is absent or falsy (empty, or an integer 0).
    /// </summary>
    internal static string? PidText(byte[]? raw)
    {
        if (raw is null)
        {
            return null;
        }
        var text = Encoding.Latin1.GetString(raw);
        if (PyInt(text, base0: false) is { } dec)
        {
            return dec.IsZero ? null : dec.ToString(CultureInfo.InvariantCulture);
        }
        if (raw.Length == 0)
        {
            return null;
        }
        return PyInt(text, base0: true) is { } any ? any.ToString(CultureInfo.InvariantCulture) : BytesRepr(raw);
    }

    /// <summary>Python's int(s) (base 10) or int(s, 0) on ASCII text; null where Python raises ValueError.</summary>
    private static BigInteger? PyInt(string s, bool base0)
    {
        var t = s.Trim(' ', '\t', '\n', '\r', '\v', '\f');
        var neg = false;
        if (t.Length > 0 && t[0] is '+' or '-')
        {
            neg = t[0] == '-';
            t = t[1..];
        }
        var radix = 10;
        if (base0 && t.Length >= 2 && t[0] == '0' && char.ToLowerInvariant(t[1]) is 'x' or 'o' or 'b')
        {
            radix = char.ToLowerInvariant(t[1]) switch { 'x' => 16, 'o' => 8, _ => 2 };
            t = t[2..];
            if (t.StartsWith('_'))
            {
                t = t[1..]; // int('0x_10', 0) is allowed
            }
        }
        if (t.Length == 0 || t[0] == '_' || t[^1] == '_' || t.Contains("__", StringComparison.Ordinal))
        {
            return null;
        }
        var digits = t.Replace("_", string.Empty, StringComparison.Ordinal);
        BigInteger v = BigInteger.Zero;
        foreach (var c in digits)
        {
            var d = c is >= '0' and <= '9' ? c - '0' : c is >= 'a' and <= 'z' ? c - 'a' + 10 : c is >= 'A' and <= 'Z' ? c - 'A' + 10 : 99;
            if (d >= radix)
            {
                return null;
            }
            v = v * radix + d;
        }
        // int(s, 0) rejects a decimal with leading zeros ("010"), but not zero itself ("00").
        if (base0 && radix == 10 && digits.Length > 1 && digits[0] == '0' && !v.IsZero)
        {
            return null;
        }
        return neg ? -v : v;
    }

    /// <summary>Python's repr() of a bytes object.</summary>
    private static string BytesRepr(byte[] raw)
    {
        var quote = raw.Contains((byte)'\'') && !raw.Contains((byte)'"') ? '"' : '\'';
        var sb = new StringBuilder("b").Append(quote);
        foreach (var b in raw)
        {
            switch (b)
            {
                case (byte)'\\': sb.Append("\\\\"); break;
                case (byte)'\t': sb.Append("\\t"); break;
                case (byte)'\n': sb.Append("\\n"); break;
                case (byte)'\r': sb.Append("\\r"); break;
                default:
                    if (b == quote)
                    {
                        sb.Append('\\').Append((char)b);
                    }
                    else if (b is >= 0x20 and < 0x7f)
                    {
                        sb.Append((char)b);
                    }
                    else
                    {
                        sb.Append("\\x").Append(b.ToString("x2", CultureInfo.InvariantCulture));
                    }
                    break;
            }
        }
        return sb.Append(quote).ToString();
    }

    /// <summary>A field's raw bytes: a string as UTF-8, a byte array as is; null when absent or of another shape.</summary>
    private static byte[]? Raw(JsonElement e, string name)
    {
        if (!e.TryGetProperty(name, out var v))
        {
            return null;
        }
        return v.ValueKind switch
        {
            JsonValueKind.String => Encoding.UTF8.GetBytes(v.GetString() ?? string.Empty),
            JsonValueKind.Number => Encoding.ASCII.GetBytes(v.GetRawText()),
            JsonValueKind.Array when v.EnumerateArray().All(x => x.ValueKind == JsonValueKind.Number) =>
                v.EnumerateArray().Select(x => x.TryGetByte(out var b) ? b : (byte)'?').ToArray(),
            _ => null,
        };
    }

    private static long? Micro(string? s) =>
        long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;

    /// <summary>A field as text: strings as is, byte arrays decoded, repeated fields joined by spaces.</summary>
    private static string? Field(JsonElement e, string name, Encoding encoding)
    {
        if (!e.TryGetProperty(name, out var v))
        {
            return null;
        }
        return Value(v, encoding);
    }

    private static string? Value(JsonElement v, Encoding encoding)
    {
        switch (v.ValueKind)
        {
            case JsonValueKind.String:
                return v.GetString();
            case JsonValueKind.Number:
                return v.GetRawText();
            case JsonValueKind.Array:
                if (v.GetArrayLength() > 0 && v.EnumerateArray().All(x => x.ValueKind == JsonValueKind.Number))
                {
                    // Non-UTF-8 / binary field: an array of byte values.
                    var bytes = v.EnumerateArray().Select(x => x.TryGetByte(out var b) ? b : (byte)'?').ToArray();
                    return encoding.GetString(bytes);
                }
                return string.Join(' ', v.EnumerateArray().Select(x => Value(x, encoding) ?? string.Empty));
            default:
                return null;
        }
    }
}

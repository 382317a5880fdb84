using System.Globalization;
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
                var pid = Field(e, "SYSLOG_PID", encoding);
                if (string.IsNullOrEmpty(pid))
                {
                    pid = Field(e, "_PID", encoding);
                }
                if (!string.IsNullOrEmpty(pid))
                {
                    ident += "[" + PidText(pid) + "]";
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

    // "[%i]" % int(v, 0) in fail2ban: decimal (or 0x/0o/0b) numbers are normalised, anything else kept.
    private static string PidText(string pid)
    {
        var t = pid.Trim().Replace("_", string.Empty, StringComparison.Ordinal);
        var neg = t.StartsWith('-');
        var body = t.TrimStart('+', '-');
        long? v = null;
        if (body.Length > 2 && body[0] == '0' && (body[1] is 'x' or 'X') && long.TryParse(body[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var h))
        {
            v = h;
        }
        else if (body.Length > 0 && body.All(char.IsAsciiDigit) && (body.Length == 1 || body[0] != '0' || body.All(c => c == '0')) && long.TryParse(body, NumberStyles.None, CultureInfo.InvariantCulture, out var d))
        {
            v = d;
        }
        return v is null ? pid : (neg ? -v.Value : v.Value).ToString(CultureInfo.InvariantCulture);
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

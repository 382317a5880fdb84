using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Jail2Ban.Server.Builtin;

/// <summary>One entry of a Docker json-file log (<c>/var/lib/docker/containers/*/*-json.log</c>).</summary>
/// <param name="Time">The <c>time</c> field (RFC 3339, nanoseconds truncated to .NET ticks).</param>
/// <param name="Message">The <c>log</c> field without its line terminator.</param>
/// <param name="Stream"><c>stdout</c> or <c>stderr</c> (empty when absent).</param>
/// <param name="IsPartial">
/// True when <c>log</c> did not end with a newline: Docker splits lines longer than 16 KiB into
/// several entries and only the last one carries the newline. <see cref="DockerJsonLogAssembler"/>
/// joins them.
/// </param>
internal sealed record DockerLogEntry(DateTimeOffset Time, string Message, string Stream, bool IsPartial);

/// <summary>
/// Parses Docker json-file log lines, e.g.
/// <c>{"log":"Failed password for root from 192.0.2.1 port 22\n","stream":"stderr","time":"2026-11-22T06:30:00.123456789Z"}</c>.
/// A tokenizer, not a regular expression: JSON escapes (<c>\"</c>, <c>\u00e9</c>, <c>\n</c>) must be
/// decoded exactly, and a regex would either mis-split on escaped quotes or be slow on long lines.
/// </summary>
internal static class DockerJsonLog
{
    /// <summary>
    /// Turns one line into an entry. False for anything that is not a complete JSON object with a
    /// string <c>log</c> and a valid <c>time</c>: a line still being written, garbage, another format.
    /// Never throws on input.
    /// </summary>
    public static bool TryParse(string line, out DockerLogEntry entry)
    {
        entry = null!;
        if (string.IsNullOrWhiteSpace(line))
        {
            return false;
        }

        string? log = null;
        string? time = null;
        var stream = string.Empty;
        try
        {
            var bytes = Encoding.UTF8.GetBytes(line);
            var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 16 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.EndObject)
                {
                    if (reader.CurrentDepth != 0)
                    {
                        return false;
                    }

                    // Only whitespace may follow the object.
                    if (reader.Read())
                    {
                        return false;
                    }

                    break;
                }

                if (reader.TokenType != JsonTokenType.PropertyName)
                {
                    return false;
                }

                var name = reader.GetString();
                if (!reader.Read())
                {
                    return false;
                }

                switch (name)
                {
                    case "log" when reader.TokenType == JsonTokenType.String:
                        log = reader.GetString();
                        break;
                    case "time" when reader.TokenType == JsonTokenType.String:
                        time = reader.GetString();
                        break;
                    case "stream" when reader.TokenType == JsonTokenType.String:
                        stream = reader.GetString() ?? string.Empty;
                        break;
                    case "log" or "time":
                        return false;
                    default:
                        // "attrs" (an object with --log-opt labels) and future fields.
                        reader.Skip();
                        break;
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject && reader.TokenType != JsonTokenType.None)
            {
                return false;
            }
        }
        catch (JsonException)
        {
            return false;
        }

        if (log is null || time is null || !TryParseTime(time, out var when))
        {
            return false;
        }

        var partial = !log.EndsWith('\n');
        var message = partial ? log : log[..^1];
        if (message.EndsWith('\r'))
        {
            message = message[..^1];
        }

        entry = new DockerLogEntry(when, message, stream, partial);
        return true;
    }

    /// <summary>
    /// RFC 3339 with up to 9 fractional digits (Go's time.RFC3339Nano): .NET keeps 7, so the
    /// extra digits are cut before parsing.
    /// </summary>
    internal static bool TryParseTime(string text, out DateTimeOffset time)
    {
        time = default;
        var dot = text.IndexOf('.', StringComparison.Ordinal);
        var normalized = text;
        if (dot >= 0)
        {
            var end = dot + 1;
            while (end < text.Length && char.IsAsciiDigit(text[end]))
            {
                end++;
            }

            var digits = end - dot - 1;
            if (digits == 0)
            {
                return false;
            }

            if (digits > 7)
            {
                normalized = string.Concat(text.AsSpan(0, dot + 8), text.AsSpan(end));
            }
        }

        return DateTimeOffset.TryParse(
            normalized,
            CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal,
            out time)
            && normalized.Contains('T', StringComparison.Ordinal);
    }
}

/// <summary>
/// Joins Docker's split entries: feed every parsed entry, get a complete message back when the
/// last piece arrives. Pieces are joined per stream (stdout and stderr are split separately).
/// The assembled message takes the time of its first piece. <paramref name="maxLength"/> bounds
/// memory when a container never ends its line.
/// </summary>
internal sealed class DockerJsonLogAssembler(int maxLength = 1 << 20)
{
    private readonly Dictionary<string, (DateTimeOffset Time, StringBuilder Text)> _pending = new(StringComparer.Ordinal);

    public bool Add(DockerLogEntry entry, out DockerLogEntry complete)
    {
        complete = null!;
        if (_pending.TryGetValue(entry.Stream, out var open))
        {
            if (open.Text.Length + entry.Message.Length <= maxLength)
            {
                open.Text.Append(entry.Message);
            }

            if (entry.IsPartial)
            {
                return false;
            }

            _pending.Remove(entry.Stream);
            complete = new DockerLogEntry(open.Time, open.Text.ToString(), entry.Stream, false);
            return true;
        }

        if (entry.IsPartial)
        {
            var sb = new StringBuilder(entry.Message.Length > maxLength ? entry.Message[..maxLength] : entry.Message);
            _pending[entry.Stream] = (entry.Time, sb);
            return false;
        }

        complete = entry;
        return true;
    }
}

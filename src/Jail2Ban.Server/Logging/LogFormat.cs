using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Jail2Ban.Server.Logging;

/// <summary>
/// A Python logging format string (<c>%(name)-24s[%(process)d]: ...</c>) compiled once into
/// literal and field segments. Only what fail2ban uses is supported: the fields asctime, name,
/// process, levelname, levelno, message, thread, module, funcName, relativeCreated with an
/// optional '-' flag, width and precision, types s and d; unknown fields render empty.
/// </summary>
internal sealed partial class LogFormat
{
    private readonly Segment[] _segments;

    private LogFormat(Segment[] segments, string text)
    {
        _segments = segments;
        Text = text;
    }

    public string Text { get; }

    public bool UsesTime => _segments.Any(s => s.Field == "asctime");

    /// <summary>fail2ban's getVerbosityFormat for verbosity 0 (the only one the server uses).</summary>
    public static LogFormat Default(bool addTime, bool padding)
    {
        var fmt = "%(name)-24s[%(process)d]: %(levelname)-7s %(message)s";
        if (addTime)
        {
            fmt = "%(asctime)s " + fmt;
        }
        if (!padding)
        {
            fmt = PaddingRegex().Replace(fmt, "s");
        }
        return Parse(fmt);
    }

    public static LogFormat Parse(string fmt)
    {
        var segments = new List<Segment>();
        var pos = 0;
        foreach (Match m in FieldRegex().Matches(fmt))
        {
            if (m.Index > pos)
            {
                segments.Add(Segment.Literal(fmt[pos..m.Index]));
            }
            if (m.Value == "%%")
            {
                segments.Add(Segment.Literal("%"));
            }
            else
            {
                var width = m.Groups["w"].Success ? int.Parse(m.Groups["w"].Value, CultureInfo.InvariantCulture) : 0;
                int? precision = m.Groups["p"].Success ? int.Parse(m.Groups["p"].Value, CultureInfo.InvariantCulture) : null;
                segments.Add(new Segment(null, m.Groups["f"].Value, m.Groups["l"].Success, width, precision));
            }
            pos = m.Index + m.Length;
        }
        if (pos < fmt.Length)
        {
            segments.Add(Segment.Literal(fmt[pos..]));
        }
        return new LogFormat(segments.ToArray(), fmt);
    }

    public string Render(LogRecord record, int pid, TimeZoneInfo zone)
    {
        var sb = new StringBuilder(96 + record.Message.Length);
        foreach (var s in _segments)
        {
            if (s.LiteralText is not null)
            {
                sb.Append(s.LiteralText);
                continue;
            }
            var value = s.Field switch
            {
                "asctime" => AscTime(record.Time, zone),
                "name" => record.Logger,
                "process" => pid.ToString(CultureInfo.InvariantCulture),
                "levelname" => LogLevels.Name(record.Level),
                "levelno" => record.Level.ToString(CultureInfo.InvariantCulture),
                "message" => record.Message,
                "module" => record.Logger[(record.Logger.LastIndexOf('.') + 1)..],
                "thread" => Environment.CurrentManagedThreadId.ToString("X", CultureInfo.InvariantCulture),
                _ => string.Empty,
            };
            if (s.Precision is { } p && value.Length > p)
            {
                value = value[..p];
            }
            if (value.Length < s.Width)
            {
                value = s.LeftAlign ? value.PadRight(s.Width) : value.PadLeft(s.Width);
            }
            sb.Append(value);
        }
        return sb.ToString();
    }

    /// <summary>Python's default asctime: local time, milliseconds truncated, comma separator.</summary>
    public static string AscTime(DateTimeOffset time, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(time, zone);
        return local.ToString("yyyy-MM-dd HH:mm:ss,fff", CultureInfo.InvariantCulture);
    }

    private sealed record Segment(string? LiteralText, string Field, bool LeftAlign, int Width, int? Precision)
    {
        public static Segment Literal(string text) => new(text, string.Empty, false, 0, null);
    }

    [GeneratedRegex(@"%%|%\((?<f>[A-Za-z_]+)\)(?<l>-)?(?<w>\d+)?(?:\.(?<p>\d+))?[sdfX]")]
    private static partial Regex FieldRegex();

    // Same rule as fail2ban: a width/precision right after a field's ')' is dropped.
    [GeneratedRegex(@"(?<=\))-?\d+(?:\.\d+)?s")]
    private static partial Regex PaddingRegex();
}

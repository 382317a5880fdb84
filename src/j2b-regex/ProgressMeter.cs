using System.Globalization;

namespace Jail2Ban.Regex;

/// <summary>
/// Progress of a long log file on stderr, for someone watching a terminal (fail2ban-regex has none; a million-line
/// log takes a while there). One line rewritten in place with a carriage return: how much of the file is read, the
/// lines so far and the time. Nothing is written during the first second, so short runs stay silent, and the line is
/// erased at the end, so the report on stdout reads as without it. The caller only creates one when stderr is a
/// terminal (a pipe or a file gets no control characters).
/// </summary>
internal sealed class ProgressMeter
{
    private static readonly TimeSpan FirstAfter = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Every = TimeSpan.FromMilliseconds(250);

    private readonly TextWriter _err;
    private readonly long _totalBytes;
    private readonly TimeProvider _clock;
    private readonly long _start;
    private TimeSpan _next = FirstAfter;
    private int _shownLength;

    public ProgressMeter(TextWriter err, long totalBytes, TimeProvider clock)
    {
        _err = err;
        _totalBytes = totalBytes;
        _clock = clock;
        _start = clock.GetTimestamp();
    }

    /// <summary>True once a progress line has been written (and not yet erased).</summary>
    public bool Shown => _shownLength > 0;

    /// <summary>Called often (every few thousand lines): writes only when the next update is due.</summary>
    public void Update(long bytesRead, long lines)
    {
        var elapsed = _clock.GetElapsedTime(_start);
        if (elapsed < _next)
        {
            return;
        }
        _next = elapsed + Every;
        string text = Format(bytesRead, _totalBytes, lines, elapsed);
        // pad over a longer previous line, so no stale characters remain
        string pad = text.Length < _shownLength ? new string(' ', _shownLength - text.Length) : "";
        _err.Write("\r" + text + pad);
        _err.Flush();
        _shownLength = text.Length;
    }

    /// <summary>Erases the progress line, if one was written.</summary>
    public void Done()
    {
        if (_shownLength == 0)
        {
            return;
        }
        _err.Write("\r" + new string(' ', _shownLength) + "\r");
        _err.Flush();
        _shownLength = 0;
    }

    internal static string Format(long bytesRead, long totalBytes, long lines, TimeSpan elapsed)
    {
        var inv = CultureInfo.InvariantCulture;
        string done = totalBytes > 0
            ? string.Format(inv, "{0,3}% of {1}", Math.Clamp(bytesRead * 100 / totalBytes, 0, 100), Size(totalBytes))
            : Size(bytesRead);
        return string.Format(inv, "j2b-regex: {0}, {1:N0} lines, {2:0.0} s", done, lines, elapsed.TotalSeconds);
    }

    private static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 => string.Format(CultureInfo.InvariantCulture, "{0:0.0} GB", bytes / (double)(1L << 30)),
        >= 1L << 20 => string.Format(CultureInfo.InvariantCulture, "{0:0.0} MB", bytes / (double)(1L << 20)),
        >= 1L << 10 => string.Format(CultureInfo.InvariantCulture, "{0:0.0} KB", bytes / (double)(1L << 10)),
        _ => string.Format(CultureInfo.InvariantCulture, "{0} B", bytes),
    };
}

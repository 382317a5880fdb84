using System.Globalization;
using System.Text;
using Jail2Ban.Server.Logging;
using Jail2Ban.Server.Persistence;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace Jail2Ban.Server.Logs;

/// <summary>
/// One followed log file — fail2ban's FileContainer: byte position, inode and first-line hash,
/// rotation detection, line splitting and decoding, a held-back incomplete last line.
/// <para>
/// Differences from fail2ban, both to lose fewer lines: the handle stays open between reads so
/// that, after a rename rotation, the rest of the old file is read before switching to the new
/// one; and the first-line hash is re-checked whenever there is new data (fail2ban: at most every
/// 30 s), so a copytruncate is noticed even when the file has already grown past the old position.
/// </para>
/// Not thread-safe: one source drives it.
/// </summary>
internal sealed class LogFileReader : IDisposable
{
    /// <summary>A longer line is cut (and the pieces delivered) so a hostile file cannot exhaust memory.</summary>
    internal const int MaxLineBytes = 1 << 20;

    private const int ChunkBytes = 64 * 1024;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private SafeFileHandle? _handle;
    private ulong _handleInode;
    private ulong _inode;
    private Encoding _encoding;
    private byte[] _newLine;
    private Encoding? _strict;
    private DateTimeOffset _decodeWarnedAt = DateTimeOffset.MinValue;
    private DateTimeOffset? _seekTo;
    private byte[] _buffer = new byte[ChunkBytes];

    public LogFileReader(string path, Encoding encoding, bool tail, ILogger log, TimeProvider time)
    {
        Path = path;
        _log = log;
        _time = time;
        _encoding = encoding;
        _newLine = LogEncodings.NewLine(encoding);
        // Throws FileNotFoundException / UnauthorizedAccessException like fail2ban's open().
        _handle = Open(path);
        var st = FileStat.FStat(_handle);
        _handleInode = _inode = st.Inode;
        if (st.Size > 0)
        {
            Hash = FirstLineHash(_handle);
            if (tail)
            {
                Position = st.Size;
            }
        }
        InOperation = tail;
    }

    public string Path { get; }

    /// <summary>Byte offset of the next unread line.</summary>
    public long Position { get; private set; }

    /// <summary>SHA-1 hex of the first line including its newline; '' while it is incomplete.</summary>
    public string Hash { get; private set; } = string.Empty;

    /// <summary>True once the reader has reached the end of the file (or from the start in tail mode).</summary>
    public bool InOperation { get; private set; }

    public LogFilePosition State => new(Path, Position, Hash);

    public Encoding Encoding
    {
        get => _encoding;
        set
        {
            _encoding = value;
            _newLine = LogEncodings.NewLine(value);
            _strict = null;
        }
    }

    /// <summary>Applies a position from the database (head mode, hash must match: checked by the caller).</summary>
    public void SetPosition(long position) => Position = position;

    /// <summary>Requests fail2ban's half-interval search for the first line at or after <paramref name="time"/> before the next read.</summary>
    public void SeekOnFirstRead(DateTimeOffset time) => _seekTo = time;

    /// <summary>
    /// One read cycle: rotation check, then up to <paramref name="maxLines"/> complete lines.
    /// <paramref name="more"/> is true when the limit stopped reading before the end of the file.
    /// <paramref name="inOperation"/> is the state the lines were read in.
    /// </summary>
    public List<FileLogLine> Read(int maxLines, Func<string, DateTimeOffset?>? timeProbe, out bool inOperation, out bool more)
    {
        var lines = new List<FileLogLine>();
        inOperation = InOperation;
        more = false;
        if (!FileStat.TryStat(Path, out var pathStat))
        {
            // Gone (rotation in progress?): deliver what was still written to the old file.
            if (_handle is not null)
            {
                ReadLines(lines, maxLines, out more);
            }
            return lines;
        }
        if (_handle is null || pathStat.Inode != _handleInode)
        {
            if (_handle is not null)
            {
                ReadLines(lines, maxLines, out more);
                if (more)
                {
                    return lines;
                }
                _handle.Dispose();
                _handle = null;
            }
            try
            {
                _handle = Open(Path);
            }
            catch (FileNotFoundException)
            {
                return lines;
            }
            _handleInode = FileStat.FStat(_handle).Inode;
        }
        var st = FileStat.FStat(_handle);
        var rotated = st.Size < Position || st.Inode != _inode;
        var myHash = Hash;
        if (rotated || Hash.Length == 0 || st.Size > Position)
        {
            myHash = FirstLineHash(_handle);
        }
        if (rotated || myHash != Hash)
        {
            if (Hash.Length != 0)
            {
                _log.Log(LogLevel.Information, Fail2BanEvents.Msg,
                    "Log rotation detected for {Path}, reason: ({Size}, {Pos}, {NewIno}, {OldIno}, '{NewHash}', '{OldHash}')",
                    Path, st.Size, Position, st.Inode, _inode, myHash, Hash);
                Position = 0;
            }
            // fail2ban keeps the old inode when the old hash was empty, and then reports a
            // rotation on every later read; we take the new inode in both cases.
            _inode = st.Inode;
            Hash = myHash;
        }
        if (_seekTo is { } seekTo && timeProbe is not null)
        {
            _seekTo = null;
            SeekToTime(st.Size, seekTo, timeProbe);
        }
        if (st.Size <= Position)
        {
            InOperation = true;
            return lines;
        }
        ReadLines(lines, maxLines, out more);
        if (!more)
        {
            InOperation = true;
        }
        return lines;
    }

    private static SafeFileHandle Open(string path) =>
        File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);

    /// <summary>Reads complete lines from <see cref="Position"/> on the current handle.</summary>
    private void ReadLines(List<FileLogLine> lines, int maxLines, out bool more)
    {
        more = false;
        var handle = _handle!;
        var filled = 0;          // bytes in _buffer, starting at file offset Position
        var scanFrom = 0;        // where to look for the next newline in _buffer
        var nl = _newLine;
        while (true)
        {
            if (filled == _buffer.Length)
            {
                if (_buffer.Length >= MaxLineBytes)
                {
                    // Overlong line: deliver it in pieces rather than buffering without bound.
                    Emit(lines, _buffer.AsSpan(0, filled), Position);
                    Position += filled;
                    filled = scanFrom = 0;
                    if (lines.Count >= maxLines)
                    {
                        more = true;
                        return;
                    }
                }
                else
                {
                    Array.Resize(ref _buffer, Math.Min(_buffer.Length * 2, MaxLineBytes));
                }
            }
            var n = RandomAccess.Read(handle, _buffer.AsSpan(filled), Position + filled);
            if (n == 0)
            {
                return; // EOF: an incomplete last line stays unread
            }
            filled += n;
            var start = 0;
            while (true)
            {
                var idx = FindNewLine(_buffer.AsSpan(start, filled - start), scanFrom - start, nl);
                if (idx < 0)
                {
                    break;
                }
                Emit(lines, _buffer.AsSpan(start, idx), Position);
                var consumed = idx + nl.Length;
                Position += consumed;
                start += consumed;
                scanFrom = start;
                if (lines.Count >= maxLines)
                {
                    more = true;
                    return;
                }
            }
            // Keep the incomplete tail at the start of the buffer.
            if (start > 0)
            {
                Buffer.BlockCopy(_buffer, start, _buffer, 0, filled - start);
                filled -= start;
            }
            scanFrom = Math.Max(0, filled - (nl.Length - 1));
            scanFrom -= scanFrom % nl.Length;
        }
    }

    /// <summary>Index of the newline sequence in <paramref name="span"/> (aligned to the code unit), or -1.</summary>
    private static int FindNewLine(ReadOnlySpan<byte> span, int from, byte[] nl)
    {
        from = Math.Max(0, from);
        if (nl.Length == 1)
        {
            var i = span[from..].IndexOf(nl[0]);
            return i < 0 ? -1 : i + from;
        }
        var pos = from;
        while (pos <= span.Length - nl.Length)
        {
            var i = span[pos..].IndexOf(nl);
            if (i < 0)
            {
                return -1;
            }
            if ((pos + i) % nl.Length == 0)
            {
                return pos + i;
            }
            pos += i + 1;
        }
        return -1;
    }

    private void Emit(List<FileLogLine> lines, ReadOnlySpan<byte> raw, long offset)
    {
        var text = _encoding.GetString(raw);
        if (text.Contains('\uFFFD'))
        {
            WarnIfUndecodable(raw);
        }
        lines.Add(new FileLogLine(text.TrimEnd('\r', '\n'), offset));
    }

    private void WarnIfUndecodable(ReadOnlySpan<byte> raw)
    {
        _strict ??= Encoding.GetEncoding(_encoding.CodePage, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);
        try
        {
            _strict.GetCharCount(raw);
            return; // a genuine U+FFFD in the log
        }
        catch (DecoderFallbackException)
        {
        }
        var now = _time.GetUtcNow();
        // fail2ban warns once per file per day and logs the later ones at TRACEDEBUG.
        if (now - _decodeWarnedAt >= TimeSpan.FromDays(1))
        {
            _decodeWarnedAt = now;
            _log.LogWarning("Error decoding line from '{Path}' with '{Encoding}'.", Path, _encoding.WebName);
        }
        else
        {
            _log.Log(LogLevel.Trace, Fail2BanEvents.TraceDebug, "Error decoding line from '{Path}' with '{Encoding}'.", Path, _encoding.WebName);
        }
    }

    /// <summary>SHA-1 of the first line including its terminator; '' unless it ends in '\r' or '\n'.</summary>
    private static string FirstLineHash(SafeFileHandle handle)
    {
        var sha = new Sha1();
        Span<byte> buf = stackalloc byte[8192];
        long offset = 0;
        byte last = 0;
        while (true)
        {
            var n = RandomAccess.Read(handle, buf, offset);
            if (n == 0)
            {
                break;
            }
            var chunk = buf[..n];
            var i = chunk.IndexOf((byte)'\n');
            if (i >= 0)
            {
                sha.Append(chunk[..(i + 1)]);
                return sha.HashHex();
            }
            sha.Append(chunk);
            last = chunk[^1];
            offset += n;
        }
        // Python's readline() returned everything up to EOF; it counts as complete only if it
        // happens to end with '\r'.
        return offset > 0 && last == (byte)'\r' ? sha.HashHex() : string.Empty;
    }

    /// <summary>
    /// fail2ban's FileFilter.seekToTime: half-interval search from the current position for the
    /// first line stamped at or after <paramref name="date"/>, probing up to 5 lines per step.
    /// </summary>
    private void SeekToTime(long fileSize, DateTimeOffset date, Func<string, DateTimeOffset?> timeProbe)
    {
        if (fileSize == 0)
        {
            return;
        }
        var minp = Position;
        var maxp = fileSize;
        long? tryPos = minp;
        long lastPos = -1;
        DateTimeOffset? foundTime = null;
        var cntr = 0;
        var movecntr = 3;
        while (maxp > minp)
        {
            long pos;
            if (tryPos is null)
            {
                pos = minp + (maxp - minp) / 2;
            }
            else
            {
                pos = tryPos.Value;
                tryPos = null;
            }
            pos = Math.Max(0, pos - 2);
            var seekpos = pos = SeekLine(pos, endLine: true);
            var cursor = pos;
            cntr++;
            var lncntr = 5;
            DateTimeOffset? dateTimeMatch = null;
            long? nextp = null;
            while (true)
            {
                var line = ReadRawLine(ref cursor);
                if (line is null)
                {
                    break;
                }
                dateTimeMatch = timeProbe(line);
                if (dateTimeMatch is null)
                {
                    nextp = cursor;
                    if (nextp > maxp)
                    {
                        pos = seekpos;
                        break;
                    }
                    pos = nextp.Value;
                }
                if (dateTimeMatch is null && lncntr > 0)
                {
                    lncntr--;
                    continue;
                }
                break;
            }
            if (dateTimeMatch is { } unixTime)
            {
                if (unixTime >= date)
                {
                    if (foundTime is null || unixTime <= foundTime)
                    {
                        foundTime = unixTime;
                    }
                    if (pos == maxp)
                    {
                        pos = seekpos;
                    }
                    if (pos < maxp)
                    {
                        maxp = pos;
                    }
                }
                else
                {
                    if (foundTime is null || unixTime >= foundTime)
                    {
                        foundTime = unixTime;
                    }
                    nextp ??= cursor;
                    pos = nextp.Value;
                    if (pos > minp)
                    {
                        minp = pos;
                    }
                }
            }
            if (pos == lastPos)
            {
                movecntr--;
                if (movecntr <= 0)
                {
                    break;
                }
                if (minp != lastPos)
                {
                    lastPos = minp;
                    tryPos = minp;
                    continue;
                }
                break;
            }
            lastPos = pos;
        }
        Position = SeekLine(minp, endLine: false);
        _log.LogDebug("Position {Pos} from {Size}, found time {Time} within {Count} seeks", Position, fileSize,
            foundTime?.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) ?? "None", cntr);
    }

    /// <summary>Position <paramref name="offset"/>, moved past the end of that line when <paramref name="endLine"/> and offset &gt; 0.</summary>
    private long SeekLine(long offset, bool endLine)
    {
        if (offset == 0 || !endLine)
        {
            return offset;
        }
        var cursor = offset;
        _ = ReadRawLine(ref cursor);
        return cursor;
    }

    /// <summary>Reads one line (complete or not) at <paramref name="cursor"/>; null at EOF.</summary>
    private string? ReadRawLine(ref long cursor)
    {
        var handle = _handle!;
        var acc = new List<byte>();
        Span<byte> buf = stackalloc byte[4096];
        while (acc.Count < MaxLineBytes)
        {
            var n = RandomAccess.Read(handle, buf, cursor);
            if (n == 0)
            {
                break;
            }
            var i = buf[..n].IndexOf((byte)'\n');
            if (i >= 0)
            {
                acc.AddRange(buf[..(i + 1)]);
                cursor += i + 1;
                return _encoding.GetString(acc.ToArray()).TrimEnd('\r', '\n');
            }
            acc.AddRange(buf[..n]);
            cursor += n;
        }
        return acc.Count == 0 ? null : _encoding.GetString(acc.ToArray()).TrimEnd('\r', '\n');
    }

    public void Dispose()
    {
        _handle?.Dispose();
        _handle = null;
    }
}

using System.Text;

namespace Jail2Ban.Protocol;

/// <summary>
/// fail2ban's framing: every message is followed by <c>&lt;F2B_END_COMMAND&gt;</c>; a client says
/// goodbye with <c>&lt;F2B_CLOSE_COMMAND&gt;</c> + end marker. There is no escaping (a payload that
/// contains the marker would break framing — as in fail2ban).
/// </summary>
public static class Framing
{
    public static ReadOnlySpan<byte> End => "<F2B_END_COMMAND>"u8;

    public static ReadOnlySpan<byte> Close => "<F2B_CLOSE_COMMAND>"u8;

    /// <summary>First byte of every pickle of protocol 2+: how the server recognises the Python client.</summary>
    public const byte PickleProto = 0x80;

    /// <summary>First byte of a request of our JSON-lines protocol (j2b-client).</summary>
    public const byte JsonStart = (byte)'{';

    public static string Describe(ReadOnlySpan<byte> bytes) => Encoding.ASCII.GetString(bytes);
}

/// <summary>
/// Splits a byte stream into frames. Buffers at most <c>maxFrame</c> bytes: a peer that sends more
/// without a terminator gets a <see cref="FrameTooLargeException"/> instead of exhausting memory.
/// </summary>
public sealed class FrameReader(Stream stream, int maxFrame = 64 * 1024 * 1024)
{
    private byte[] _buffer = new byte[4096];
    private int _start;
    private int _end;

    /// <summary>Bytes already read from the stream but not consumed yet.</summary>
    public ReadOnlySpan<byte> Pending => _buffer.AsSpan(_start, _end - _start);

    /// <summary>Ensures at least one byte is buffered; false at end of stream.</summary>
    public async ValueTask<bool> FillAsync(CancellationToken ct)
    {
        if (_end > _start)
            return true;
        return await ReadMoreAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Next frame without its terminator, or null when the peer closed the stream.</summary>
    public async ValueTask<byte[]?> ReadFrameAsync(ReadOnlyMemory<byte> terminator, CancellationToken ct)
    {
        var searchFrom = _start;
        while (true)
        {
            var window = _buffer.AsSpan(searchFrom, _end - searchFrom);
            var idx = window.IndexOf(terminator.Span);
            if (idx >= 0)
            {
                var frameEnd = searchFrom + idx;
                var frame = _buffer.AsSpan(_start, frameEnd - _start).ToArray();
                _start = frameEnd + terminator.Length;
                return frame;
            }
            // Resume the search where a terminator could still begin.
            searchFrom = Math.Max(_start, _end - terminator.Length + 1);
            if (_end - _start > maxFrame)
                throw new FrameTooLargeException(maxFrame);
            var before = _start;
            if (!await ReadMoreAsync(ct).ConfigureAwait(false))
            {
                if (_end > _start)
                    throw new EndOfStreamException("connection closed in the middle of a frame");
                return null;
            }
            searchFrom -= before - _start; // compaction moved data
        }
    }

    private async ValueTask<bool> ReadMoreAsync(CancellationToken ct)
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length)
            Array.Resize(ref _buffer, _buffer.Length * 2);
        var n = await stream.ReadAsync(_buffer.AsMemory(_end), ct).ConfigureAwait(false);
        if (n <= 0)
            return false;
        _end += n;
        return true;
    }
}

public sealed class FrameTooLargeException(int limit) : Exception($"frame exceeds {limit} bytes without terminator");

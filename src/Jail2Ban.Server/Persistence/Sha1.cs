using System.Buffers.Binary;
using System.Numerics;

namespace Jail2Ban.Server.Persistence;

/// <summary>
/// SHA-1 (FIPS 180-4) for the first-line hash of followed log files (fail2ban's
/// <c>firstlinemd5</c>). Written out here instead of using System.Security.Cryptography because
/// on Linux that loads OpenSSL (libcrypto and the .NET crypto assembly: about 5 MB of the daemon's
/// resident memory, measured) only to hash one short line per file read. Not for security use.
/// Incremental: <see cref="Append"/> any number of times, then <see cref="HashHex"/>.
/// </summary>
internal sealed class Sha1
{
    private readonly uint[] _h = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0];
    private readonly byte[] _block = new byte[64];
    private readonly uint[] _w = new uint[80];
    private int _filled;
    private long _length;

    /// <summary>Lower-case hex SHA-1 of <paramref name="data"/>.</summary>
    public static string HashHex(ReadOnlySpan<byte> data)
    {
        var sha = new Sha1();
        sha.Append(data);
        return sha.HashHex();
    }

    public void Append(ReadOnlySpan<byte> data)
    {
        _length += data.Length;
        while (!data.IsEmpty)
        {
            var n = Math.Min(64 - _filled, data.Length);
            data[..n].CopyTo(_block.AsSpan(_filled));
            _filled += n;
            data = data[n..];
            if (_filled == 64)
            {
                Compress();
                _filled = 0;
            }
        }
    }

    /// <summary>Finishes the hash (the instance cannot be appended to afterwards).</summary>
    public string HashHex()
    {
        var bits = (ulong)_length * 8;
        _block[_filled++] = 0x80;
        if (_filled > 56)
        {
            _block.AsSpan(_filled).Clear();
            Compress();
            _filled = 0;
        }
        _block.AsSpan(_filled, 56 - _filled).Clear();
        BinaryPrimitives.WriteUInt64BigEndian(_block.AsSpan(56), bits);
        Compress();
        Span<byte> digest = stackalloc byte[20];
        for (var i = 0; i < 5; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(digest[(i * 4)..], _h[i]);
        }
        return Convert.ToHexStringLower(digest);
    }

    private void Compress()
    {
        var w = _w;
        for (var i = 0; i < 16; i++)
        {
            w[i] = BinaryPrimitives.ReadUInt32BigEndian(_block.AsSpan(i * 4));
        }
        for (var i = 16; i < 80; i++)
        {
            w[i] = BitOperations.RotateLeft(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
        }
        uint a = _h[0], b = _h[1], c = _h[2], d = _h[3], e = _h[4];
        for (var i = 0; i < 80; i++)
        {
            uint f, k;
            if (i < 20)
            {
                f = (b & c) | (~b & d);
                k = 0x5A827999;
            }
            else if (i < 40)
            {
                f = b ^ c ^ d;
                k = 0x6ED9EBA1;
            }
            else if (i < 60)
            {
                f = (b & c) | (b & d) | (c & d);
                k = 0x8F1BBCDC;
            }
            else
            {
                f = b ^ c ^ d;
                k = 0xCA62C1D6;
            }
            var t = BitOperations.RotateLeft(a, 5) + f + e + k + w[i];
            e = d;
            d = c;
            c = BitOperations.RotateLeft(b, 30);
            b = a;
            a = t;
        }
        _h[0] += a;
        _h[1] += b;
        _h[2] += c;
        _h[3] += d;
        _h[4] += e;
    }
}

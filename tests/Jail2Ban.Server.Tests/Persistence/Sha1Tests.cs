using System.Security.Cryptography;
using System.Text;
using Jail2Ban.Server.Persistence;

namespace Jail2Ban.Server.Tests.Persistence;

/// <summary>The managed SHA-1 used for first-line hashes (to keep OpenSSL out of the daemon).</summary>
public sealed class Sha1Tests
{
    [Theory]
    [InlineData("", "da39a3ee5e6b4b0d3255bfef95601890afd80709")]
    [InlineData("abc", "a9993e364706816aba3e25717850c26c9cd0d89d")]
    [InlineData("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "84983e441c3bd26ebaae4aa1f95129e5e54670f1")]
    public void KnownVectors(string text, string hex) => Assert.Equal(hex, Sha1.HashHex(Encoding.ASCII.GetBytes(text)));

    [Fact]
    public void MillionAsInUnevenPieces()
    {
        var sha = new Sha1();
        var data = Encoding.ASCII.GetBytes(new string('a', 1_000_000));
        var pos = 0;
        var step = 1;
        while (pos < data.Length)
        {
            var n = Math.Min(step, data.Length - pos);
            sha.Append(data.AsSpan(pos, n));
            pos += n;
            step = step * 7 % 1013 + 1;
        }
        Assert.Equal("34aa973cd4c4daa4f61eeb2bdbad27316534016f", sha.HashHex());
    }

    [Fact]
    public void SameAsTheLibraryForEveryLengthAroundTheBlockBoundaries()
    {
        var random = new Random(42);
        for (var len = 0; len <= 300; len++)
        {
            var data = new byte[len];
            random.NextBytes(data);
            Assert.Equal(Convert.ToHexStringLower(SHA1.HashData(data)), Sha1.HashHex(data));
        }
    }

    [Fact]
    public void FirstLineHashStillMatchesFail2bansValue()
    {
        // fail2ban stores sha1(first line including '\n') as firstlinemd5.
        var line = "Nov 22 09:00:00 host sshd[1]: test\n"u8;
        Assert.Equal(Convert.ToHexStringLower(SHA1.HashData(line)), BanStore.FirstLineHash(line));
        Assert.Equal("", BanStore.FirstLineHash("no newline"u8));
    }
}

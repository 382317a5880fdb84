using System.Text;

namespace Jail2Ban.Regex;

/// <summary>
/// Reads a log as bytes split on '\n' (as fail2ban's FileContainer does), decoding each line with replacement of
/// invalid sequences and stripping trailing '\r'/'\n'. Like fail2ban 1.0.2's FileContainer (what the installed
/// fail2ban-regex does), a last line without a line end is not returned unless <c>takeUnterminated</c> is set
/// (a trailing '\r' counts as a line end there too).
/// Lines of any length and NUL bytes are passed through; nothing here throws on content.
/// </summary>
internal static class LogLines
{
    public static IEnumerable<string> Read(Stream stream, Encoding encoding, bool takeUnterminated = false)
    {
        byte[] buf = new byte[1 << 16];
        int start = 0, end = 0;
        while (true)
        {
            int nl = Array.IndexOf(buf, (byte)'\n', start, end - start);
            if (nl >= 0)
            {
                yield return Decode(encoding, buf, start, nl - start);
                start = nl + 1;
                continue;
            }
            if (start > 0)
            {
                Buffer.BlockCopy(buf, start, buf, 0, end - start);
                end -= start;
                start = 0;
            }
            if (end == buf.Length)
            {
                Array.Resize(ref buf, buf.Length * 2);
            }
            int n = stream.Read(buf, end, buf.Length - end);
            if (n == 0)
            {
                if (end > start && (takeUnterminated || buf[end - 1] == '\r'))
                {
                    yield return Decode(encoding, buf, start, end - start);
                }
                yield break;
            }
            end += n;
        }
    }

    private static string Decode(Encoding encoding, byte[] buf, int start, int length)
    {
        while (length > 0 && (buf[start + length - 1] == '\r' || buf[start + length - 1] == '\n'))
        {
            length--;
        }
        return length == 0 ? "" : encoding.GetString(buf, start, length);
    }
}

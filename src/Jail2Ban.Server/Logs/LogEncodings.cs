using System.Text;

namespace Jail2Ban.Server.Logs;

/// <summary>
/// Maps fail2ban <c>logencoding</c> values (Python codec names) to .NET encodings that replace
/// undecodable bytes with U+FFFD, as fail2ban's 'replace' error handler does.
/// </summary>
public static class LogEncodings
{
    static LogEncodings()
    {
        // cp1252, koi8-r & co. live in the code-pages provider (in the shared framework).
        System.Text.Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
    }

    /// <summary><c>auto</c> means the locale's encoding; on the systems we target that is UTF-8.</summary>
    public static Encoding Resolve(string name)
    {
        var n = name.Trim().ToLowerInvariant().Replace('_', '-');
        var canonical = n switch
        {
            "auto" or "utf8" or "u8" or "utf" or "utf-8" or "cp65001" => "utf-8",
            "latin-1" or "latin1" or "l1" or "iso8859-1" or "8859" or "cp819" => "iso-8859-1",
            "ascii" or "us-ascii" or "646" => "us-ascii",
            "utf16" => "utf-16",
            "utf-16le" or "utf16le" or "utf-16-le" => "utf-16LE",
            "utf-16be" or "utf16be" or "utf-16-be" => "utf-16BE",
            "utf32" => "utf-32",
            _ => n.StartsWith("cp", StringComparison.Ordinal) && n[2..].All(char.IsAsciiDigit) ? "windows-" + n[2..] : n,
        };
        Encoding baseEncoding;
        try
        {
            baseEncoding = canonical == "windows-437" || canonical == "windows-850" ? System.Text.Encoding.GetEncoding(int.Parse(canonical[8..], System.Globalization.CultureInfo.InvariantCulture)) : System.Text.Encoding.GetEncoding(canonical);
        }
        catch (ArgumentException)
        {
            throw new ArgumentException($"unknown encoding: {name}");
        }
        if (baseEncoding is UTF8Encoding)
        {
            // No BOM handling surprises and U+FFFD per maximal invalid subsequence (like Python).
            return new UTF8Encoding(false, false);
        }
        return System.Text.Encoding.GetEncoding(baseEncoding.CodePage, EncoderFallback.ReplacementFallback, new DecoderReplacementFallback("\uFFFD"));
    }

    /// <summary>The byte sequence of '\n' in the encoding (1, 2 or 4 bytes).</summary>
    internal static byte[] NewLine(Encoding e) => e.GetBytes("\n");
}

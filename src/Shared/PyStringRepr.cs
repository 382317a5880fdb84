using System.Globalization;
using System.Text;

namespace Jail2Ban.Shared;

/// <summary>
/// Python's repr() of a str, shared by source link (no project reference between Core and Protocol): the
/// command dump (Core) and the client's printing of replies (Protocol) must escape text identically.
/// </summary>
internal static class PyStringRepr
{
    /// <summary>str.__repr__: single quotes unless the text has ' and no ", escapes for non-printables.</summary>
    public static void Append(StringBuilder sb, string s)
    {
        var quote = s.Contains('\'') && !s.Contains('"') ? '"' : '\'';
        sb.Append(quote);
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c == quote || c == '\\')
            {
                sb.Append('\\').Append(c);
            }
            else if (c == '\t')
            {
                sb.Append("\\t");
            }
            else if (c == '\n')
            {
                sb.Append("\\n");
            }
            else if (c == '\r')
            {
                sb.Append("\\r");
            }
            else if (c < 0x20 || c == 0x7f)
            {
                sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
            }
            else if (c < 0x7f)
            {
                sb.Append(c);
            }
            else
            {
                var cp = char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])
                    ? char.ConvertToUtf32(c, s[++i])
                    : c;
                if (IsPrintable(cp))
                {
                    sb.Append(char.ConvertFromUtf32(cp));
                }
                else if (cp < 0x100)
                {
                    sb.Append("\\x").Append(cp.ToString("x2", CultureInfo.InvariantCulture));
                }
                else if (cp < 0x10000)
                {
                    sb.Append("\\u").Append(cp.ToString("x4", CultureInfo.InvariantCulture));
                }
                else
                {
                    sb.Append("\\U").Append(cp.ToString("x8", CultureInfo.InvariantCulture));
                }
            }
        }
        sb.Append(quote);
    }

    private static bool IsPrintable(int cp)
    {
        if (cp is >= 0xD800 and <= 0xDFFF)
        {
            return false;
        }
        var cat = CharUnicodeInfo.GetUnicodeCategory(cp);
        return cat switch
        {
            UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse
                or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                or UnicodeCategory.SpaceSeparator => false,
            _ => true,
        };
    }
}

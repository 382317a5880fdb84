using System.Globalization;

namespace Jail2Ban.Core.Actions;

/// <summary>How Python's <c>str()</c> renders the values fail2ban substitutes into commands.</summary>
internal static class PyText
{
    /// <summary>
    /// Python's float repr: shortest round-trip digits, always with a fractional part or an
    /// exponent (<c>1795326920.0</c>, <c>0.25</c>, <c>1e+16</c>).
    /// </summary>
    public static string Float(double value)
    {
        if (double.IsNaN(value)) return "nan";
        if (double.IsInfinity(value)) return value > 0 ? "inf" : "-inf";
        var abs = Math.Abs(value);
        if (abs != 0 && (abs >= 1e16 || abs < 1e-4))
        {
            // Python switches to exponent notation outside [1e-4, 1e16).
            var e = value.ToString("E16", CultureInfo.InvariantCulture);
            var r = value.ToString("R", CultureInfo.InvariantCulture);
            var (mant, exp) = SplitExponent(r.Contains('E') ? r : e);
            mant = mant.Contains('.') ? mant.TrimEnd('0').TrimEnd('.') : mant;
            var sign = exp < 0 ? "-" : "+";
            return $"{mant}e{sign}{Math.Abs(exp):00}";
        }
        var s = value.ToString("R", CultureInfo.InvariantCulture);
        if (s.Contains('E'))
        {
            // .NET may use exponent form inside Python's fixed range; expand it.
            s = value.ToString("0.#################", CultureInfo.InvariantCulture);
        }
        return s.Contains('.') ? s : s + ".0";
    }

    private static (string Mantissa, int Exponent) SplitExponent(string s)
    {
        var i = s.IndexOf('E');
        return (s[..i], int.Parse(s[(i + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture));
    }

    public static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Python's <c>repr()</c> of a str.</summary>
    public static string Repr(string s)
    {
        var quote = s.Contains('\'') && !s.Contains('"') ? '"' : '\'';
        var sb = new System.Text.StringBuilder(s.Length + 2).Append(quote);
        foreach (var c in s)
        {
            switch (c)
            {
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c == quote) sb.Append('\\').Append(c);
                    else if (c < 0x20 || c == 0x7f) sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        return sb.Append(quote).ToString();
    }

    /// <summary>Python's <c>repr()</c> of a list of str.</summary>
    public static string ReprList(IEnumerable<string> items) => "[" + string.Join(", ", items.Select(Repr)) + "]";
}

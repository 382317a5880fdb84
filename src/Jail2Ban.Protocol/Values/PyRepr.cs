using System.Globalization;
using System.Text;

namespace Jail2Ban.Protocol.Values;

/// <summary>
/// Python's <c>repr()</c> and <c>str()</c> of wire values. fail2ban-client prints every reply it has no
/// special rendering for with <c>print(value)</c>, so byte-compatible output needs Python's spelling
/// of lists, tuples, dicts, strings (quote choice, escapes) and floats.
/// </summary>
public static class PyRepr
{
    /// <summary>Python <c>str(value)</c>: strings as-is, everything else as repr.</summary>
    public static string Str(object? value) => value is string s ? s : Repr(value);

    public static string Repr(object? value)
    {
        var sb = new StringBuilder();
        Append(sb, value);
        return sb.ToString();
    }

    private static void Append(StringBuilder sb, object? value)
    {
        switch (value)
        {
            case null: sb.Append("None"); break;
            case bool b: sb.Append(b ? "True" : "False"); break;
            case string s: Jail2Ban.Shared.PyStringRepr.Append(sb, s); break;
            case long or int or short or byte or ulong or uint:
                sb.Append(Convert.ToString(value, CultureInfo.InvariantCulture)); break;
            case System.Numerics.BigInteger bi: sb.Append(bi.ToString(CultureInfo.InvariantCulture)); break;
            case double d: sb.Append(Float(d)); break;
            case float f: sb.Append(Float(f)); break;
            case PyTuple t:
                sb.Append('(');
                AppendItems(sb, t.Items);
                if (t.Count == 1)
                    sb.Append(',');
                sb.Append(')');
                break;
            case PySet set:
                if (set.Items.Count == 0)
                {
                    sb.Append("set()");
                    break;
                }
                sb.Append('{');
                AppendItems(sb, set.Items);
                sb.Append('}');
                break;
            case PyDict dict:
                sb.Append('{');
                for (var i = 0; i < dict.Items.Count; i++)
                {
                    if (i > 0)
                        sb.Append(", ");
                    Append(sb, dict.Items[i].Key);
                    sb.Append(": ");
                    Append(sb, dict.Items[i].Value);
                }
                sb.Append('}');
                break;
            case PyException e:
                sb.Append(e.Name).Append('(');
                AppendItems(sb, e.Args);
                sb.Append(')');
                break;
            case System.Collections.IEnumerable list:
                sb.Append('[');
                var first = true;
                foreach (var item in list)
                {
                    if (!first)
                        sb.Append(", ");
                    first = false;
                    Append(sb, item);
                }
                sb.Append(']');
                break;
            default:
                // Anything else (e.g. an IPAddress) goes over the wire as its string form.
                Jail2Ban.Shared.PyStringRepr.Append(sb, value.ToString() ?? "");
                break;
        }
    }

    private static void AppendItems(StringBuilder sb, IReadOnlyList<object?> items)
    {
        for (var i = 0; i < items.Count; i++)
        {
            if (i > 0)
                sb.Append(", ");
            Append(sb, items[i]);
        }
    }

    /// <summary>Python's float repr: shortest round-trip digits, positional for 1e-4 &lt;= |x| &lt; 1e16.</summary>
    public static string Float(double d)
    {
        if (double.IsNaN(d))
            return "nan";
        if (double.IsInfinity(d))
            return d > 0 ? "inf" : "-inf";
        if (d == 0)
            return double.IsNegative(d) ? "-0.0" : "0.0";
        // Shortest round-trip digits: .NET's "R" gives them; normalise to digits + decimal exponent.
        var shortest = d.ToString("R", CultureInfo.InvariantCulture);
        var negative = shortest.StartsWith('-');
        if (negative)
            shortest = shortest[1..];
        int exp;
        string mantissa;
        var ePos = shortest.IndexOfAny(['E', 'e']);
        if (ePos >= 0)
        {
            mantissa = shortest[..ePos];
            exp = int.Parse(shortest[(ePos + 1)..], CultureInfo.InvariantCulture);
        }
        else
        {
            mantissa = shortest;
            exp = 0;
        }
        var dot = mantissa.IndexOf('.');
        var intPart = dot >= 0 ? mantissa[..dot] : mantissa;
        var fracPart = dot >= 0 ? mantissa[(dot + 1)..] : "";
        var digits = (intPart + fracPart).TrimStart('0');
        // decimal exponent of the first significant digit
        var leadingZeros = (intPart + fracPart).Length - (intPart + fracPart).TrimStart('0').Length;
        var pointPos = intPart.Length + exp - leadingZeros; // digits before the decimal point
        digits = digits.TrimEnd('0');
        if (digits.Length == 0)
            digits = "0";
        var exp10 = pointPos - 1;
        var sb = new StringBuilder();
        if (negative)
            sb.Append('-');
        if (exp10 is >= -4 and < 16)
        {
            if (pointPos <= 0)
                sb.Append("0.").Append('0', -pointPos).Append(digits);
            else if (pointPos >= digits.Length)
                sb.Append(digits).Append('0', pointPos - digits.Length).Append(".0");
            else
                sb.Append(digits, 0, pointPos).Append('.').Append(digits, pointPos, digits.Length - pointPos);
        }
        else
        {
            sb.Append(digits[0]);
            if (digits.Length > 1)
                sb.Append('.').Append(digits, 1, digits.Length - 1);
            sb.Append('e').Append(exp10 < 0 ? '-' : '+').Append(Math.Abs(exp10).ToString("00", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }
}

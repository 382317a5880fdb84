using System.Globalization;

namespace Jail2Ban.Core.Time;

/// <summary>
/// A number with Python's int/float distinction. fail2ban evaluates time values and ban-time
/// formulas with Python's <c>eval</c>, and whether the result is an int or a float leaks into
/// what it prints (<c>47336400.0</c> vs <c>600</c>, <c>20.0m</c> in seconds2str) and stores.
/// Python ints are unbounded; here they are 64-bit and overflow turns the value into a float
/// (a documented deviation that no realistic time value reaches).
/// </summary>
public readonly record struct PyNumber(double Value, bool IsFloat)
{
    public static PyNumber Int(long value) => new(value, false);

    public static PyNumber Float(double value) => new(value, true);

    /// <summary>Python's <c>str()</c> of the number (<c>600</c>, <c>600.0</c>, <c>1e+16</c>).</summary>
    public override string ToString() => IsFloat ? FormatFloat(Value) : FormatInt(Value);

    internal static string FormatInt(double value) =>
        ((long)value).ToString(CultureInfo.InvariantCulture);

    /// <summary>Python's repr of a float: shortest round-trip digits, always with a dot or an
    /// exponent; exponent form below 1e-4 and from 1e16 on.</summary>
    public static string FormatFloat(double value)
    {
        if (double.IsNaN(value))
        {
            return "nan";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "inf" : "-inf";
        }

        if (value == 0)
        {
            return double.IsNegative(value) ? "-0.0" : "0.0";
        }

        // Decompose .NET's shortest round-trip text into digits and a decimal exponent, then
        // lay it out with Python's rules (repr uses scientific form when exp < -4 or exp >= 16).
        var r = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        var exp = 0;
        var ePos = r.IndexOfAny(['E', 'e']);
        if (ePos >= 0)
        {
            exp = int.Parse(r[(ePos + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            r = r[..ePos];
        }

        var dot = r.IndexOf('.', StringComparison.Ordinal);
        var intPart = dot >= 0 ? r[..dot] : r;
        var fracPart = dot >= 0 ? r[(dot + 1)..] : string.Empty;
        var digits = (intPart + fracPart).TrimStart('0');
        var leadingZeros = (intPart + fracPart).Length - digits.Length;
        // value = 0.digits * 10^(intPart.Length - leadingZeros + exp)
        var sciExp = intPart.Length - leadingZeros + exp - 1;
        digits = digits.TrimEnd('0');
        if (digits.Length == 0)
        {
            digits = "0";
        }

        var sign = value < 0 ? "-" : string.Empty;
        if (sciExp < -4 || sciExp >= 16)
        {
            var mant = digits.Length > 1 ? digits[0] + "." + digits[1..] : digits;
            return sign + mant + "e" + (sciExp < 0 ? "-" : "+") + Math.Abs(sciExp).ToString("00", CultureInfo.InvariantCulture);
        }

        if (sciExp < 0)
        {
            return sign + "0." + new string('0', -sciExp - 1) + digits;
        }

        if (sciExp + 1 >= digits.Length)
        {
            return sign + digits + new string('0', sciExp + 1 - digits.Length) + ".0";
        }

        return sign + digits[..(sciExp + 1)] + "." + digits[(sciExp + 1)..];
    }
}

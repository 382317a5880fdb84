using System.Globalization;
using System.Text.RegularExpressions;

namespace Jail2Ban.Core.Time;

/// <summary>
/// fail2ban's "time abbreviation format" (<c>MyTime.str2seconds</c>, spec §0.1) and the
/// <c>seconds2str</c> rendering used in log messages.
/// </summary>
public static partial class TimeSpec
{
    // Unit words in fail2ban's order of substitution; the factor text is what Python's str()
    // of the factor gives, so months/years turn the whole expression into a float.
    private static readonly (Regex Pattern, string Replacement)[] Units =
    [
        (DaysRegex(), "*86400"),
        (WeeksRegex(), "*604800"),
        (MonthsRegex(), "*2629800.0"),
        (YearsRegex(), "*31557600.0"),
        (SecondsRegex(), "*1"),
        (MinutesRegex(), "*60"),
        (HoursRegex(), "*3600"),
    ];

    /// <summary>
    /// Converts a time value (<c>600</c>, <c>10m</c>, <c>1d12h</c>, <c>1h-10m</c>, <c>1y 6mo</c>)
    /// to seconds, int or float as fail2ban would.
    /// </summary>
    /// <exception cref="FormatException">the value is not a valid time expression (message names it).</exception>
    public static PyNumber ToSeconds(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var expr = ToExpression(value);
        try
        {
            return PythonExpression.Parse(expr).Evaluate();
        }
        catch (FormatException)
        {
            throw new FormatException($"invalid time value '{value}'");
        }
        catch (ArithmeticException e)
        {
            throw new FormatException($"invalid time value '{value}': {e.Message}");
        }
    }

    /// <summary>Non-throwing variant of <see cref="ToSeconds"/>.</summary>
    public static bool TryToSeconds(string? value, out PyNumber seconds)
    {
        seconds = default;
        if (value is null)
        {
            return false;
        }

        try
        {
            seconds = ToSeconds(value);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>The arithmetic expression fail2ban hands to eval (exposed for tests/diagnostics).</summary>
    public static string ToExpression(string value)
    {
        var val = LetterDigitRegex().Replace(value, " $1");
        foreach (var (pattern, replacement) in Units)
        {
            val = pattern.Replace(val, replacement);
        }

        return DigitSpaceDigitRegex().Replace(val, "$1+$2");
    }

    /// <summary>
    /// fail2ban's seconds2str: ≥1 year → <c>Ny Nw Nd</c>, ≥1 week → <c>Nw Nd Nh</c>, ≥1 day →
    /// <c>Nd Nh Nm</c>, ≥3595 s → <c>Nh Nm</c>, else <c>Nm Ns</c>, 0 → <c>0</c>.
    /// </summary>
    public static string SecondsToString(PyNumber seconds)
    {
        var s = seconds.Value;
        if (s >= 31536000)
        {
            var d = RoundHalfEven(s / 86400);
            var r = (d / 365) + "y ";
            d %= 365;
            if (d >= 7)
            {
                r += (d / 7) + "w ";
                d %= 7;
            }

            if (d != 0)
            {
                r += d + "d ";
            }

            return r[..^1];
        }

        if (s >= 604800)
        {
            var h = RoundHalfEven(s / 3600);
            var r = (h / 168) + "w ";
            h %= 168;
            if (h >= 24)
            {
                r += (h / 24) + "d ";
                h %= 24;
            }

            if (h != 0)
            {
                r += h + "h ";
            }

            return r[..^1];
        }

        if (s >= 86400)
        {
            var m = RoundHalfEven(s / 60);
            var r = (m / 1440) + "d ";
            m %= 1440;
            if (m >= 60)
            {
                r += (m / 60) + "h ";
                m %= 60;
            }

            if (m != 0)
            {
                r += m + "m ";
            }

            return r[..^1];
        }

        if (s >= 3595)
        {
            var t = RoundHalfEven(s / 10);
            var r = (t / 360) + "h ";
            t %= 360;
            if (t >= 6)
            {
                r += (t / 6) + "m ";
            }

            return r[..^1];
        }

        // Below an hour Python keeps the operand type, so a float bantime prints "1.0m 30.5s".
        var res = string.Empty;
        if (s >= 60)
        {
            var min = Math.Floor(s / 60);
            res += Num(min, seconds.IsFloat) + "m ";
            s -= min * 60;
        }

        if (s != 0)
        {
            res += Num(s, seconds.IsFloat) + "s ";
        }
        else if (seconds.Value == 0)
        {
            res = "0 ";
        }

        return res.Length == 0 ? string.Empty : res[..^1];
    }

    public static string SecondsToString(double seconds) =>
        SecondsToString(new PyNumber(seconds, seconds != Math.Floor(seconds)));

    private static string Num(double v, bool isFloat) =>
        isFloat ? PyNumber.FormatFloat(v) : ((long)v).ToString(CultureInfo.InvariantCulture);

    private static long RoundHalfEven(double v) => (long)Math.Round(v, MidpointRounding.ToEven);

    [GeneratedRegex(@"(?<=[a-z])(\d)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex LetterDigitRegex();

    [GeneratedRegex(@"(\d)\s+(\d)", RegexOptions.CultureInvariant)]
    private static partial Regex DigitSpaceDigitRegex();

    [GeneratedRegex(@"(?<=[\d\s])(days?|da|dd?)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DaysRegex();

    [GeneratedRegex(@"(?<=[\d\s])(weeks?|wee?|ww?)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex WeeksRegex();

    [GeneratedRegex(@"(?<=[\d\s])(months?|mon?)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex MonthsRegex();

    [GeneratedRegex(@"(?<=[\d\s])(years?|yea?|yy?)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex YearsRegex();

    [GeneratedRegex(@"(?<=[\d\s])(seconds?|sec?|ss?)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SecondsRegex();

    [GeneratedRegex(@"(?<=[\d\s])(minutes?|min?|mm?)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex MinutesRegex();

    [GeneratedRegex(@"(?<=[\d\s])(hours?|hou?|hh?)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex HoursRegex();
}

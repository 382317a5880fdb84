using System.Globalization;

namespace Jail2Ban.Core.Configuration;

/// <summary>
/// The Python conversions the reader relies on. Option values in the command stream are
/// <c>string</c>, <c>long</c>, <c>bool</c>, <c>null</c> (Python None), lists, or dictionaries, like in fail2ban.
/// </summary>
internal static class PyStr
{
    public static string Lower(string s) => s.ToLowerInvariant();

    /// <summary>Python str(value).</summary>
    public static string? Str(object? value) => value switch
    {
        null => null,
        string s => s,
        bool b => b ? "True" : "False",
        long l => l.ToString(CultureInfo.InvariantCulture),
        int i => i.ToString(CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    /// <summary>fail2ban's _as_bool.</summary>
    public static bool AsBool(string value)
    {
        var v = Lower(value);
        return v is "1" or "on" or "true" or "yes";
    }

    /// <summary>Python int(str): surrounding whitespace, sign, '_' between digits.</summary>
    public static bool TryInt(string value, out long result)
    {
        result = 0;
        var s = value.Trim();
        if (s.Length == 0)
        {
            return false;
        }
        var neg = false;
        var i = 0;
        if (s[0] is '+' or '-')
        {
            neg = s[0] == '-';
            i = 1;
        }
        if (i >= s.Length || !char.IsAsciiDigit(s[i]) || !char.IsAsciiDigit(s[^1]))
        {
            return false;
        }
        long acc = 0;
        for (; i < s.Length; i++)
        {
            var c = s[i];
            if (c == '_')
            {
                if (s[i - 1] == '_')
                {
                    return false;
                }
                continue;
            }
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
            if (acc > (long.MaxValue - 9) / 10)
            {
                return false; // Python has big ints; such values are nonsense in a config anyway
            }
            acc = acc * 10 + (c - '0');
        }
        result = neg ? -acc : acc;
        return true;
    }
}

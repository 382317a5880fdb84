using System.Globalization;

namespace Jail2Ban.Server.Builtin;

/// <summary>
/// Typed reads of a built-in action's options (the <c>[Init]</c> values merged with the jail's
/// <c>action = name[opt=value]</c> arguments). Every error names the action and the option.
/// Option names are case-insensitive, as in fail2ban's configuration reader.
/// </summary>
internal sealed class BuiltinOptions
{
    private readonly string _action;
    private readonly Dictionary<string, string> _values;

    public BuiltinOptions(string action, IReadOnlyDictionary<string, string> values)
    {
        _action = action;
        _values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in values)
        {
            _values[key] = value;
        }
    }

    public string? GetString(string name)
    {
        if (!_values.TryGetValue(name, out var value))
        {
            return null;
        }

        value = value.Trim();
        return value.Length == 0 ? null : value;
    }

    public string GetRequired(string name) =>
        GetString(name) ?? throw Error(name, "is required");

    public int GetInt(string name, int fallback, int min, int max)
    {
        var text = GetString(name);
        if (text is null)
        {
            return fallback;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw Error(name, $"must be an integer between {min} and {max}, got '{text}'");
        }

        return value;
    }

    public bool GetBool(string name, bool fallback)
    {
        var text = GetString(name);
        if (text is null)
        {
            return fallback;
        }

        // fail2ban's boolean words; anything else is rejected here rather than read as false,
        // because a typo in an option of ours should not silently switch a feature off.
        return text.ToLowerInvariant() switch
        {
            "1" or "on" or "true" or "yes" => true,
            "0" or "off" or "false" or "no" => false,
            _ => throw Error(name, $"must be a boolean (yes/no/true/false/on/off/1/0), got '{text}'"),
        };
    }

    /// <summary>A duration in fail2ban's abbreviated time format: "10", "1.5", "30s", "2m", "1h30m", "1d".</summary>
    public TimeSpan GetTime(string name, TimeSpan fallback)
    {
        var text = GetString(name);
        if (text is null)
        {
            return fallback;
        }

        return TryParseTime(text, out var span) && span >= TimeSpan.Zero
            ? span
            : throw Error(name, $"must be a duration such as 10, 2.5s, 1m or 1h, got '{text}'");
    }

    internal static bool TryParseTime(string text, out TimeSpan span)
    {
        span = TimeSpan.Zero;
        double total = 0;
        var i = 0;
        var any = false;
        while (i < text.Length)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            if (i == text.Length)
            {
                break;
            }

            var start = i;
            while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.'))
            {
                i++;
            }

            if (start == i || !double.TryParse(text.AsSpan(start, i - start), NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            var unitStart = i;
            while (i < text.Length && char.IsAsciiLetter(text[i]))
            {
                i++;
            }

            double factor = text.AsSpan(unitStart, i - unitStart).ToString().ToLowerInvariant() switch
            {
                "" or "s" or "sec" or "secs" or "second" or "seconds" => 1,
                "m" or "mi" or "min" or "mins" or "minute" or "minutes" => 60,
                "h" or "hour" or "hours" => 3600,
                "d" or "day" or "days" => 86400,
                "w" or "week" or "weeks" => 604800,
                _ => double.NaN,
            };
            if (double.IsNaN(factor))
            {
                return false;
            }

            total += number * factor;
            any = true;
        }

        if (!any || total > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            return false;
        }

        span = TimeSpan.FromSeconds(total);
        return true;
    }

    public BuiltinActionConfigException Error(string option, string problem) =>
        new($"action '{_action}': option '{option}' {problem}");
}

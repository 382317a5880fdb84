namespace Jail2Ban.Core.Time;

/// <summary>
/// fail2ban's boolean values (<c>_as_bool</c>, spec §0.2): case-insensitive <c>1</c>, <c>on</c>,
/// <c>true</c>, <c>yes</c> are true, anything else (including empty) is false. Lives next to
/// <see cref="TimeSpec"/> because both are the server-side value conversions of jail options.
/// </summary>
public static class F2bBool
{
    public static bool Parse(string? value)
    {
        // No trimming: fail2ban compares the lower-cased value as is (" yes" is false).
        var v = value;
        return v is not null && (v == "1"
            || v.Equals("on", StringComparison.OrdinalIgnoreCase)
            || v.Equals("true", StringComparison.OrdinalIgnoreCase)
            || v.Equals("yes", StringComparison.OrdinalIgnoreCase));
    }
}

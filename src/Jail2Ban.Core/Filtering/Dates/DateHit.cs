namespace Jail2Ban.Core.Filtering.Dates;

/// <summary>
/// The date found in one log line.
/// </summary>
/// <param name="Start">Start of group 1 of the winning template's match: the date text the filter cuts out.</param>
/// <param name="End">End (exclusive) of that group. <c>Start == End</c> means an empty date (the
/// <c>{NONE}</c> / <c>^prefix()**</c> templates): the filter then uses its last known date or now (spec §3.6 rule 1).</param>
/// <param name="Time">Epoch seconds, or null when the date text could not be converted (fail2ban's
/// ValueError path: "findFailure failed to parse timeText", spec §3.5). Always null for an empty date.</param>
public readonly record struct DateHit(int Start, int End, double? Time)
{
    /// <summary>True when the template matched an empty date text.</summary>
    public bool IsEmpty => Start == End;
}

/// <summary>
/// Description of one template of a detector, in the detector's current order (what
/// fail2ban-regex prints under "Date template hits").
/// </summary>
/// <param name="Name">fail2ban's display name (for example <c>{^LN-BEG}ExYear(?P&lt;_sep&gt;[-/.])Month...</c>).</param>
/// <param name="Pattern">The datepattern source, or null for the Epoch/TAI64N templates.</param>
/// <param name="Regex">The Python regex fail2ban builds for it (before .NET translation).</param>
/// <param name="Hits">How many lines this template won in this detector.</param>
/// <param name="Weight">hits × template weight / max(1, distance), as used by the reordering.</param>
/// <param name="TemplateWeight">100 for the anchored copies of the defaults, 1 otherwise.</param>
public sealed record DateTemplateInfo(string Name, string? Pattern, string Regex, int Hits, double Weight, double TemplateWeight);

/// <summary>
/// A bad <c>datepattern</c> entry (unknown <c>%</c> code, duplicate template name, regex error).
/// fail2ban raises TypeError/ValueError/re.error when the filter is set up.
/// </summary>
public sealed class DatePatternException(string message, Exception? inner = null) : ArgumentException(message, inner);

/// <summary>
/// The date conversion failed in a way fail2ban does not catch (anything but ValueError):
/// an unknown time zone abbreviation (<c>XYZ Apr 16 21:05:29</c>: KeyError), or a custom pattern
/// that gives a month without a day or a day without a month (TypeError). The server drops the
/// whole line ("Failed to process line") and fail2ban-regex crashes (spec §3.5). Callers decide
/// which of those to imitate.
/// </summary>
public class DateConversionException(string pythonError, string message) : Exception(message)
{
    /// <summary>The Python exception fail2ban raises here: "KeyError" or "TypeError".</summary>
    public string PythonError { get; } = pythonError;
}

/// <summary>The KeyError case of <see cref="DateConversionException"/>: a zone abbreviation fail2ban does not know.</summary>
public sealed class UnknownTimeZoneAbbreviationException(string abbreviation)
    : DateConversionException("KeyError", $"Unknown time zone abbreviation '{abbreviation}' in the date of the line")
{
    public string Abbreviation { get; } = abbreviation;
}

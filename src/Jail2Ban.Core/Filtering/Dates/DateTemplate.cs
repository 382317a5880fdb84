using System.Text.RegularExpressions;

namespace Jail2Ban.Core.Filtering.Dates;

[Flags]
internal enum DateTemplateFlags
{
    None = 0,
    WordEnd = 1,
    WordBegin = 2,
    LineEnd = 4,
    LineBegin = 8,
}

internal enum DateTemplateKind
{
    /// <summary>strptime-like pattern, converted by <see cref="StrptimeConverter"/>.</summary>
    Pattern,
    /// <summary>Seconds since the epoch (float), 10–11 digits.</summary>
    Epoch,
    /// <summary>Milli/microseconds since the epoch too (LEPOCH).</summary>
    LongEpoch,
    /// <summary>daemontools' TAI64N label.</summary>
    Tai64n,
}

/// <summary>The strptime fields a pattern template can capture (Python group names).</summary>
internal enum DateField
{
    Y, y, m, B, b, d, H, I, M, S, f, A, a, w, j, U, W, z, Z, p,
}

/// <summary>
/// One compiled date template: immutable, shareable between detectors (the per-detector state —
/// hits, distance, last use — lives in the detector).
/// </summary>
internal sealed class DateTemplate
{
    internal required string Name { get; init; }
    /// <summary>The datepattern source (null for Epoch/TAI64N templates, as fail2ban has no pattern there).</summary>
    internal required string? Pattern { get; init; }
    /// <summary>The regex as fail2ban builds it (Python syntax).</summary>
    internal required string PythonRegex { get; init; }
    /// <summary>The translated .NET pattern.</summary>
    internal required string DotNetPattern { get; init; }

    /// <summary>
    /// The .NET regex, built on first use (a default detector has 31 templates, most of which a
    /// given log never reaches). It starts interpreted; once the template has been searched
    /// <see cref="CompileAfterUses"/> times, a compiled copy is built and JIT-warmed on a pool
    /// thread and then swapped in, so the templates a log really exercises run fast without
    /// stalling the line being processed.
    /// </summary>
    internal Regex Regex
    {
        get
        {
            var r = regex ?? Build();
            if (generated)
            {
                return r;
            }
            // Racy counting is fine: promotion happening a little early or twice is harmless.
            if (uses < CompileAfterUses && ++uses == CompileAfterUses)
            {
                Task.Run(() =>
                {
                    var compiled = new Regex(DotNetPattern, Options | RegexOptions.Compiled);
                    compiled.Match("2005-01-23 21:59:59 Jan 23 1124013600"); // JIT here, not on the log thread
                    regex = compiled;
                });
            }
            return r;
        }
    }

    private const RegexOptions Options = RegexOptions.CultureInvariant;
    internal const int CompileAfterUses = 512;
    private volatile Regex? regex;
    private volatile bool generated;

    /// <summary>True once <see cref="Build"/> found the pattern in DefaultDateRegexes.g.cs.</summary>
    internal bool IsGenerated => generated;
    private int uses;

    /// <summary>J2B_NO_GENERATED_REGEX=1 compiles the default templates at run time too (to measure the difference).</summary>
    private static readonly bool UseGenerated = Environment.GetEnvironmentVariable("J2B_NO_GENERATED_REGEX") != "1";

    /// <summary>
    /// Builds the regex now: the build-time one of DefaultDateRegexes.g.cs when the pattern is a default template's
    /// (same pattern, same options: the same regex), otherwise an interpreted one; throws ArgumentException for an invalid pattern.
    /// </summary>
    internal Regex Build()
    {
        if (UseGenerated && DefaultDateRegexes.Lookup(DotNetPattern) is { } g)
        {
            generated = true;
            regex = g;
            return g;
        }
        var r = new Regex(DotNetPattern, Options);
        Interlocked.CompareExchange(ref regex, r, null);
        return regex!;
    }

    internal required DateTemplateFlags Flags { get; init; }
    internal required DateTemplateKind Kind { get; init; }
    /// <summary>.NET group number of Python group 1: the date text the filter cuts out.</summary>
    internal required int DateGroup { get; init; }
    /// <summary>.NET group number of the value to convert (group 1, or 2 for {EPOCH} inside a pattern).</summary>
    internal required int ValueGroup { get; init; }
    /// <summary>Named strptime fields with their .NET group numbers, in Python groupdict order.</summary>
    internal required (DateField Field, int Group)[] Fields { get; init; }
    /// <summary>.NET group number of 'p' (AM/PM), or -1: read by the 'I' field.</summary>
    internal required int AmPmGroup { get; init; }
    /// <summary>100 for the anchored copies of the default templates, otherwise 1.</summary>
    internal double Weight { get; init; } = 1.0;

    /// <summary>
    /// True when the regex reads nothing outside its match but one character before and two after
    /// (no lookarounds besides fail2ban's word guards, no \b, $, conditionals): then a line with
    /// the same match span and the same text around it gives the same groups, and the detector may
    /// reuse the previous line's result (consecutive log lines often share their timestamp).
    /// </summary>
    internal bool IsContextSafe { get; init; }

    /// <summary>
    /// The hand-written matcher for this pattern (the syslog, ISO 8601 and Apache defaults), or null: the detector asks
    /// it first and runs the regex only when it has none or it is unsure. It allocates nothing, where a regex Match and
    /// its groups cost ~300 B per line; on a syslog log the detector's time per line fell from ~520 to ~190 ns.
    /// </summary>
    internal FastDateParser? Fast { get; init; }

    internal bool IsAnchored => (Flags & (DateTemplateFlags.LineBegin | DateTemplateFlags.LineEnd)) != 0;

    internal DateTemplate WithWeight(double weight) => new()
    {
        Name = Name,
        Pattern = Pattern,
        PythonRegex = PythonRegex,
        DotNetPattern = DotNetPattern,
        Flags = Flags,
        Kind = Kind,
        DateGroup = DateGroup,
        ValueGroup = ValueGroup,
        Fields = Fields,
        AmPmGroup = AmPmGroup,
        Weight = weight,
        IsContextSafe = IsContextSafe,
        Fast = Fast,
    };

    public override string ToString() => Name;
}

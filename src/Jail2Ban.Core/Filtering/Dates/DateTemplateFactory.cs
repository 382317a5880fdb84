using System.Collections.Frozen;
using System.Text;
using System.Text.RegularExpressions;

namespace Jail2Ban.Core.Filtering.Dates;

/// <summary>
/// Builds date templates from datepattern entries the way fail2ban does (spec §3.1, §3.2):
/// strptime code expansion, word/line boundary guards, the automatic group 1, the Epoch and
/// TAI64N templates, and the default template list with its anchored copies.
/// </summary>
internal sealed partial class DateTemplateFactory
{
    private const string LineBeginMarker = "{^LN-BEG}";

    /// <summary>
    /// fail2ban's default templates, in order (upstream HEAD; 1.0.2 differs only in #14, which had
    /// no "-" separator and no optional colons — the sample logs are HEAD's, so HEAD it is).
    /// </summary>
    internal static readonly string[] DefaultPatterns =
    [
        @"%ExY(?P<_sep>[-/.])%m(?P=_sep)%d(?:T|  ?)%H:%M:%S(?:[.,]%f)?(?:\s*%z)?",
        @"(?:%a )?%b %d %k:%M:%S(?:\.%f)?(?: %ExY)?",
        @"(?:%a )?%b %d %ExY %k:%M:%S(?:\.%f)?",
        @"%d(?P<_sep>[-/])%m(?P=_sep)(?:%ExY|%Exy) %k:%M:%S",
        @"%d(?P<_sep>[-/])%b(?P=_sep)%ExY[ :]?%H:%M:%S(?:\.%f)?(?: %z)?",
        @"%m/%d/%ExY:%H:%M:%S",
        @"%m-%d-%ExY %k:%M:%S(?:\.%f)?",
        "EPOCH",
        @"{^LN-BEG}%H:%M:%S",
        @"^<%m/%d/%Exy@%H:%M:%S>",
        @"%Exy%Exm%Exd  ?%H:%M:%S",
        @"%b %d, %ExY %I:%M:%S %p",
        @"^%b-%d-%Exy %k:%M:%S",
        @"%ExY%Exm%Exd(?:-|T|  ?)%ExH:?%ExM:?%ExS(?:[.,]%f)?(?:\s*%z)?",
        @"(?:%Z )?(?:%a )?%b %d %k:%M:%S(?:\.%f)?(?: %ExY)?",
        @"(?:%z )?(?:%a )?%b %d %k:%M:%S(?:\.%f)?(?: %ExY)?",
        "TAI64N",
    ];

    private const string EpochRegex = @"\d{10,11}\b(?:\.\d{3,6})?";
    private const string LongEpochRegex = @"\d{10,11}(?:\d{3}(?:\.\d{1,6}|\d{3})?)?";

    private readonly FrozenDictionary<string, StrptimeCodes.Code> codes;
    private readonly Lazy<(IReadOnlyList<DateTemplate> Originals, IReadOnlyList<DateTemplate> All)> defaults;

    internal DateTemplateFactory(int currentYear)
    {
        codes = StrptimeCodes.Build(currentYear);
        defaults = new(BuildDefaults, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The 17 default templates, in fail2ban's order.</summary>
    internal IReadOnlyList<DateTemplate> DefaultOriginals => defaults.Value.Originals;

    /// <summary>The 31 templates of a default detector: 14 anchored copies (weight 100), then the 17 originals.</summary>
    internal IReadOnlyList<DateTemplate> DefaultAll => defaults.Value.All;

    private (IReadOnlyList<DateTemplate>, IReadOnlyList<DateTemplate>) BuildDefaults()
    {
        var originals = DefaultPatterns.Select(p => Get(p)).ToArray();
        var anchored = new List<DateTemplate>();
        foreach (var t in originals)
        {
            // Not yet line-anchored: add a copy anchored at line start, preferred by the reordering.
            if (!t.Name.StartsWith(LineBeginMarker, StringComparison.Ordinal) && !t.Name.StartsWith('^'))
            {
                var wrapped = LineBeginMarker + (t.Pattern ?? t.Name);
                var t2 = Get(wrapped);
                if (t2.Name != t.Name)
                {
                    var heavy = t2.WithWeight(100.0);
                    weighted[KeyOf(wrapped)] = heavy;
                    anchored.Add(heavy);
                }
            }
        }
        return (originals, [.. anchored, .. originals]);
    }

    /// <summary>A copy of a template with its pattern (or, for Epoch/TAI64N, its name) rewritten.</summary>
    internal DateTemplate Wrap(DateTemplate t, Func<string, string> wrap) =>
        t.Pattern is null ? Get(wrap(t.Name)) : Get(wrap(t.Pattern));

    /// <summary>The default template <paramref name="t"/> with <c>{DATE}</c> in <paramref name="preMatch"/> replaced by its pattern.</summary>
    internal DateTemplate WithPreMatch(DateTemplate t, string preMatch) =>
        Wrap(t, s => DatePreMatchRegex().Replace(preMatch, _ => UnboundPattern(s)));

    /// <summary>
    /// A pattern without its boundary markers: <c>{UNB}</c>, <c>{^LN-BEG}</c> and explicit guards.
    /// </summary>
    internal static string UnboundPattern(string pattern)
    {
        pattern = UnboundMarkerRegex().Replace(pattern, "", 1);
        pattern = LineBeginMarkerRegex().Replace(pattern, "", 1);
        pattern = StartGuardRegex().Replace(pattern, "", 1);
        return EndGuardRegex().Replace(pattern, "", 1);
    }

    /// <summary>One template for a datepattern entry (fail2ban's pattern-template lookup).</summary>
    /// <param name="pattern">The entry.</param>
    /// <param name="key">The name under which fail2ban looks it up; by default the entry, upper-cased when it has no <c>%</c>.</param>
    internal DateTemplate Get(string pattern, string? key = null)
    {
        key ??= KeyOf(pattern);
        // Like fail2ban's pattern cache, keyed by the key only (so "{^ln-beg}epoch" and
        // "{^LN-BEG}Epoch" are one template); templates are immutable and shared by all detectors.
        return cache.GetOrAdd(key, k => Create(pattern, k));
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTemplate> cache = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTemplate> weighted = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<Regex?>> scanGates = new(StringComparer.Ordinal);

    /// <summary>
    /// The scan gate (see <see cref="DateScanGate"/>) for a set of templates, built once and shared by every detector
    /// with that set (the jails of a server using the default templates): a regex is safe to use from several threads.
    /// </summary>
    internal Regex? ScanGate(IEnumerable<DateTemplate> templates)
    {
        var patterns = templates.Select(t => t.DotNetPattern).Order(StringComparer.Ordinal).ToList();
        return scanGates.GetOrAdd(string.Join('\n', patterns),
            _ => new Lazy<Regex?>(() => DateScanGate.Build(patterns), LazyThreadSafetyMode.ExecutionAndPublication)).Value;
    }

    /// <summary>
    /// The template for a custom entry once fail2ban's default templates exist in the process:
    /// fail2ban sets weight 100 on its (shared, cached) anchored default copies, so a custom entry
    /// that is one of them (e.g. <c>{^LN-BEG}Epoch</c>) has weight 100 too.
    /// </summary>
    internal DateTemplate WithDefaultWeight(DateTemplate t, string key)
    {
        _ = defaults.Value;
        return weighted.TryGetValue(key, out var w) ? w : t;
    }

    /// <summary>fail2ban's cache key of a datepattern entry: upper-cased unless it has a <c>%</c>.</summary>
    internal static string KeyOf(string pattern) => pattern.Contains('%') ? pattern : pattern.ToUpperInvariant();

    private DateTemplate Create(string pattern, string key)
    {
        if (key.Contains("EPOCH", StringComparison.Ordinal))
        {
            if (EpochInPatternRegex().IsMatch(pattern))
            {
                return EpochFromPattern(pattern, longForm: key.Contains("LEPOCH", StringComparison.Ordinal));
            }
            if (key is "EPOCH" or "{^LN-BEG}EPOCH" or "^EPOCH")
            {
                return Epoch(lineBeginOnly: key != "EPOCH", longForm: false);
            }
            if (key is "LEPOCH" or "{^LN-BEG}LEPOCH" or "^LEPOCH")
            {
                return Epoch(lineBeginOnly: key != "LEPOCH", longForm: true);
            }
        }
        if (key is "TAI64N" or "{^LN-BEG}TAI64N" or "^TAI64N")
        {
            return Tai64n(lineBegin: key != "TAI64N");
        }
        return FromStrptime(pattern);
    }

    private enum WordBegin { No, Yes, LineStart }

    private DateTemplate FromStrptime(string pattern)
    {
        var original = pattern;
        var wordBegin = WordBegin.Yes;
        bool wordEnd = true;
        if (UnboundMarkerRegex().IsMatch(pattern))
        {
            pattern = UnboundMarkerRegex().Replace(pattern, "", 1);
            wordBegin = WordBegin.No;
            wordEnd = false;
        }
        if (wordBegin != WordBegin.No && LineBeginMarkerRegex().IsMatch(pattern))
        {
            pattern = LineBeginMarkerRegex().Replace(pattern, "", 1);
            wordBegin = WordBegin.LineStart;
        }
        var name = new StringBuilder(pattern.Length * 2);
        var regex = new StringBuilder(pattern.Length * 4);
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c != '%')
            {
                name.Append(c);
                regex.Append(c);
                continue;
            }
            if (!StrptimeCodes.TryReadCode(pattern, i + 1, codes, out var key, out var code))
            {
                // fail2ban leaves unknown codes to Python %-formatting, which rejects them.
                throw new DatePatternException(
                    $"Failed to set datepattern '{original}' (may be an invalid format or unescaped percent char): " +
                    $"unsupported code '%{(i + 1 < pattern.Length ? pattern[i + 1].ToString() : "")}' at index {i}");
            }
            name.Append(code.Name);
            regex.Append(code.Regex);
            i += key.Length;
        }
        var rx = regex.ToString();
        // Any of %a %A %b %B %p %c makes the whole template case-insensitive (zones included).
        if (AlphaCodeRegex().IsMatch(pattern))
        {
            rx = "(?iu)" + rx;
        }
        try
        {
            var (python, flags, finalName) = BuildRegex(rx, name.ToString(), wordBegin, wordEnd);
            return Compile(finalName, original, python, flags, DateTemplateKind.Pattern, valueGroup: 1);
        }
        catch (DatePatternException e)
        {
            throw new DatePatternException(
                $"Failed to set datepattern '{original}' (may be an invalid format or unescaped percent char): {e.Message}", e);
        }
    }

    private DateTemplate Epoch(bool lineBeginOnly, bool longForm)
    {
        var name = longForm ? "LongEpoch" : "Epoch";
        var epoch = longForm ? LongEpochRegex : EpochRegex;
        var (python, flags, finalName) = lineBeginOnly
            ? BuildRegex($@"((?P<square>(?<=^\[))?{epoch})(?(square)(?=\]))", name, WordBegin.LineStart, wordEnd: true)
            // already anchored at line start, after "[" or in "audit(": no word-begin guard
            : BuildRegex(@"((?:^|(?P<square>(?<=^\[))|(?P<selinux>(?<=\baudit\()))" + epoch + @")(?:(?(selinux)(?=:\d+\)))|(?(square)(?=\])))",
                name, WordBegin.No, wordEnd: true);
        return Compile(finalName, null, python, flags, longForm ? DateTemplateKind.LongEpoch : DateTemplateKind.Epoch, valueGroup: 1);
    }

    private DateTemplate EpochFromPattern(string pattern, bool longForm)
    {
        var epoch = longForm ? LongEpochRegex : EpochRegex;
        // The whole pattern is cut out as the date (group 1); the epoch value is group 2.
        var rx = "(" + EpochInPatternRegex().Replace(pattern, _ => "(" + epoch + ")") + ")";
        var (python, flags, finalName) = BuildRegex(rx, pattern, WordBegin.Yes, wordEnd: true);
        return Compile(finalName, null, python, flags, longForm ? DateTemplateKind.LongEpoch : DateTemplateKind.Epoch, valueGroup: 2);
    }

    private DateTemplate Tai64n(bool lineBegin)
    {
        var (python, flags, finalName) = BuildRegex("@[0-9a-f]{24}", "TAI64N", lineBegin ? WordBegin.LineStart : WordBegin.No, wordEnd: true);
        return Compile(finalName, null, python, flags, DateTemplateKind.Tai64n, valueGroup: 1);
    }

    /// <summary>fail2ban's boundary rules (spec §3.1 "Boundary rules"), applied to an expanded regex.</summary>
    private static (string Regex, DateTemplateFlags Flags, string Name) BuildRegex(string regex, string name, WordBegin wordBegin, bool wordEnd)
    {
        regex = regex.Trim();
        // Take global flags like (?iu) off, to put them back in front at the end.
        string? globalFlags = null;
        var gf = GlobalFlagsRegex().Match(regex);
        if (gf.Success)
        {
            globalFlags = gf.Groups[1].Value;
            regex = regex.Remove(gf.Index, gf.Length);
        }
        bool boundBegin = wordBegin != WordBegin.No && !NoWordBeginRegex().IsMatch(regex);
        bool boundEnd = wordEnd && !NoWordEndRegex().IsMatch(regex);
        // Group 1 must always exist: wrap the body if the pattern has no unnamed group.
        if (!UnnamedGroupRegex().IsMatch(regex))
        {
            regex = WrapInGroupRegex().Replace(regex, "$1($2)$3", 1);
        }
        var flags = DateTemplateFlags.None;
        if (boundBegin)
        {
            if (wordBegin != WordBegin.LineStart)
            {
                flags |= DateTemplateFlags.WordBegin;
                regex = @"(?=^|\b|\W)" + regex;
            }
            else
            {
                flags |= DateTemplateFlags.LineBegin;
                regex = @"^(?:\W{0,2})?" + regex;
                if (!name.StartsWith(LineBeginMarker, StringComparison.Ordinal))
                {
                    name = LineBeginMarker + name;
                }
            }
        }
        if (boundEnd)
        {
            flags |= DateTemplateFlags.WordEnd;
            regex += @"(?=\b|\W|$)";
        }
        if ((flags & DateTemplateFlags.LineBegin) == 0 && LineBeginRegex().IsMatch(regex))
        {
            flags |= DateTemplateFlags.LineBegin;
        }
        if ((flags & DateTemplateFlags.LineEnd) == 0 && LineEndRegex().IsMatch(regex))
        {
            flags |= DateTemplateFlags.LineEnd;
        }
        regex = DeleteStarsRegex().Replace(regex, m => m.Value.Replace("**", "", StringComparison.Ordinal));
        if (globalFlags is not null)
        {
            regex = globalFlags + regex;
        }
        return (regex, flags, name);
    }

    private static DateTemplate Compile(string name, string? pattern, string python, DateTemplateFlags flags, DateTemplateKind kind, int valueGroup)
    {
        var tr = DateRegexTranslator.Translate(python, valueGroup);
        var fields = new List<(DateField, int)>();
        int amPm = -1;
        foreach (var groupName in tr.NamedGroupsInOrder.Distinct())
        {
            if (TryField(groupName, out var field))
            {
                int no = tr.GroupNumber(groupName);
                fields.Add((field, no));
                if (field == DateField.p)
                {
                    amPm = no;
                }
            }
        }
        var inner = python.Replace(@"(?=^|\b|\W)", "", StringComparison.Ordinal).Replace(@"(?=\b|\W|$)", "", StringComparison.Ordinal);
        bool contextSafe = kind == DateTemplateKind.Pattern
            && !inner.Contains("(?=", StringComparison.Ordinal) && !inner.Contains("(?!", StringComparison.Ordinal)
            && !inner.Contains("(?<=", StringComparison.Ordinal) && !inner.Contains("(?<!", StringComparison.Ordinal)
            && !inner.Contains("(?(", StringComparison.Ordinal) && !inner.Contains('$')
            && !inner.Contains(@"\b", StringComparison.Ordinal) && !inner.Contains(@"\B", StringComparison.Ordinal)
            && !inner.Contains(@"\Z", StringComparison.Ordinal) && !inner.Contains(@"\A", StringComparison.Ordinal);
        int dateGroup = tr.GroupNumber(tr.ExposedNames[0]);
        var fast = kind == DateTemplateKind.Pattern
            ? FastDateParser.TryCreate(tr.DotNetPattern, n => n == "__g1" ? dateGroup
                : fields.FindIndex(f => f.Item1.ToString() == n) is var k and >= 0 ? fields[k].Item2 : -1)
            : null;
        return new DateTemplate
        {
            Fast = fast,
            IsContextSafe = contextSafe,
            Name = name,
            Pattern = pattern,
            PythonRegex = python,
            DotNetPattern = tr.DotNetPattern,
            Flags = flags,
            Kind = kind,
            DateGroup = dateGroup,
            ValueGroup = tr.GroupNumber(tr.ExposedNames[valueGroup - 1]),
            Fields = [.. fields],
            AmPmGroup = amPm,
        };
    }

    /// <summary>
    /// Builds a template's regex now, so a bad custom pattern fails when the filter is set up
    /// (fail2ban compiles lazily, but a jail that can never match a date is better refused early).
    /// </summary>
    internal static DateTemplate Validate(DateTemplate t)
    {
        Regex regex;
        try
        {
            regex = t.Build();
        }
        catch (ArgumentException e)
        {
            throw new DatePatternException($"Compile '{t.Name}' failed, expression '{t.PythonRegex}': {e.Message}", e);
        }
        // Our group numbering must agree with .NET's (see DateRegexTranslator.Result.GroupNumber).
        foreach (var (field, no) in t.Fields)
        {
            if (regex.GroupNumberFromName(field.ToString()) != no)
            {
                throw new InvalidOperationException($"group numbering mismatch for '{field}' in '{t.DotNetPattern}'");
            }
        }
        return t;
    }

    private static bool TryField(string name, out DateField field)
    {
        field = default;
        if (name.Length != 1 || !char.IsAsciiLetter(name[0]))
        {
            return false;
        }
        return Enum.TryParse(name, ignoreCase: false, out field) && field.ToString() == name;
    }

    // --- fail2ban's pattern-rewriting rules, as regexes over the pattern/regex text ---

    [GeneratedRegex(@"^\{UNB\}")]
    private static partial Regex UnboundMarkerRegex();

    [GeneratedRegex(@"^\{\^LN-BEG\}")]
    private static partial Regex LineBeginMarkerRegex();

    // an explicit "(^|\b|\W)" / "(?:^|\b|\W)" start guard written in a pattern
    [GeneratedRegex(@"^\((?:\?:)?\^\|\\b\|\\W\)")]
    private static partial Regex StartGuardRegex();

    // an explicit "(?=\b|\W|$)" end guard written in a pattern
    [GeneratedRegex(@"\(\?=\\b\|\\W\|\$\)$")]
    private static partial Regex EndGuardRegex();

    [GeneratedRegex(@"(?<!\\)\{DATE\}", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DatePreMatchRegex();

    [GeneratedRegex(@"(?<!\\)\{L?EPOCH\}", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex EpochInPatternRegex();

    [GeneratedRegex(@"(?<!%)%[aAbBpc]")]
    private static partial Regex AlphaCodeRegex();

    // first inline global-flags group "(?iu)" anywhere
    [GeneratedRegex(@"(\(\?[a-z]+\))")]
    private static partial Regex GlobalFlagsRegex();

    // starts with "^", "(^", "(?:^" or "**" (after optional parentheses/flags): no word-begin guard
    [GeneratedRegex(@"^\(*(?:\(\?\w+\))?(?:\^|\(*\*\*|\((?:\?:)?\^)")]
    private static partial Regex NoWordBeginRegex();

    // ends with an unescaped "$", "$)", "\b", "\s" or "**" (+ parentheses): no word-end guard
    [GeneratedRegex(@"(?<!\\)(?:\$\)?|\\b|\\s|\*\*\)*)$")]
    private static partial Regex NoWordEndRegex();

    // an unnamed capturing group: "(" not escaped, not "(?..."
    [GeneratedRegex(@"(?<!\(\?)(?<!\\)\((?!\?)")]
    private static partial Regex UnnamedGroupRegex();

    [GeneratedRegex(@"^((?:\(\?\w+\))?\^?(?:\(\?\w+\))?)(.*?)(\$?)$")]
    private static partial Regex WrapInGroupRegex();

    [GeneratedRegex(@"^\(*(?:\(\?\w+\))?\(*\*\*|(?<!\\)\*\*\)*$")]
    private static partial Regex DeleteStarsRegex();

    [GeneratedRegex(@"^(?:\(\?\w+\))?(?:\^|\((?:\?:)?\^(?!\|))")]
    private static partial Regex LineBeginRegex();

    [GeneratedRegex(@"(?<![\\|])(?:\$\)?)$")]
    private static partial Regex LineEndRegex();
}

using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace Jail2Ban.Core.Filtering;

/// <summary>
/// One compiled user pattern (prefregex, failregex or ignoreregex) after tag expansion and translation,
/// with the group metadata fail2ban needs after a match (alternative and tuple names, SKIPLINES count).
/// </summary>
public sealed partial class FilterRegex
{
    private static readonly string[] FailureIdGroups = ["fid", "ip4", "ip6", "dns", "mlfid"];

    [GeneratedRegex(@"^(alt_|tuple_)(.*?)(?:_\d+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex ComplexName();

    internal FilterRegex(string original, string expanded, Regex regex, bool multiline = false, bool compileWhenHot = false, RegexWatchdog? watchdog = null)
    {
        _lanes = new Lanes(regex);
        _watch = watchdog;
        _uses = compileWhenHot && (regex.Options & RegexOptions.Compiled) == 0 ? 0 : CompileAfterUses;
        RequiredPrefix = multiline || expanded.Contains("(?i", StringComparison.Ordinal) ? null : LiteralPrefix.Of(expanded);
        FirstChars = multiline || RequiredPrefix is not null ? null : LiteralPrefix.FirstChars(expanded);
        RequiredLiteral = multiline ? null : LiteralPrefix.RequiredLiteral(expanded);
        Original = original;
        Expanded = expanded;
        // interned: the filter looks them up by literal ("ip4", "mlfid"...), and FailData compares references first
        GroupNames = regex.GetGroupNames().Where(n => !char.IsAsciiDigit(n[0]) && !n.StartsWith("__g", StringComparison.Ordinal))
            .Select(string.Intern).ToArray();
        GroupNumbers = GroupNames.Select(regex.GroupNumberFromName).ToArray();
        var alts = new List<(string Group, string Target)>();
        var tuples = new List<(string Group, string Target)>();
        foreach (string g in GroupNames)
        {
            if (g.Length <= 4)
            {
                continue;
            }
            var m = ComplexName().Match(g);
            if (m.Success)
            {
                (m.Groups[1].Value == "alt_" ? alts : tuples).Add((g, string.Intern(RegexTags.MapName(m.Groups[2].Value))));
            }
        }
        alts.Sort((a, b) => string.CompareOrdinal(a.Group, b.Group));
        tuples.Sort((a, b) => string.CompareOrdinal(a.Group, b.Group));
        Alternatives = alts;
        Tuples = tuples;
        SkipLinesGroups = GroupNames.Count(g => g.StartsWith("skiplines", StringComparison.Ordinal) && g.Length > 9 && g[9..].All(char.IsAsciiDigit));
        HasFailureIdGroup = FailureIdGroups.Any(g => GroupNames.Contains(g));
        ContentGroup = GroupNames.Contains("content") ? regex.GroupNumberFromName("content") : null;
        int Number(string name) => GroupNames.Contains(name) ? regex.GroupNumberFromName(name) : -1;
        NoFailGroup = Number("nofail");
        MlfForgetGroup = Number("mlfforget");
        MlfGainedGroup = Number("mlfgained");
        MlfidGroup = Number("mlfid");
        // only plain named groups: no alt_/tuple_ post-processing and no mlfpending that could change the keys
        // the stateless "forget" check reads (see Filter.ForgetsWithoutState)
        PlainMlfGroups = alts.Count == 0 && tuples.Count == 0 && !GroupNames.Contains("mlfpending");
    }

    /// <summary>The pattern as configured (tags not expanded).</summary>
    public string Original { get; }

    /// <summary>The pattern after tag expansion and fail2ban's flag rewrite, in Python syntax (what fail2ban shows).</summary>
    public string Expanded { get; }

    /// <summary>
    /// The .NET regex. It starts interpreted (compiling a filter's ~30 patterns costs ~0.5 s of JIT, and most of
    /// them rarely get past the literal pre-check); once it has been run <see cref="CompileAfterUses"/> times, a
    /// compiled copy of the same pattern (same groups, same matches) is built on a pool thread and swapped in.
    /// </summary>
    public Regex Regex => _lanes.Main;

    internal const int CompileAfterUses = 1000;
    private volatile Lanes _lanes;
    // the match timeout kept from outside the engine (the regex itself then has none), or null
    private readonly RegexWatchdog? _watch;
    private int _uses;

    /// <param name="input">What is about to be searched: kept, once, as the compiled copy's first input.</param>
    private Regex Current(ReadOnlySpan<char> input)
    {
        var lanes = _lanes;
        // Racy counting is fine: promotion happening a little early or twice is harmless.
        if (_uses < CompileAfterUses && ++_uses == CompileAfterUses)
        {
            CompileInBackground(lanes.Main, input.ToString());
        }
        return ForThisThread(lanes);
    }

    /// <summary>Tests: the regex the calling thread searches with.</summary>
    internal Regex RegexOfThisThread => ForThisThread(_lanes);

    private static Regex ForThisThread(Lanes lanes)
    {
        int lane = t_lane;
        return lane == 0 ? lanes.Main : lanes.Copies[lane] ?? NewLane(lanes, lane);
    }

    // two threads given the same lane may both build it: either copy serves
    private static Regex NewLane(Lanes lanes, int lane) => lanes.Copies[lane] = RegexLane.Of(lanes.Main);

    /// <summary>The regex and its copies for other threads (<see cref="RegexLane"/>), replaced as one by the compiled regex.</summary>
    private sealed class Lanes(Regex main)
    {
        public readonly Regex Main = main;
        public readonly Regex?[] Copies = new Regex?[MaxLanes];
    }

    /// <summary>How many lanes there are, lane 0 (the regex itself) included.</summary>
    public const int MaxLanes = 8;

    [ThreadStatic]
    private static int t_lane;

    /// <summary>
    /// Gives the calling thread its own copy of every regex it searches with (<see cref="RegexLane"/>), so that it
    /// does not take turns at one runner with the threads searching beside it. Lane 0 (every thread's default) is the
    /// regex itself; a lane outside 1..<see cref="MaxLanes"/>-1 is lane 0. One thread per lane: two threads on one
    /// lane still search correctly, but share that lane's runner again.
    /// </summary>
    public static void UseLane(int lane) => t_lane = lane is > 0 and < MaxLanes ? lane : 0;

    // its own method: a lambda capturing Current's local would make every Current call allocate the closure
    private void CompileInBackground(Regex r, string sample) =>
        Task.Run(() =>
        {
            try
            {
                var compiled = new Regex(r.ToString(), r.Options | RegexOptions.Compiled, r.MatchTimeout);
                // JIT here, not on the log threads: the compiled search methods are compiled on their first call, and
                // the largest (matching at a position: 10-20 KB of code for a stock sshd pattern) is called only for a
                // text that could match, which "" is not; a text this regex really searched gets there
                compiled.IsMatch("");
                compiled.IsMatch(sample);
                _lanes = new Lanes(compiled);
            }
            catch (Exception e) when (e is RegexMatchTimeoutException or ArgumentException)
            {
                // keep the interpreted regex
            }
        });

    /// <summary>Literal text the pattern needs at the start of the searched text (a cheap pre-check), or null.</summary>
    public string? RequiredPrefix { get; }

    /// <summary>
    /// When there is no <see cref="RequiredPrefix"/>: the characters the searched text must start with (a cheaper
    /// pre-check than running the regex), or null.
    /// </summary>
    public string? FirstChars { get; }

    /// <summary>Literal text every match contains, besides the prefix (a pre-check after it: an IndexOf), or null.</summary>
    public string? RequiredLiteral { get; }

    /// <summary>Named groups in .NET group-number order (not Python's; only names matter for the fail data).</summary>
    public IReadOnlyList<string> GroupNames { get; }

    internal int[] GroupNumbers { get; }

    public IReadOnlyList<(string Group, string Target)> Alternatives { get; }

    public IReadOnlyList<(string Group, string Target)> Tuples { get; }

    public int SkipLinesGroups { get; }

    public bool HasFailureIdGroup { get; }

    /// <summary>Group numbers of F-NOFAIL, F-MLFFORGET, F-MLFGAINED and F-MLFID, or -1.</summary>
    internal int NoFailGroup { get; }

    internal int MlfForgetGroup { get; }

    internal int MlfGainedGroup { get; }

    internal int MlfidGroup { get; }

    /// <summary>No alt_/tuple_ groups and no mlfpending group.</summary>
    internal bool PlainMlfGroups { get; }

    /// <summary>Group number of F-CONTENT (prefregex), if any.</summary>
    public int? ContentGroup { get; }

    public bool HasGroup(string name) => GroupNames.Contains(name);

    /// <summary>Searches like Python's <c>re.search</c>; a timeout becomes a <see cref="RegexTimeoutException"/> naming the pattern.</summary>
    public Match Search(string text) => Search(text, 0, text.Length);

    /// <summary>
    /// Searches text[start..start+length] as if it were a string of its own (anchors, \b and lookarounds stop at the
    /// range's ends); group indexes are positions in <paramref name="text"/>.
    /// </summary>
    public Match Search(string text, int start, int length)
    {
        var mark = _watch?.Enter(this);
        try
        {
            return Current(text.AsSpan(start, length)).Match(text, start, length);
        }
        catch (RegexMatchTimeoutException e)
        {
            throw new RegexTimeoutException(Original, e.MatchTimeout, e);
        }
        finally
        {
            if (mark is not null)
            {
                RegexWatchdog.Exit(mark);
            }
        }
    }

    /// <summary>Allocation-free "does it match at all" test.</summary>
    public bool IsMatch(ReadOnlySpan<char> text)
    {
        var mark = _watch?.Enter(this);
        try
        {
            return Current(text).IsMatch(text);
        }
        catch (RegexMatchTimeoutException e)
        {
            throw new RegexTimeoutException(Original, e.MatchTimeout, e);
        }
        finally
        {
            if (mark is not null)
            {
                RegexWatchdog.Exit(mark);
            }
        }
    }

    /// <summary>
    /// Python's <c>groupdict()</c> for a match (null for a group that did not participate), with fail2ban's
    /// alternative (<c>alt_*</c>) and tuple (<c>tuple_*</c>) post-processing.
    /// </summary>
    public FailData GetGroups(Match m) => GetGroups(m, null);

    /// <summary>
    /// <see cref="GetGroups(Match)"/>, the group numbered <paramref name="skip"/> (the prefregex's content, which the
    /// filter drops) left out rather than copied out of the text; <paramref name="room"/> more entries reserved.
    /// </summary>
    internal FailData GetGroups(Match m, int? skip, int room = 0)
    {
        // room for the groups and what the filter adds (matches, users, mlfid merge) without growing
        var d = new FailData(GroupNames.Count + 4 + room);
        for (int i = 0; i < GroupNames.Count; i++)
        {
            if (GroupNumbers[i] == skip)
            {
                continue;
            }
            // group names are unique: appended without the key lookup
            d.AddNew(GroupNames[i], GroupValue(m, GroupNumbers[i]));
        }
        foreach (var (group, target) in Alternatives)
        {
            if (d.GetString(group) is { Length: > 0 } v && string.IsNullOrEmpty(d.GetString(target)))
            {
                d[target] = v;
            }
        }
        foreach (var (group, target) in Tuples)
        {
            string? v = d.GetString(group);
            var t = d.Get(target);
            d[target] = t is List<string?> list ? [.. list, v] : new List<string?> { t as string, v };
        }
        return d;
    }

    /// <summary>
    /// Merges this match's groups into <paramref name="into"/> (the prefregex's fail data) as the filter merges a
    /// failregex's groups (<see cref="FailData.MergeGroup"/>).
    /// Only for plain groups (no alt_/tuple_ post-processing, which works on the failregex's own dict): see
    /// <see cref="PlainGroups"/>.
    /// </summary>
    internal void MergeGroupsInto(FailData into, Match m)
    {
        for (int i = 0; i < GroupNames.Count; i++)
        {
            into.MergeGroup(GroupNames[i], GroupValue(m, GroupNumbers[i]));
        }
    }

    /// <summary>No alt_/tuple_ groups: <see cref="GetGroups(Match)"/> is the groups as captured.</summary>
    internal bool PlainGroups => Alternatives.Count == 0 && Tuples.Count == 0;

    /// <summary>
    /// Where group number <paramref name="group"/> of a successful match captured last (what <c>m.Groups[group]</c>
    /// gives), read without <see cref="Match.Groups"/>: the first access to a GroupCollection builds a Group object,
    /// with its name, for every group of the pattern, and this runs for most log lines. False when the group did not
    /// participate (or does not exist).
    /// </summary>
    public static bool TryGetGroup(Match m, int group, out int index, out int length) =>
        MatchCaptures.TryGet(m, group, out index, out length);

    /// <summary>The text of <see cref="TryGetGroup"/>'s capture, or null (Python's None) when it did not participate.</summary>
    public static string? GroupValue(Match m, int group) => MatchCaptures.Value(m, group, MatchCaptures.Available);

    /// <summary>The span of <see cref="TryGetGroup"/>'s capture (empty when it did not participate).</summary>
    public static ReadOnlySpan<char> GroupSpan(Match m, int group) => MatchCaptures.Span(m, group, MatchCaptures.Available);

    public override string ToString() => Expanded;
}

/// <summary>A user pattern ran past its match timeout (catastrophic backtracking, or hostile input).</summary>
public sealed class RegexTimeoutException(string pattern, TimeSpan timeout, Exception inner)
    : Exception($"Regex match timed out after {timeout.TotalSeconds:0.###}s (catastrophic backtracking?) in pattern: {pattern}", inner)
{
    public string Pattern { get; } = pattern;
}

/// <summary>A pattern that fail2ban would refuse to add (empty, no failure-id group, Python compile error).</summary>
public sealed class FilterRegexException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Compiles user patterns once and caches them by (text, usedns, multiline): jails sharing a filter share the
/// compiled regexes. Thread-safe.
/// </summary>
public sealed class FilterRegexCompiler(TimeSpan matchTimeout, bool compiled = true, RegexWatchdog? watchdog = null)
{
    // wall-clock based in .NET: generous, so a loaded machine does not abort sane patterns
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<(string Pattern, bool Dns, bool Multiline), FilterRegex> _cache = new();

    public FilterRegexCompiler()
        : this(DefaultTimeout)
    {
    }

    public TimeSpan MatchTimeout { get; } = matchTimeout;

    // with a watchdog, the engine runs without its own timeout (the watchdog keeps MatchTimeout instead)
    private TimeSpan EngineTimeout => watchdog is null ? MatchTimeout : Regex.InfiniteMatchTimeout;

    public FilterRegex Compile(string pattern, UseDns useDns, bool multiline = false) =>
        _cache.GetOrAdd((pattern, useDns != UseDns.No, multiline), k => Build(k.Pattern, useDns, k.Multiline));

    /// <summary>Compiles a failregex, checking it has a failure-id group itself or through the prefregex.</summary>
    public FilterRegex CompileFailRegex(string pattern, UseDns useDns, bool multiline, FilterRegex? prefRegex)
    {
        var r = Compile(pattern, useDns, multiline);
        if (!r.HasFailureIdGroup && (prefRegex is null || !prefRegex.HasFailureIdGroup))
        {
            throw new FilterRegexException($"No failure-id group in '{r.Expanded}'");
        }
        return r;
    }

    /// <summary>
    /// Shipped-filter patterns come precompiled from <see cref="Generated.ShippedRegexes"/> (no compilation at start);
    /// J2B_NO_GENERATED_REGEX=1 turns that off (start-up measurement).
    /// </summary>
    public bool UseGeneratedRegexes { get; init; } = Environment.GetEnvironmentVariable("J2B_NO_GENERATED_REGEX") != "1";

    /// <summary>
    /// The expanded Python pattern, the final .NET pattern and its options (without Compiled) for a configured pattern:
    /// what <see cref="Compile"/> builds, and what tools/FilterRegexGen generates the shipped regexes from.
    /// </summary>
    public static (string Expanded, string Net, RegexOptions Options) Prepare(string pattern, UseDns useDns, bool multiline)
    {
        string expanded = RegexTags.Expand(pattern, useDns);
        if (string.IsNullOrWhiteSpace(expanded))
        {
            throw new FilterRegexException("Cannot add empty regex");
        }
        expanded = PythonRegex.RewriteGlobalFlagsInGroups(expanded);
        try
        {
            return (expanded, PythonRegex.Translate(expanded), RegexOptions.CultureInvariant | (multiline ? RegexOptions.Multiline : 0));
        }
        catch (RegexTranslationException e)
        {
            throw new FilterRegexException(e.Message, e);
        }
    }

    private FilterRegex Build(string pattern, UseDns useDns, bool multiline)
    {
        var (expanded, net, options) = Prepare(pattern, useDns, multiline);
        try
        {
            // Shipped filters: source-generated at build time. Any other pattern starts interpreted and is
            // compiled later, only if it turns out to be hot (FilterRegex.Regex).
            // (a generated one has the engine's timeout built in: with a watchdog, a copy without it)
            return UseGeneratedRegexes && Generated.ShippedRegexes.TryGet(net, options, MatchTimeout, out var shipped)
                ? new FilterRegex(pattern, expanded, watchdog is null ? shipped : RegexLane.WithoutTimeout(shipped), multiline, watchdog: watchdog)
                : new FilterRegex(pattern, expanded, new Regex(net, options, EngineTimeout), multiline, compileWhenHot: compiled, watchdog: watchdog);
        }
        catch (ArgumentException e)
        {
            throw new FilterRegexException($"Unable to compile regular expression '{expanded}': {e.Message}", e);
        }
    }
}

/// <summary>
/// Reads a match's captures from the arrays the regex engine fills (Match._matches / _matchcount, the data Group
/// objects are views of) instead of through <see cref="Match.Groups"/>. Private runtime fields: the accessors are
/// probed once, and if this runtime lays Match out differently everything goes through the public API.
/// </summary>
internal static class MatchCaptures
{
    /// <summary>Whether the private fields are there (true on the runtime this is built for: a test checks it).</summary>
    internal static readonly bool Available = Probe();

    [System.Runtime.CompilerServices.UnsafeAccessor(System.Runtime.CompilerServices.UnsafeAccessorKind.Field, Name = "_matches")]
    private static extern ref int[][] Matches(Match m);

    [System.Runtime.CompilerServices.UnsafeAccessor(System.Runtime.CompilerServices.UnsafeAccessorKind.Field, Name = "_matchcount")]
    private static extern ref int[] MatchCount(Match m);

    [System.Runtime.CompilerServices.UnsafeAccessor(System.Runtime.CompilerServices.UnsafeAccessorKind.Method, Name = "get_Text")]
    private static extern string? CaptureText(Capture c);

    public static bool TryGet(Match m, int group, out int index, out int length) => TryGet(m, group, Available, out index, out length);

    /// <summary><see cref="TryGet(Match, int, out int, out int)"/> through the private fields (fast) or the public API.</summary>
    internal static bool TryGet(Match m, int group, bool fast, out int index, out int length)
    {
        if (fast)
        {
            int[][] matches = Matches(m);
            int[] counts = MatchCount(m);
            if ((uint)group < (uint)counts.Length && counts[group] > 0)
            {
                // the last capture of the group is what Group.Index/Length report
                int[] caps = matches[group];
                int last = (counts[group] - 1) * 2;
                index = caps[last];
                length = caps[last + 1];
                return true;
            }
            index = length = 0;
            return false;
        }
        var g = m.Groups[group];
        index = g.Index;
        length = g.Length;
        return g.Success;
    }

    /// <summary>The captured text of the group, or null when it did not participate.</summary>
    internal static string? Value(Match m, int group, bool fast)
    {
        if (!fast)
        {
            // the public API: Match has no public accessor for the searched string, so the group's own Value
            var g = m.Groups[group];
            return g.Success ? g.Value : null;
        }
        return TryGet(m, group, true, out int index, out int length) ? CaptureText(m)!.Substring(index, length) : null;
    }

    /// <summary>The captured text of the group as a span (empty when it did not participate).</summary>
    internal static ReadOnlySpan<char> Span(Match m, int group, bool fast)
    {
        if (!fast)
        {
            var g = m.Groups[group];
            return g.Success ? g.ValueSpan : default;
        }
        return TryGet(m, group, true, out int index, out int length) ? CaptureText(m).AsSpan(index, length) : default;
    }

    private static bool Probe()
    {
        try
        {
            var m = new Regex("(?<a>x)(?<b>y)?(?<c>z)", RegexOptions.CultureInvariant).Match("_xz");
            return m.Success && Matches(m) is { Length: 4 } && MatchCount(m) is [1, 1, 0, 1] && CaptureText(m) == "_xz" &&
                   Matches(m)[1][0] == 1 && Matches(m)[1][1] == 1;
        }
        catch (Exception e) when (e is MissingMemberException or InvalidCastException or NullReferenceException)
        {
            return false;
        }
    }
}

using System.Collections;
using System.Reflection;
using System.Text.RegularExpressions;

namespace Jail2Ban.Core.Filtering;

/// <summary>
/// A copy of a regex for another thread: the same pattern, options, groups, timeout and compiled code (the original's
/// runner factory), but a runner cache of its own. A <see cref="Regex"/> keeps one runner (the matching state and
/// its stacks) and lends it to one search at a time; two threads searching with the same regex take turns at that one
/// field, and whenever both search at once the second builds a new runner for a single search. A thread that has a
/// lane of its own keeps its runner.
/// The fields copied are the protected ones <see cref="Regex"/> has for derived classes (a source-generated regex is
/// built by setting them), read from the original by reflection.
/// </summary>
internal sealed class RegexLane : Regex
{
    private RegexLane(Regex r, TimeSpan? timeout = null)
    {
        pattern = (string?)Field("pattern").GetValue(r);
        roptions = (RegexOptions)Field("roptions").GetValue(r)!;
        factory = (RegexRunnerFactory?)Field("factory").GetValue(r);
        caps = (Hashtable?)Field("caps").GetValue(r);
        capnames = (Hashtable?)Field("capnames").GetValue(r);
        capslist = (string[]?)Field("capslist").GetValue(r);
        capsize = (int)Field("capsize").GetValue(r)!;
        internalMatchTimeout = timeout ?? (TimeSpan)Field("internalMatchTimeout").GetValue(r)!;
    }

    /// <summary>A lane of <paramref name="r"/>, or <paramref name="r"/> itself when it has no runner factory to share.</summary>
    public static Regex Of(Regex r) => Field("factory").GetValue(r) is null ? r : new RegexLane(r);

    /// <summary>
    /// <paramref name="r"/> without a match timeout: a source-generated regex has its timeout checks built in, but
    /// they run only when the instance has a timeout (they read the clock as the search goes).
    /// </summary>
    public static Regex WithoutTimeout(Regex r) =>
        r.MatchTimeout == InfiniteMatchTimeout ? r : new RegexLane(r, InfiniteMatchTimeout);

    // reflection: once per lane and thread, and a missing field fails loudly here rather than in a search
    private static FieldInfo Field(string name) =>
        typeof(Regex).GetField(name, BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public)
        ?? throw new MissingFieldException(nameof(Regex), name);
}

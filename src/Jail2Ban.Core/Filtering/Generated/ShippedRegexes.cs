using System.Text.RegularExpressions;

namespace Jail2Ban.Core.Filtering.Generated;

/// <summary>
/// The shipped filters' regexes (filter.d, every mode and logtype, usedns no/other), compiled at build time by the
/// [GeneratedRegex] source generator, so a start on the shipped filters compiles no regex. The lookup half lives in
/// ShippedRegexes.g.cs, written by tools/FilterRegexGen (<c>make regexgen</c>) from <see cref="ShippedRegexSource"/>.
/// </summary>
internal static partial class ShippedRegexes
{
    /// <summary>
    /// The generated instance for a final .NET pattern (see <see cref="FilterRegexCompiler.Prepare"/>), when
    /// <paramref name="options"/> (Compiled aside: irrelevant to generated code) and <paramref name="matchTimeout"/>
    /// are those it was generated with.
    /// </summary>
    public static bool TryGet(string pattern, RegexOptions options, TimeSpan matchTimeout, out Regex regex)
    {
        regex = null!;
        if (matchTimeout != TimeSpan.FromMilliseconds(MatchTimeoutMilliseconds) || Lookup(pattern, options & ~RegexOptions.Compiled) is not { } r)
        {
            return false;
        }
        regex = r;
        return true;
    }
}

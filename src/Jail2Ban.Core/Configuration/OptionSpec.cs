using System.Text.RegularExpressions;

namespace Jail2Ban.Core.Configuration;

/// <summary>The <c>name[opt=val, ...]</c> syntax of filter, action and backend values (§1.8).</summary>
public static partial class OptionSpec
{
    [GeneratedRegex(@"^([^\[]+)(?:\[(.*)\])?\s*$", RegexOptions.Singleline)]
    private static partial Regex Whole();

    [GeneratedRegex("""\s*([\w\-_\.]+)=(?:"([^"]*)"|'([^']*)'|([^,\]]*))(?:,|\]\s*\[|$|(?<wrngA>.+))|,?\s*$|(?<wrngB>.+)""", RegexOptions.Singleline)]
    private static partial Regex Item();

    [GeneratedRegex("""(?:[^\[\s]+(?:\s*\[\s*(?:[\w\-_\.]+=(?:"[^"]*"|'[^']*'|[^,\]]*)\s*(?:,|\]\s*\[)?\s*)*\])?\s*|\S+)(?=\n\s*|\s+|$)""", RegexOptions.Singleline)]
    private static partial Regex Split();

    /// <summary>
    /// fail2ban's extractOptions: the name (not stripped) and the bracket options in order
    /// (later duplicates override). Throws <see cref="FormatException"/> on bad syntax.
    /// </summary>
    public static (string Name, OrderedDictionary<string, string> Options) Parse(string spec)
    {
        var m = Whole().Match(spec);
        if (!m.Success)
        {
            throw new FormatException("unexpected option syntax");
        }
        var options = new OrderedDictionary<string, string>(StringComparer.Ordinal);
        var body = m.Groups[2].Success ? m.Groups[2].Value : "";
        if (body.Length > 0)
        {
            foreach (Match item in Item().Matches(body))
            {
                if (item.Groups["wrngA"].Success)
                {
                    var w = item.Groups["wrngA"].Value;
                    throw new FormatException($"unexpected syntax at {item.Groups["wrngA"].Index} after option '{item.Groups[1].Value}': {w[..Math.Min(25, w.Length)]}");
                }
                if (item.Groups["wrngB"].Success)
                {
                    var w = item.Groups["wrngB"].Value;
                    throw new FormatException($"expected option, wrong syntax at {item.Groups["wrngB"].Index}: {w[..Math.Min(25, w.Length)]}");
                }
                var opt = item.Groups[1].Value;
                if (opt.Length == 0)
                {
                    continue;
                }
                var value = item.Groups[2].Success ? item.Groups[2].Value
                    : item.Groups[3].Success ? item.Groups[3].Value
                    : item.Groups[4].Value;
                options[opt.Trim()] = value.Trim();
            }
        }
        return (m.Groups[1].Value, options);
    }

    /// <summary>fail2ban's splitWithOptions: a multi-action value into specs (not yet stripped).</summary>
    public static IReadOnlyList<string> SplitList(string value) =>
        Split().Matches(value).Select(x => x.Value).ToList();
}

using System.Text.RegularExpressions;

namespace Jail2Ban.Core.Filtering;

/// <summary>
/// fail2ban's regex tags (§2.2): <c>&lt;HOST&gt;</c>, <c>&lt;ADDR&gt;</c>, <c>&lt;F-NAME&gt;...&lt;/F-NAME&gt;</c> and friends,
/// expanded in one left-to-right pass into Python regex syntax (translation to .NET happens afterwards).
/// To add a tag: add it to <see cref="StaticTags"/> (or to the switch in <see cref="Expand"/>) and a test row.
/// </summary>
public static partial class RegexTags
{
    public const string Ip4 = @"(?:::f{4,6}:)?(?P<ip4>(?:\d{1,3}\.){3}\d{1,3})";
    // fail2ban 1.0.2 (the installed oracle) has "|::" in the repeated group where HEAD has "|:"; both pass the
    // sample tests, and 1.0.2's keeps j2b-regex output identical to the installed fail2ban-regex.
    public const string Ip6 = @"(?P<ip6>(?:[0-9a-fA-F]{1,4}::?|::){1,7}(?:[0-9a-fA-F]{1,4}|(?<=:):))";
    public const string Dns = @"(?P<dns>[\w\-.^_]*\w)";
    public const string Addr = @"\[?(?:" + Ip4 + "|" + Ip6 + @")\]?";
    public const string HostWithDns = "(?:" + Addr + "|" + Dns + ")";
    public const string Cidr = @"(?P<cidr>\d+)";
    public const string Subnet = @"\[?(?:" + Ip4 + "|" + Ip6 + ")(?:/" + Cidr + @")?\]?";

    private static readonly Dictionary<string, string> StaticTags = new(StringComparer.Ordinal)
    {
        ["IP4"] = Ip4,
        ["F-IP4/"] = Ip4,
        ["IP6"] = Ip6,
        ["F-IP6/"] = Ip6,
        ["ADDR"] = Addr,
        ["F-ADDR/"] = Addr,
        ["CIDR"] = Cidr,
        ["F-CIDR/"] = Cidr,
        ["SUBNET"] = Subnet,
        ["F-SUBNET/"] = Subnet,
        ["DNS"] = Dns,
        ["F-DNS/"] = Dns,
        ["F-ID/"] = @"(?P<fid>\S+)",
        ["F-PORT/"] = @"(?P<fport>\w+)",
    };

    [GeneratedRegex(@"</?[\w\-]+/?>", RegexOptions.CultureInvariant)]
    private static partial Regex TagPattern();

    [GeneratedRegex(@"^(/?)F-([A-Z0-9_\-]+)$", RegexOptions.CultureInvariant)]
    private static partial Regex CustomName();

    /// <summary>Maps an F-NAME to its group name: lower-cased, ID→fid, PORT→fport.</summary>
    public static string MapName(string tag)
    {
        string t = tag.ToLowerInvariant();
        return t switch { "id" => "fid", "port" => "fport", _ => t };
    }

    /// <summary>Expands every tag of <paramref name="regex"/>; <paramref name="useDns"/> = no drops the DNS branch of HOST.</summary>
    public static string Expand(string regex, UseDns useDns)
    {
        if (regex.IndexOf('<') < 0)
        {
            return regex;
        }
        var open = new HashSet<string>(StringComparer.Ordinal);
        int skipLines = 0;
        return TagPattern().Replace(regex, m =>
        {
            string tag = m.Value;
            string tn = tag[1..^1];
            if (tn == "HOST")
            {
                return useDns == UseDns.No ? Addr : HostWithDns;
            }
            if (tn == "SKIPLINES")
            {
                return $@"\n(?P<skiplines{skipLines++}>(?:(?:.*\n)*?))";
            }
            if (StaticTags.TryGetValue(tn, out string? rep))
            {
                return rep;
            }
            var cm = CustomName().Match(tn);
            if (!cm.Success)
            {
                return tag;
            }
            string name = cm.Groups[2].Value;
            if (cm.Groups[1].Length > 0)
            {
                return open.Contains(name) ? ")" : tag;
            }
            open.Add(name);
            return "(?P<" + MapName(name) + ">";
        });
    }
}

/// <summary>fail2ban's <c>usedns</c> option.</summary>
public enum UseDns
{
    Yes,
    Warn,
    No,
    Raw,
}

using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Jail2Ban.Core.Actions;

/// <summary>
/// The address-derived tags of a ticket ID, as fail2ban's <c>IPAddr</c> renders them:
/// <c>&lt;ip&gt;</c> (normalised text), <c>&lt;family&gt;</c> (<c>inet4</c>/<c>inet6</c>, null for a raw
/// ID, which Python prints as <c>None</c>) and <c>&lt;ip-rev&gt;</c> (PTR labels with a trailing dot).
/// </summary>
internal sealed partial record ActionAddress(string Text, string? Family, string Reverse, IPAddress? Address)
{
    public const string Inet4 = "inet4";
    public const string Inet6 = "inet6";

    /// <summary>Parses an ID the way fail2ban does; anything that is not an address stays a raw ID.</summary>
    public static ActionAddress Parse(string id)
    {
        var addrPart = id;
        int? prefix = null;
        var slash = id.IndexOf('/');
        if (slash >= 0)
        {
            addrPart = id[..slash];
            if (!int.TryParse(id.AsSpan(slash + 1), out var p) || p < 0 || !id[(slash + 1)..].All(char.IsAsciiDigit))
                return Raw(id);
            prefix = p;
        }
        IPAddress? ip = null;
        if (StrictV4().IsMatch(addrPart))
            ip = IPAddress.Parse(addrPart);
        else if (addrPart.Contains(':') && !addrPart.Contains('%')
                 && IPAddress.TryParse(addrPart, out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6)
            ip = v6;
        if (ip is null) return Raw(id);
        // fail2ban stores IPv4-mapped IPv6 addresses as IPv4.
        if (ip.IsIPv4MappedToIPv6)
        {
            ip = ip.MapToIPv4();
            if (prefix is { } mp) prefix = mp >= 96 ? mp - 96 : null;
        }
        var bits = ip.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (prefix is { } pl && (pl > bits)) return Raw(id);
        if (prefix is { } pm && pm < bits)
            ip = Mask(ip, pm);
        else
            prefix = null;
        var ntoa = ip.ToString() + (prefix is { } px ? "/" + px : "");
        if (ip.AddressFamily == AddressFamily.InterNetwork)
        {
            // Python reverses the dotted text itself, so a subnet gives "0/24.2.0.192.".
            var parts = ntoa.Split('.');
            Array.Reverse(parts);
            return new ActionAddress(ntoa, Inet4, string.Join('.', parts) + ".", ip);
        }
        var hex = Convert.ToHexStringLower(ip.GetAddressBytes());
        var sb = new StringBuilder(64);
        for (var i = hex.Length - 1; i >= 0; i--) sb.Append(hex[i]).Append('.');
        return new ActionAddress(ntoa, Inet6, sb.ToString(), ip);
    }

    private static ActionAddress Raw(string id) => new(id, null, "", null);

    private static IPAddress Mask(IPAddress ip, int prefix)
    {
        var b = ip.GetAddressBytes();
        for (var i = 0; i < b.Length; i++)
        {
            var keep = Math.Clamp(prefix - i * 8, 0, 8);
            b[i] &= (byte)(0xFF << (8 - keep));
        }
        return new IPAddress(b);
    }

    /// <summary>inet_pton's IPv4 form: four decimal octets, no leading zeros.</summary>
    [GeneratedRegex(@"^(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$")]
    private static partial Regex StrictV4();
}

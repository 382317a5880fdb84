using System.Net;
using System.Net.Sockets;

namespace Jail2Ban.Core.Filtering;

/// <summary>
/// IP text parsing as glibc's inet_pton does it: IPv4 = exactly four decimal octets 0-255 without leading
/// zeros; IPv6 = RFC 4291 text only. IPAddress.Parse alone would accept octal, short and scoped forms.
/// </summary>
public static class IpText
{
    public static bool TryParse(ReadOnlySpan<char> s, out IPAddress address)
    {
        address = IPAddress.None;
        if (s.IsEmpty || s.Length > 45)
        {
            return false;
        }
        if (s.Contains(':'))
        {
            foreach (char c in s)
            {
                if (!(char.IsAsciiHexDigit(c) || c == ':' || c == '.'))
                {
                    return false;
                }
            }
            int dot = s.IndexOf('.');
            if (dot >= 0)
            {
                int lastColon = s.LastIndexOf(':');
                if (lastColon > dot || !IsStrictIpv4(s[(lastColon + 1)..]))
                {
                    return false;
                }
            }
            if (!IPAddress.TryParse(s, out var a) || a.AddressFamily != AddressFamily.InterNetworkV6)
            {
                return false;
            }
            // groups of more than 4 hex digits are rejected by inet_pton; IPAddress may be lenient
            foreach (var part in s.ToString().Split(':'))
            {
                if (part.Length > 4 && !part.Contains('.'))
                {
                    return false;
                }
            }
            address = a;
            return true;
        }
        if (!TryParseStrictIpv4(s, out uint value))
        {
            return false;
        }
        // the octets are already validated and read: no second parse by IPAddress.Parse
        address = new IPAddress(value);
        return true;
    }

    public static bool TryParse(string s, out IPAddress address) => TryParse(s.AsSpan(), out address);

    private static bool IsStrictIpv4(ReadOnlySpan<char> s) => TryParseStrictIpv4(s, out _);

    /// <summary>A strict dotted quad; <paramref name="value"/> in IPAddress(long)'s order (first octet lowest).</summary>
    private static bool TryParseStrictIpv4(ReadOnlySpan<char> s, out uint value)
    {
        value = 0;
        int parts = 0, i = 0;
        while (true)
        {
            int start = i, v = 0;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                v = v * 10 + (s[i] - '0');
                i++;
                if (i - start > 3)
                {
                    return false;
                }
            }
            int len = i - start;
            if (len == 0 || v > 255 || (len > 1 && s[start] == '0'))
            {
                return false;
            }
            value |= (uint)v << (parts * 8);
            parts++;
            if (i == s.Length)
            {
                return parts == 4;
            }
            if (s[i] != '.' || parts == 4)
            {
                return false;
            }
            i++;
        }
    }

    public static IPAddress Mask(IPAddress addr, int prefix)
    {
        byte[] b = addr.GetAddressBytes();
        for (int i = 0; i < b.Length; i++)
        {
            int bits = Math.Clamp(prefix - (i * 8), 0, 8);
            b[i] &= (byte)(0xFF << (8 - bits));
        }
        return new IPAddress(b);
    }

    /// <summary>Text form as inet_ntop prints it.</summary>
    public static string Format(IPAddress addr) => addr.ToString();
}

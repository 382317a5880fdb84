using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Jail2Ban.Core.Net;

/// <summary>What kind of failure ID / ignore entry an <see cref="IPAddr"/> is.</summary>
public enum IPAddrFamily
{
    /// <summary>Text that is not an IP (a host name in ignoreip, an unparsable value).</summary>
    Unspecified = 0,

    /// <summary>A raw ID (<c>&lt;F-ID&gt;</c>, usedns=raw): never parsed, compared as text.</summary>
    Raw = 1,
    IPv4 = 2,
    IPv6 = 3,
}

/// <summary>
/// fail2ban's IPAddr: the key of fail and ban tickets and the element of ignoreip lists.
/// An IPv4/IPv6 address with prefix length (host bits masked out), or a raw text ID, or an
/// unspecified text (host name). Immutable; equality and hash follow fail2ban (address +
/// prefix for IPs, text for the others; a raw ID never equals a host name of the same text).
/// IPv4-mapped IPv6 (<c>::ffff:a.b.c.d</c>) becomes IPv4 when no prefix is given.
/// </summary>
public sealed class IPAddr : IEquatable<IPAddr>, IComparable<IPAddr>
{
    private static readonly UInt128 V4Mapped = new(0, 0xFFFF_0000_0000);

    private IPAddr(IPAddrFamily family, UInt128 address, int prefixLength, string raw)
    {
        Family = family;
        Address = address;
        PrefixLength = prefixLength;
        RawText = raw;
        Text = Format();
    }

    public IPAddrFamily Family { get; }

    /// <summary>Address bits (IPv4 in the low 32 bits), host part masked by the prefix.</summary>
    public UInt128 Address { get; }

    /// <summary>32/128 for single addresses; 0 for non-IP values.</summary>
    public int PrefixLength { get; }

    /// <summary>The text the value was created from (after bracket/prefix stripping).</summary>
    public string RawText { get; }

    /// <summary>Canonical text (fail2ban's ntoa): <c>192.0.2.0/24</c>, <c>2001:db8::1</c>, raw text.</summary>
    public string Text { get; }

    /// <summary>True for IPs and raw IDs; false for unparsable text / host names.</summary>
    public bool IsValid => Family != IPAddrFamily.Unspecified;

    public bool IsIP => Family is IPAddrFamily.IPv4 or IPAddrFamily.IPv6;

    public bool IsIPv4 => Family == IPAddrFamily.IPv4;

    public bool IsIPv6 => Family == IPAddrFamily.IPv6;

    /// <summary>A single address (not a subnet, not a name).</summary>
    public bool IsSingle => (Family == IPAddrFamily.IPv4 && PrefixLength == 32) || (Family == IPAddrFamily.IPv6 && PrefixLength == 128);

    /// <summary>A raw ID (from <c>&lt;F-ID&gt;</c> or usedns=raw), used verbatim.</summary>
    public static IPAddr FromRaw(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        return new IPAddr(IPAddrFamily.Raw, UInt128.Zero, 0, id);
    }

    /// <summary>
    /// Parses like fail2ban's <c>IPAddr(text)</c>: optional <c>[...]</c>, optional
    /// <c>/prefix</c> or <c>/netmask</c>; text that is not an IP gives an
    /// <see cref="IPAddrFamily.Unspecified"/> value (a host name).
    /// </summary>
    /// <exception cref="FormatException">bad prefix/netmask (fail2ban raises ValueError too).</exception>
    public static IPAddr Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var s = text;
        if (s.Length > 2 && s[0] == '[' && s[^1] == ']')
        {
            s = s[1..^1];
        }

        var slash = s.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            return Create(s, -1);
        }

        var addr = s[..slash];
        var mask = s[(slash + 1)..];
        int cidr;
        if (mask.Contains('.', StringComparison.Ordinal) || mask.Contains(':', StringComparison.Ordinal))
        {
            cidr = MaskToPrefixLength(mask);
        }
        else if (!TryParsePythonInt(mask, out cidr))
        {
            throw new FormatException($"invalid literal for int() with base 10: '{mask}' (in '{text}')");
        }

        return Create(addr, cidr);
    }

    /// <summary>Non-throwing <see cref="Parse"/>.</summary>
    public static bool TryParse(string? text, out IPAddr? value)
    {
        value = null;
        if (text is null)
        {
            return false;
        }

        try
        {
            value = Parse(text);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>An address from the system (DNS answer, interface list).</summary>
    public static IPAddr FromIPAddress(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        var bytes = address.GetAddressBytes();
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return new IPAddr(IPAddrFamily.IPv4, FromBytes(bytes), 32, address.ToString());
        }

        // Scope ids (fe80::1%eth0) are not part of fail2ban's addresses.
        var noScope = new IPAddress(bytes);
        return new IPAddr(IPAddrFamily.IPv6, FromBytes(bytes), 128, noScope.ToString());
    }

    /// <summary>The address as <see cref="IPAddress"/> (null for non-IP values).</summary>
    public IPAddress? ToIPAddress()
    {
        if (!IsIP)
        {
            return null;
        }

        var len = IsIPv4 ? 4 : 16;
        var bytes = new byte[len];
        var v = Address;
        for (var i = len - 1; i >= 0; i--)
        {
            bytes[i] = (byte)(v & 0xFF);
            v >>= 8;
        }

        return new IPAddress(bytes);
    }

    /// <summary>fail2ban's isInNet: this value lies in <paramref name="net"/>. A host-name
    /// <paramref name="net"/> is resolved through <paramref name="dns"/> (no resolver → no match).</summary>
    public bool IsInNet(IPAddr net, IDnsResolver? dns = null)
    {
        ArgumentNullException.ThrowIfNull(net);
        if (!net.IsValid && net.RawText.Length != 0)
        {
            return dns is not null && dns.Resolve(net.RawText).Addresses.Contains(this);
        }

        if (Family != net.Family || !IsIP)
        {
            return false;
        }

        return (Address & Mask(IsIPv4 ? 32 : 128, net.PrefixLength)) == net.Address;
    }

    /// <summary>This value, as a network, contains <paramref name="ip"/>.</summary>
    public bool Contains(IPAddr ip, IDnsResolver? dns = null) =>
        ip is not null && (ip.Equals(this) || ip.IsInNet(this, dns));

    public bool Equals(IPAddr? other)
    {
        if (other is null)
        {
            return false;
        }

        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (Family != other.Family)
        {
            return false;
        }

        return IsIP
            ? Address == other.Address && PrefixLength == other.PrefixLength
            : string.Equals(RawText, other.RawText, StringComparison.Ordinal);
    }

    public override bool Equals(object? obj) => obj is IPAddr o && Equals(o);

    public override int GetHashCode() => HashCode.Combine(Family, StringComparer.Ordinal.GetHashCode(Text));

    /// <summary>Orders by family, then address, then prefix, then text (stable, for sorted output).</summary>
    public int CompareTo(IPAddr? other)
    {
        if (other is null)
        {
            return 1;
        }

        var c = Family.CompareTo(other.Family);
        if (c != 0)
        {
            return c;
        }

        c = Address.CompareTo(other.Address);
        if (c != 0)
        {
            return c;
        }

        c = PrefixLength.CompareTo(other.PrefixLength);
        return c != 0 ? c : string.CompareOrdinal(Text, other.Text);
    }

    public override string ToString() => Text;

    public static bool operator ==(IPAddr? a, IPAddr? b) => a is null ? b is null : a.Equals(b);

    public static bool operator !=(IPAddr? a, IPAddr? b) => !(a == b);

    private static IPAddr Create(string s, int cidr)
    {
        if (TryParseIPv4Strict(s, out var v4))
        {
            var addr = (UInt128)v4;
            var plen = 32;
            if (cidr >= 0)
            {
                addr &= Mask(32, cidr);
                plen = cidr;
            }

            return new IPAddr(IPAddrFamily.IPv4, addr, plen, s);
        }

        if (TryParseIPv6Strict(s, out var v6))
        {
            var plen = 128;
            if (cidr >= 0)
            {
                v6 &= Mask(128, cidr);
                plen = cidr;
            }
            else if ((v6 & Mask(128, 96)) == V4Mapped)
            {
                return new IPAddr(IPAddrFamily.IPv4, v6 & 0xFFFF_FFFF, 32, s);
            }

            return new IPAddr(IPAddrFamily.IPv6, v6, plen, s);
        }

        return new IPAddr(IPAddrFamily.Unspecified, UInt128.Zero, 0, s);
    }

    private string Format()
    {
        switch (Family)
        {
            case IPAddrFamily.IPv4:
            {
                var a = (uint)Address;
                var text = string.Create(CultureInfo.InvariantCulture, $"{a >> 24}.{(a >> 16) & 0xFF}.{(a >> 8) & 0xFF}.{a & 0xFF}");
                return PrefixLength is > 0 and < 32 ? text + "/" + PrefixLength.ToString(CultureInfo.InvariantCulture) : text;
            }

            case IPAddrFamily.IPv6:
            {
                var bytes = new byte[16];
                var v = Address;
                for (var i = 15; i >= 0; i--)
                {
                    bytes[i] = (byte)(v & 0xFF);
                    v >>= 8;
                }

                var text = new IPAddress(bytes).ToString();
                return PrefixLength is > 0 and < 128 ? text + "/" + PrefixLength.ToString(CultureInfo.InvariantCulture) : text;
            }

            default:
                return RawText;
        }
    }

    /// <summary>Network mask of <paramref name="plen"/> bits for a <paramref name="width"/>-bit
    /// family; prefixes beyond the width keep every bit (as Python's shift does).</summary>
    private static UInt128 Mask(int width, int plen)
    {
        var all = width == 32 ? (UInt128)0xFFFF_FFFF : UInt128.MaxValue;
        if (plen <= 0)
        {
            return UInt128.Zero;
        }

        if (plen >= width)
        {
            return all;
        }

        return all ^ (all >> plen);
    }

    private static int MaskToPrefixLength(string mask)
    {
        var m = Create(mask, -1);
        if (!m.IsIP)
        {
            throw new FormatException($"invalid mask '{mask}', no plen representation");
        }

        var width = m.IsIPv4 ? 32 : 128;
        for (var plen = 0; plen <= width; plen++)
        {
            if (Mask(width, plen) == m.Address)
            {
                return plen;
            }
        }

        // fail2ban's mask map also accepts an IPv4-width mask given in IPv6 notation and vice
        // versa only through its shared table; an irregular mask is an error either way.
        throw new FormatException($"invalid mask '{mask}', no plen representation");
    }

    private static bool TryParsePythonInt(string s, out int value)
    {
        // int() accepts surrounding whitespace, a sign and underscores between digits.
        var t = s.Trim().Replace("_", string.Empty, StringComparison.Ordinal);
        return int.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value) && t.Length > 0;
    }

    /// <summary>inet_pton(AF_INET): exactly four decimal parts 0-255, no leading zeros.</summary>
    private static bool TryParseIPv4Strict(string s, out uint value)
    {
        value = 0;
        var parts = 0;
        var i = 0;
        while (true)
        {
            if (i >= s.Length || !char.IsAsciiDigit(s[i]))
            {
                return false;
            }

            var start = i;
            var n = 0;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                n = (n * 10) + (s[i] - '0');
                if (n > 255 || i - start >= 3)
                {
                    return false;
                }

                i++;
            }

            if (i - start > 1 && s[start] == '0')
            {
                return false;
            }

            value = (value << 8) | (uint)n;
            parts++;
            if (parts == 4)
            {
                return i == s.Length;
            }

            if (i >= s.Length || s[i] != '.')
            {
                return false;
            }

            i++;
        }
    }

    /// <summary>inet_pton(AF_INET6): hex groups with at most one <c>::</c>, optional trailing
    /// dotted IPv4; no zone id, no brackets.</summary>
    private static bool TryParseIPv6Strict(string s, out UInt128 value)
    {
        value = UInt128.Zero;
        if (s.Length < 2 || !s.Contains(':', StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var ch in s)
        {
            if (!(char.IsAsciiHexDigit(ch) || ch == ':' || ch == '.'))
            {
                return false;
            }
        }

        var groups = new List<ushort>(8);
        var gapAt = -1;
        var i = 0;
        if (s.StartsWith("::", StringComparison.Ordinal))
        {
            gapAt = 0;
            i = 2;
            if (i == s.Length)
            {
                value = UInt128.Zero;
                return true;
            }
        }
        else if (s[0] == ':')
        {
            return false;
        }

        while (i < s.Length)
        {
            var start = i;
            while (i < s.Length && char.IsAsciiHexDigit(s[i]))
            {
                i++;
            }

            if (i < s.Length && s[i] == '.')
            {
                // Embedded IPv4 must be the last part.
                if (!TryParseIPv4Strict(s[start..], out var v4))
                {
                    return false;
                }

                groups.Add((ushort)(v4 >> 16));
                groups.Add((ushort)(v4 & 0xFFFF));
                i = s.Length;
                break;
            }

            var len = i - start;
            if (len == 0 || len > 4)
            {
                return false;
            }

            groups.Add(ushort.Parse(s.AsSpan(start, len), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
            if (i == s.Length)
            {
                break;
            }

            // s[i] == ':'
            if (i + 1 < s.Length && s[i + 1] == ':')
            {
                if (gapAt >= 0)
                {
                    return false;
                }

                gapAt = groups.Count;
                i += 2;
                if (i == s.Length)
                {
                    break;
                }
            }
            else
            {
                i++;
                if (i == s.Length)
                {
                    return false;
                }
            }
        }

        if (groups.Count > 8 || (gapAt < 0 && groups.Count != 8) || (gapAt >= 0 && groups.Count > 7))
        {
            return false;
        }

        var full = new ushort[8];
        if (gapAt < 0)
        {
            groups.CopyTo(full);
        }
        else
        {
            for (var k = 0; k < gapAt; k++)
            {
                full[k] = groups[k];
            }

            var tail = groups.Count - gapAt;
            for (var k = 0; k < tail; k++)
            {
                full[8 - tail + k] = groups[gapAt + k];
            }
        }

        foreach (var g in full)
        {
            value = (value << 16) | g;
        }

        return true;
    }

    private static UInt128 FromBytes(byte[] bytes)
    {
        var v = UInt128.Zero;
        foreach (var b in bytes)
        {
            v = (v << 8) | b;
        }

        return v;
    }
}

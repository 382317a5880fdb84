using System.Net;
using Jail2Ban.Server.Builtin;

namespace Jail2Ban.Server.Tests.Builtin;

/// <summary>Shared helpers of the built-in action tests: temp dirs, a UTC clock, ban events.</summary>
internal static class BuiltinFixtures
{
    /// <summary>Hostile text as it can arrive from a log line through the matches.</summary>
    public static readonly string[] HostileMatches =
    [
        "x\",\"y\",\"z",
        "a,b,c",
        "line one\nline two\r\nline three",
        "\"},{\"ip\":\"203.0.113.66\",\"jail\":\"evil\"},{\"",
        "=HYPERLINK(\"http://example.com\")",
        "tab\there and a \u0000 nul and \u001b escape",
        "unicode é ü 𝄞",
        "</script><b>&amp;",
    ];

    public static string TempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "j2b-builtin-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    public static BanEvent Ban(string jail, string ip, int failures = 3, int secondsFromEpoch = 0, TimeSpan? bantime = null, IReadOnlyList<string>? matches = null) =>
        new(
            jail,
            ip,
            IPAddress.TryParse(ip, out var a) ? a : null,
            failures,
            new DateTimeOffset(2026, 11, 22, 6, 30, 0, TimeSpan.Zero).AddSeconds(secondsFromEpoch),
            bantime ?? TimeSpan.FromMinutes(10),
            matches ?? [$"sshd[42]: Failed password for root from {ip} port 22 ssh2"]);
}

/// <summary>System time, but a UTC local zone so formatted dates do not depend on the machine.</summary>
internal sealed class UtcTimeProvider : TimeProvider
{
    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;
}

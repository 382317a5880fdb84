using System.Globalization;
using System.Text.Json;
using Jail2Ban.Core.Net;
using Jail2Ban.Server.Jails;
using Jail2Ban.Server.Tests.Hosting;

namespace Jail2Ban.Server.Tests.Jails;

/// <summary>
/// <c>logformat = docker-json</c>: a jail following a container's json-file log
/// (<c>/var/lib/docker/containers/&lt;id&gt;/&lt;id&gt;-json.log</c>) sees the decoded <c>log</c>
/// text and takes the failure time from Docker's <c>time</c> field.
/// </summary>
public sealed class DockerJsonLogJailTests
{
    private const string Attacker = "203.0.113.7";
    private const string Below = "198.51.100.9";

    [Fact]
    public async Task Docker_json_lines_are_decoded_assembled_and_banned_with_the_docker_time()
    {
        var dir = new TempDir();
        var json = dir.File("0123abcd-json.log");
        Directory.CreateDirectory(Path.Combine(dir.File("conf"), "filter.d"));
        // An sshd-style filter with no date in the line: the time can only come from Docker.
        File.WriteAllText(Path.Combine(dir.File("conf"), "filter.d", "dockersshd.conf"), """
            [Definition]
            failregex = ^Failed password for (?:invalid user )?.+ from <HOST> port \d+ ssh2$
            ignoreregex =
            """);
        // jail.local overrides jail.conf's filter and logpath, as an admin would.
        File.WriteAllText(Path.Combine(dir.File("conf"), "jail.local"), $"""
            [test]
            filter = dockersshd
            logpath = {json}
            """);
        File.WriteAllText(json, "");

        await using var h = await JailTestHost.StartAsync("logformat = docker-json", dir: dir);

        var t1 = JailTestHost.Start.AddSeconds(-30).AddTicks(1234567);
        var t2 = JailTestHost.Start.AddSeconds(-25);
        var t3 = JailTestHost.Start.AddSeconds(-20).AddTicks(9876543);
        var lines = new[]
        {
            // Quotes, a tab and non-ASCII in the user name, all JSON-escaped.
            Entry("Failed password for invalid user \"j\u00e9r\u00f4me\tx\" from " + Attacker + " port 50001 ssh2\n", t1, nanos: "123456789"),
            Entry("Failed password for root from " + Below + " port 50002 ssh2\n", t1.AddSeconds(1)),
            "this is not { json",
            // One line split by Docker into two partial entries: only the last carries the newline.
            Entry("Failed password for root from " + Attacker + " ", t2),
            Entry("port 50003 ssh2\n", t2.AddSeconds(1)),
            Entry("Failed password for admin from " + Attacker + " port 50004 ssh2\r\n", t3, nanos: "987654321"),
        };
        File.AppendAllText(json, string.Join("\n", lines) + "\n");

        await h.WaitUntil(() => h.Manager.IsBanned("test", Attacker), "the ban of the attacker");
        await h.WaitUntil(() => h.ActionLines.Any(l => l.Contains("ban " + Attacker, StringComparison.Ordinal)), "the ban action");

        var jail = h.Manager.GetJail("test");
        Assert.False(h.Manager.IsBanned("test", Below));
        Assert.Equal(1, jail.UnparsableLines);

        // Each failure was found at its Docker time (the split line at its first piece's time)...
        var log = h.ServerLogText;
        foreach (var t in new[] { t1, t2, t3 })
        {
            Assert.Contains($"[test] Found {Attacker} - {t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)}", log, StringComparison.Ordinal);
        }
        // ... and the ban ticket carries the last one, not the server clock.
        var ticket = jail.Bans.Get(IPAddr.Parse(Attacker));
        Assert.NotNull(ticket);
        Assert.Equal(t3.ToUnixTimeMilliseconds() / 1000.0, ticket.Time, 3);
        Assert.NotEqual(JailTestHost.Start.ToUnixTimeSeconds(), ticket.Time, 3);
        // The regexes saw the decoded text: the escaped user name came through whole.
        Assert.Contains(ticket.Matches, m => m.Text.Contains("invalid user \"j\u00e9r\u00f4me\tx\" from " + Attacker, StringComparison.Ordinal));
        Assert.Contains(ticket.Matches, m => m.Text.Contains("root from " + Attacker + " port 50003 ssh2", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("", false)]
    [InlineData("plain", false)]
    [InlineData("docker-json", true)]
    [InlineData(" Docker-JSON ", true)]
    public void Logformat_values(string? value, bool docker) =>
        Assert.Equal(docker, Jail.ParseLogFormat("web", value));

    [Theory]
    [InlineData("json")]
    [InlineData("docker")]
    [InlineData("journald")]
    public void Unknown_logformat_is_a_configuration_error_naming_jail_and_value(string value)
    {
        var e = Assert.Throws<JailConfigException>(() => Jail.ParseLogFormat("web", value));
        Assert.Contains("'web'", e.Message, StringComparison.Ordinal);
        Assert.Contains($"'{value}'", e.Message, StringComparison.Ordinal);
        Assert.Contains("logformat", e.Message, StringComparison.Ordinal);
    }

    /// <summary>One json-file line as dockerd writes it (Go's RFC 3339 with nanoseconds).</summary>
    private static string Entry(string log, DateTimeOffset t, string nanos = "000000000") =>
        JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["log"] = log,
            ["stream"] = "stderr",
            ["time"] = t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + "." + nanos + "Z",
        });
}

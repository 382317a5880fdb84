using Jail2Ban.Server.Builtin;

namespace Jail2Ban.Server.Tests.Builtin;

public sealed class DockerJsonLogTests
{
    [Fact]
    public void ParsesATypicalLine()
    {
        const string line = """{"log":"Failed password for root from 192.0.2.1 port 22 ssh2\n","stream":"stderr","time":"2026-11-22T06:30:00.123456789Z"}""";
        Assert.True(DockerJsonLog.TryParse(line, out var e));
        Assert.Equal("Failed password for root from 192.0.2.1 port 22 ssh2", e.Message);
        Assert.Equal("stderr", e.Stream);
        Assert.False(e.IsPartial);
        Assert.Equal(new DateTimeOffset(2026, 11, 22, 6, 30, 0, TimeSpan.Zero).AddTicks(1234567), e.Time);
    }

    [Theory]
    [InlineData("""{"log":"a \"quoted\" word\n","time":"2026-01-01T00:00:00Z"}""", "a \"quoted\" word")]
    [InlineData("""{"log":"tab\there\\back\/slash\n","time":"2026-01-01T00:00:00Z"}""", "tab\there\\back/slash")]
    [InlineData("""{"log":"caf\u00e9 \ud834\udd1e\n","time":"2026-01-01T00:00:00Z"}""", "café 𝄞")]
    [InlineData("""{"log":"crlf\r\n","time":"2026-01-01T00:00:00Z"}""", "crlf")]
    [InlineData("""{"log":"embedded\nnewline\n","time":"2026-01-01T00:00:00Z"}""", "embedded\nnewline")]
    [InlineData("""{"time":"2026-01-01T00:00:00Z","attrs":{"tag":"web","n":[1,{"x":2}]},"log":"fields in any order\n"}""", "fields in any order")]
    [InlineData("""  {"log":"\n","time":"2026-01-01T00:00:00Z"}  """, "")]
    public void DecodesEscapesAndOrder(string line, string message)
    {
        Assert.True(DockerJsonLog.TryParse(line, out var e));
        Assert.Equal(message, e.Message);
    }

    [Theory]
    [InlineData("2026-11-22T06:30:00Z", 0)]
    [InlineData("2026-11-22T06:30:00.5Z", 5_000_000)]
    [InlineData("2026-11-22T07:30:00.000000001+01:00", 0)]
    [InlineData("2026-11-22T06:30:00.9999999999Z", 9_999_999)]
    public void TimesWithNanosecondsAndOffsets(string time, long ticks)
    {
        Assert.True(DockerJsonLog.TryParse($$"""{"log":"x\n","time":"{{time}}"}""", out var e));
        Assert.Equal(new DateTimeOffset(2026, 11, 22, 6, 30, 0, TimeSpan.Zero).AddTicks(ticks), e.Time);
        Assert.Equal(TimeSpan.Zero, e.Time.Offset);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("not json at all")]
    [InlineData("""{"log":"cut in the mid""")]
    [InlineData("""{"log":"x\n","time":"2026-01-01T00:00:00Z""")]
    [InlineData("""{"log":"x\n","time":"2026-01-01T00:00:00Z"}{"log":"y"}""")]
    [InlineData("""{"log":"x\n"}""")]
    [InlineData("""{"time":"2026-01-01T00:00:00Z"}""")]
    [InlineData("""{"log":42,"time":"2026-01-01T00:00:00Z"}""")]
    [InlineData("""{"log":"x\n","time":"yesterday"}""")]
    [InlineData("""{"log":"x\n","time":"2026-01-01"}""")]
    [InlineData("""["log","time"]""")]
    [InlineData("""{"log":"bad escape \q","time":"2026-01-01T00:00:00Z"}""")]
    [InlineData("Jan 23 21:59:59 host sshd[1]: plain syslog")]
    public void GarbageAndTruncatedLinesAreRejected(string line) =>
        Assert.False(DockerJsonLog.TryParse(line, out _));

    [Fact]
    public void DeepNestingIsRejectedNotThrown()
    {
        var deep = "{\"attrs\":" + new string('[', 5000) + new string(']', 5000) + ",\"log\":\"x\\n\",\"time\":\"2026-01-01T00:00:00Z\"}";
        Assert.False(DockerJsonLog.TryParse(deep, out _));
    }

    [Fact]
    public void SplitLongLinesAreReassembledPerStream()
    {
        string[] lines =
        [
            """{"log":"first part, ","stream":"stdout","time":"2026-01-01T00:00:01Z"}""",
            """{"log":"an error\n","stream":"stderr","time":"2026-01-01T00:00:02Z"}""",
            """{"log":"second part, ","stream":"stdout","time":"2026-01-01T00:00:03Z"}""",
            """{"log":"end\n","stream":"stdout","time":"2026-01-01T00:00:04Z"}""",
        ];
        var assembler = new DockerJsonLogAssembler();
        var complete = new List<DockerLogEntry>();
        foreach (var line in lines)
        {
            Assert.True(DockerJsonLog.TryParse(line, out var e));
            if (assembler.Add(e, out var done))
            {
                complete.Add(done);
            }
        }

        Assert.Equal(["an error", "first part, second part, end"], complete.Select(c => c.Message));
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 1, TimeSpan.Zero), complete[1].Time);
        Assert.True(lines.Take(1).All(l => DockerJsonLog.TryParse(l, out var p) && p.IsPartial));
    }

    [Fact]
    public void AssemblerBoundsMemory()
    {
        var assembler = new DockerJsonLogAssembler(maxLength: 10);
        var t = DateTimeOffset.UnixEpoch;
        Assert.False(assembler.Add(new DockerLogEntry(t, new string('a', 8), "stdout", true), out _));
        Assert.False(assembler.Add(new DockerLogEntry(t, new string('b', 8), "stdout", true), out _));
        Assert.True(assembler.Add(new DockerLogEntry(t, "cc", "stdout", false), out var done));
        Assert.Equal("aaaaaaaacc", done.Message);
    }
}

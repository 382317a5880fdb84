using Jail2Ban.Server.Builtin;

namespace Jail2Ban.Server.Tests.Builtin;

public sealed class BuiltinOptionsTests
{
    [Theory]
    [InlineData("10", 10)]
    [InlineData("2.5", 2.5)]
    [InlineData("30s", 30)]
    [InlineData("2m", 120)]
    [InlineData("1h30m", 5400)]
    [InlineData("1d", 86400)]
    [InlineData("1w", 604800)]
    [InlineData("1 h 2 m", 3720)]
    public void ParsesFail2banTimeAbbreviations(string text, double seconds)
    {
        Assert.True(BuiltinOptions.TryParseTime(text, out var span));
        Assert.Equal(seconds, span.TotalSeconds);
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("10x")]
    [InlineData("m")]
    public void RejectsBadTimes(string text) => Assert.False(BuiltinOptions.TryParseTime(text, out _));

    [Fact]
    public void ErrorsNameActionAndOption()
    {
        var options = new BuiltinOptions("webhook", new Dictionary<string, string> { ["Retries"] = "many" });
        var ex = Assert.Throws<BuiltinActionConfigException>(() => options.GetInt("retries", 3, 0, 10));
        Assert.Contains("'webhook'", ex.Message);
        Assert.Contains("'retries'", ex.Message);
        Assert.Contains("many", ex.Message);
    }

    [Fact]
    public void FactoryRejectsUnknownNameAndFindsBuiltinMarker()
    {
        using var factory = new BuiltinActionFactory(TimeProvider.System);
        var ex = Assert.Throws<BuiltinActionConfigException>(() => factory.Create("sshd", "nope", new Dictionary<string, string>()));
        Assert.Contains("nope", ex.Message);
        Assert.Equal("webhook", BuiltinActionFactory.BuiltinNameOf(new Dictionary<string, string> { ["Builtin"] = " webhook " }));
        Assert.Null(BuiltinActionFactory.BuiltinNameOf(new Dictionary<string, string> { ["builtin"] = "" }));
    }
}

using Jail2Ban.Core.Configuration;

namespace Jail2Ban.Core.Tests.Configuration;

/// <summary>Python repr() as fail2ban-client -d prints values (expected values taken from Python 3.11).</summary>
public class PyReprTests
{
    [Theory]
    [InlineData("a", "'a'")]
    [InlineData("it's", "\"it's\"")]
    [InlineData("say \"hi\"", "'say \"hi\"'")]
    [InlineData("both ' and \"", "'both \\' and \"'")]
    [InlineData("tab\there", "'tab\\there'")]
    [InlineData("nl\nx", "'nl\\nx'")]
    [InlineData("cr\r", "'cr\\r'")]
    [InlineData("bs\\", "'bs\\\\'")]
    [InlineData("\u0001\u007f", "'\\x01\\x7f'")]
    [InlineData("é", "'é'")]
    [InlineData("\u200b", "'\\u200b'")]
    [InlineData("\u00a0", "'\\xa0'")]
    [InlineData("\U0001F600", "'\U0001F600'")]
    [InlineData("\ud7ff", "'\\ud7ff'")]
    [InlineData("\u2028", "'\\u2028'")]
    public void Strings(string value, string expected)
    {
        Assert.Equal(expected, PyRepr.Repr(value));
    }

    [Fact]
    public void NestedValues()
    {
        var thread = new OrderedDictionary<string, object?> { ["stacksize"] = 32L };
        Assert.Equal("[1, True, None, {'stacksize': 32}, ['a', []]]",
            PyRepr.Repr(new List<object?> { 1L, true, null, thread, new List<object?> { "a", new List<object?>() } }));
    }
}

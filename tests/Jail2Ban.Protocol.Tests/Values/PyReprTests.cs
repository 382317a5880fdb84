using Jail2Ban.Protocol.Values;

namespace Jail2Ban.Protocol.Tests.Values;

/// <summary>Expected texts are what python3's repr() prints for the same values.</summary>
public sealed class PyReprTests
{
    public static TheoryData<string, string> Strings() => new()
    {
        { "a", "'a'" },
        { "it's", "\"it's\"" },
        { "say \"hi\"", "'say \"hi\"'" },
        { "both ' \"", "'both \\' \"'" },
        { "tab\tnl\n", "'tab\\tnl\\n'" },
        { "back\\slash", "'back\\\\slash'" },
        { "\u0001\u007f", "'\\x01\\x7f'" },
        { "grüße", "'grüße'" },
        { "\u00a0", "'\\xa0'" },
        // Python's str.isprintable(): a space separator other than ' ' is escaped; a lone surrogate is kept as \ud800
        { "\u3000\u2028\u0085", "'\\u3000\\u2028\\x85'" },
        { "\U0001F600", "'\U0001F600'" },
    };

    [Theory]
    [MemberData(nameof(Strings))]
    public void StringReprMatchesPython(string value, string expected) => Assert.Equal(expected, PyRepr.Repr(value));

    // A fact, not theory data: xunit's serialisation of theory arguments replaces a lone surrogate with U+FFFD.
    [Fact]
    public void LoneSurrogateIsEscapedAsPythonDoes() => Assert.Equal("'a\\ud800b'", PyRepr.Repr("a\ud800b"));

    [Theory]
    [InlineData(0.1, "0.1")]
    [InlineData(1e16, "1e+16")]
    [InlineData(1e15, "1000000000000000.0")]
    [InlineData(123456789012345678.0, "1.2345678901234568e+17")]
    [InlineData(1e-5, "1e-05")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(2629800.0, "2629800.0")]
    [InlineData(-0.0, "-0.0")]
    [InlineData(1.5, "1.5")]
    [InlineData(100.0, "100.0")]
    [InlineData(1e22, "1e+22")]
    [InlineData(3.14159e-10, "3.14159e-10")]
    [InlineData(47336400.0, "47336400.0")]
    public void FloatReprMatchesPython(double value, string expected) => Assert.Equal(expected, PyRepr.Float(value));

    [Fact]
    public void ContainersMatchPython()
    {
        Assert.Equal("[('a', 1)]", PyRepr.Repr(new List<object?> { PyTuple.Of("a", 1L) }));
        Assert.Equal("(1,)", PyRepr.Repr(PyTuple.Of(1L)));
        Assert.Equal("()", PyRepr.Repr(PyTuple.Of()));
        Assert.Equal("{'k': None}", PyRepr.Repr(new PyDict([new("k", null)])));
        Assert.Equal("[True, False, None]", PyRepr.Repr(new List<object?> { true, false, null }));
        Assert.Equal("set()", PyRepr.Repr(new PySet([])));
    }

    [Fact]
    public void StrOfStringIsTheStringItself() => Assert.Equal("it's", PyRepr.Str("it's"));

    [Theory]
    [InlineData("KeyError", "'Invalid Action name: x'")]
    [InlineData("Exception", "Invalid Action name: x")]
    public void ExceptionMessageFollowsPythonStr(string type, string expected) =>
        Assert.Equal(expected, PyException.Builtin(type, "Invalid Action name: x").Message);

    [Fact]
    public void OsErrorMessageHasErrnoPrefix() =>
        Assert.Equal("[Errno 2] No such file or directory: '/x'",
            PyException.Builtin("FileNotFoundError", 2L, "No such file or directory", "/x").Message);
}

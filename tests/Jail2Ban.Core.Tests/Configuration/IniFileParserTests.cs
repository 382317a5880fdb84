using Jail2Ban.Core.Configuration;

namespace Jail2Ban.Core.Tests.Configuration;

/// <summary>§1.3: one file in Python configparser's strict dialect as fail2ban sets it up.</summary>
public class IniFileParserTests
{
    private static ParsedIniFile Parse(string text) => IniFileParser.Parse("/t/x.conf", text);

    private static string Value(string text, string section, string option) => Parse(text).Sections[section][option].Value;

    [Theory]
    // option names: lower-cased, right-stripped; the first '=' or ':' delimits
    [InlineData("[s]\nMaxRetry = 3", "maxretry", "3")]
    [InlineData("[s]\nbantime.increment = true", "bantime.increment", "true")]
    [InlineData("[s]\nknown/failregex = x", "known/failregex", "x")]
    [InlineData("[s]\nsome name = v", "some name", "v")]
    [InlineData("[s]\na: b = c", "a", "b = c")]
    [InlineData("[s]\na = b: c", "a", "b: c")]
    [InlineData("[s]\nk =", "k", "")]
    // inline comments: only ';' after whitespace; '#' never
    [InlineData("[s]\nz = val ; c", "z", "val")]
    [InlineData("[s]\nv = val;x", "v", "val;x")]
    [InlineData("[s]\nw = val# x", "w", "val# x")]
    [InlineData("[s]\nt = a\t;tab comment", "t", "a")]
    // continuation: deeper indent continues, even with '=' or '[...]'; pieces stripped, joined with \n
    [InlineData("[s]\nk = 1\n  j = 2\n  [b]\nx = 3", "k", "1\nj = 2\n[b]")]
    [InlineData("[s]\nk = 1\n  j = 2\n  [b]\nx = 3", "x", "3")]
    [InlineData("[s]\nmlv = first\n  second\n\n  third\n    # comment\n  fourth", "mlv", "first\nsecond\n\nthird\nfourth")]
    [InlineData("[s]\nk = a\n  b\n\n\n", "k", "a\nb")]
    [InlineData("[s]\nk =\n  a\n  b", "k", "\na\nb")]
    [InlineData("[s]\n  k = a\n    b\n  j = c", "k", "a\nb")]
    [InlineData("[s]\n  k = a\n    b\n  j = c", "j", "c")]
    [InlineData("[s]\nk = a\n  ; comment line inside\n  b", "k", "a\nb")]
    [InlineData("[s]\nk = a\n\t\tb", "k", "a\nb")]
    // blank line with a comment does not add an empty piece
    [InlineData("[s]\nk = a\n   ;c\n  b", "k", "a\nb")]
    // header: stripped line, greedy up to the last ']'
    [InlineData("[s] \nk = 1", "k", "1")]
    [InlineData("   [s]\nk = 1", "k", "1")]
    public void ParsesValues(string text, string option, string expected)
    {
        Assert.Equal(expected, Value(text, "s", option));
    }

    [Fact]
    public void CarriageReturnsAreLineEnds()
    {
        Assert.Equal("1", Value("[s]\r\nk = 1\r\nj = 2\r", "s", "k"));
        Assert.Equal("2", Value("[s]\rk = 1\rj = 2", "s", "j"));
    }

    [Fact]
    public void SectionNamesAreCaseSensitiveAndDefaultIsSpecial()
    {
        var f = Parse("[DEFAULT]\na = 1\n[default]\nb = 2\n[Default]\nc = 3\n[DEFAULT]\nd = 4\n[a]b]\ne = 5");
        Assert.Equal(["a", "d"], f.Defaults.Keys);
        Assert.Equal(["default", "Default", "a]b"], f.Sections.Keys);
    }

    [Fact]
    public void RecordsTheLineOfEachOption()
    {
        var f = Parse("# c\n[s]\n\nk = 1\n  more\nj = 2");
        Assert.Equal(new SourceLocation("/t/x.conf", 4), f.Sections["s"]["k"].Origin);
        Assert.Equal(new SourceLocation("/t/x.conf", 6), f.Sections["s"]["j"].Origin);
    }

    [Theory]
    [InlineData("[s]\nk = 1\nK = 2", 3, "duplicate key")]
    [InlineData("[s]\nk = 1\n[t]\n[s]", 4, "duplicate section")]
    [InlineData("[DEFAULT]\nk = 1\n[DEFAULT]\nk = 2", 4, "duplicate key")]
    [InlineData("k = 1\n[s]", 1, "no section headers")]
    [InlineData("[s]\nk = 1\n[unclosed\nj = 2", 3, "parsing errors")]
    [InlineData("[s]\nbare key\n", 2, "parsing errors")]
    [InlineData("[s]\n = value\n", 2, "parsing errors")]
    [InlineData("[s]\nok = 1\nbad\nalso bad\n", 3, "[line  4]")]
    public void BrokenFilesNameFileAndLine(string text, int line, string fragment)
    {
        var e = Assert.ThrowsAny<ConfigException>(() => Parse(text));
        Assert.Equal(new SourceLocation("/t/x.conf", line), e.Location);
        Assert.StartsWith($"/t/x.conf:{line}: ", e.Message);
        Assert.Contains(fragment, e.Message);
    }

    [Fact]
    public void InvalidUtf8IsRejectedForSkipping()
    {
        Assert.Null(IniFileParser.Decode([0x5b, 0x73, 0x5d, 0x0a, 0xff, 0xfe]));
        Assert.Equal("[s]", IniFileParser.Decode("[s]"u8.ToArray()));
    }
}

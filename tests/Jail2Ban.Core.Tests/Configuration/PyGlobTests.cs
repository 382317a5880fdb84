using Jail2Ban.Core.Configuration;

namespace Jail2Ban.Core.Tests.Configuration;

/// <summary>Python glob.glob semantics for logpath and X.d/*.conf (§1.9).</summary>
public class PyGlobTests
{
    private static readonly InMemoryFileSystem Fs = new InMemoryFileSystem()
        .Add("/v/b.log", "").Add("/v/a.log", "").Add("/v/.h.log", "").Add("/v/sub/c.log", "").Add("/v/sub/deep/d.log", "")
        .Add("/v/x1/e.log", "").Add("/v/x2/e.log", "").Add("/v/[x].log", "");

    [Theory]
    [InlineData("/v/*.log", "/v/b.log|/v/a.log|/v/[x].log")] // directory order, unsorted; '*' skips dot files
    [InlineData("/v/.*.log", "/v/.h.log")]
    [InlineData("/v/?.log", "/v/b.log|/v/a.log")]
    [InlineData("/v/[a].log", "/v/a.log")]
    [InlineData("/v/[!a].log", "/v/b.log")]
    [InlineData("/v/**/*.log", "/v/sub/c.log|/v/x1/e.log|/v/x2/e.log")] // '**' is not recursive
    [InlineData("/v/x*/e.log", "/v/x1/e.log|/v/x2/e.log")]
    [InlineData("/v/a.log", "/v/a.log")]
    [InlineData("/v/none.log", "")]
    [InlineData("/none/*.log", "")]
    [InlineData("/v/[[]x].log", "/v/[x].log")]
    [InlineData("/v/[x.log", "")] // unclosed '[' is a literal
    public void Globs(string pattern, string expected)
    {
        Assert.Equal(expected.Length == 0 ? [] : expected.Split('|'), PyGlob.Glob(Fs, pattern));
    }
}

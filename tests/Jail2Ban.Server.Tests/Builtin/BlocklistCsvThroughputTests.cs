using System.Diagnostics;
using Jail2Ban.Server.Builtin;
using Xunit.Abstractions;

namespace Jail2Ban.Server.Tests.Builtin;

/// <summary>Not a benchmark: a ceiling that catches an accidental slowdown, and a printed figure.</summary>
public sealed class BlocklistCsvThroughputTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = BuiltinFixtures.TempDir();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task ThousandSequentialBansTakeWellUnderFiveSeconds()
    {
        using var factory = new BuiltinActionFactory(new UtcTimeProvider());
        var action = factory.Create("sshd", "blocklist-csv", new Dictionary<string, string>
        {
            ["file"] = Path.Combine(_dir, "b.csv"),
            ["history"] = Path.Combine(_dir, "h.csv"),
        });
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < 1000; i++)
        {
            await action.BanAsync(BuiltinFixtures.Ban("sshd", $"10.{i / 65536}.{i / 256 % 256}.{i % 256}"), default);
        }

        await ((BlocklistCsvAction)action).FlushAsync(default);
        sw.Stop();
        output.WriteLine($"1000 sequential bans (then flushed; writes coalesced in the background): {sw.ElapsedMilliseconds} ms");
        Assert.Equal(1001, File.ReadAllLines(Path.Combine(_dir, "b.csv")).Length);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), sw.Elapsed.ToString());
    }
}

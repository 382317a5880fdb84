using System.Diagnostics;
using System.Text.RegularExpressions;
using Jail2Ban.Core.Filtering;

namespace Jail2Ban.Core.Tests.Filtering;

/// <summary>
/// The match timeout kept from outside the regex engine (j2b-regex): the patterns run without the engine's timeout,
/// a runaway search is reported with the same exception, never before the limit, and quick searches never are.
/// </summary>
public sealed class RegexWatchdogTests
{
    // a named group: an unnamed one is translated non-capturing, and .NET reduces (?:a+)+ to a+ (no backtracking)
    private const string Catastrophic = @"^(?P<run>a+)+$ <HOST>";

    [Fact]
    public async Task ARunawaySearchIsReportedNamingThePatternAfterTheLimit()
    {
        var limit = TimeSpan.FromMilliseconds(100);
        var reported = new TaskCompletionSource<(RegexTimeoutException Error, TimeSpan At)>();
        var clock = Stopwatch.StartNew();
        using var watchdog = new RegexWatchdog(limit, e => reported.TrySetResult((e, clock.Elapsed)), TimeSpan.FromMilliseconds(10));
        var r = new FilterRegexCompiler(limit, compiled: false, watchdog).Compile(Catastrophic, UseDns.No);
        Assert.Equal(Regex.InfiniteMatchTimeout, r.Regex.MatchTimeout);
        // 23 a's: about a second of backtracking here, so the search ends on its own after the report
        var search = Task.Run(() =>
        {
            var started = clock.Elapsed;
            r.Search(new string('a', 23) + "!\n");
            return started;
        });
        var (error, at) = await reported.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains(Catastrophic, error.Message);
        Assert.Contains("timed out after 0.1s", error.Message);
        var started = await search.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(at - started >= limit, $"reported {(at - started).TotalMilliseconds} ms after the search started");
    }

    [Fact]
    public void QuickSearchesAreNeverReported()
    {
        var limit = TimeSpan.FromMilliseconds(50);
        int reports = 0;
        using var watchdog = new RegexWatchdog(limit, _ => Interlocked.Increment(ref reports), TimeSpan.FromMilliseconds(5));
        var r = new FilterRegexCompiler(limit, compiled: false, watchdog).Compile(Catastrophic, UseDns.No);
        var clock = Stopwatch.StartNew();
        int n = 0;
        // many short searches, over several limits: each one clears its mark
        while (clock.Elapsed < TimeSpan.FromMilliseconds(300))
        {
            r.Search("aaaa!\n");
            Assert.False(r.IsMatch("aaa!\n"));
            n++;
        }
        Thread.Sleep(100);
        Assert.True(n > 100, $"{n} searches");
        Assert.Equal(0, Volatile.Read(ref reports));
    }

    [Fact]
    public void WithoutAWatchdogTheEngineKeepsItsTimeout()
    {
        var r = new FilterRegexCompiler(TimeSpan.FromMilliseconds(50), compiled: false).Compile(Catastrophic, UseDns.No);
        Assert.Equal(TimeSpan.FromMilliseconds(50), r.Regex.MatchTimeout);
    }
}

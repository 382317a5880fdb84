using System.Text.RegularExpressions;
using Jail2Ban.Core.Filtering;

namespace Jail2Ban.Core.Tests.Filtering;

/// <summary>
/// A regex's lanes (copies for other threads that share its compiled code but not its runner): a lane matches
/// exactly as the regex it copies, and each thread given a lane searches with that lane's copy of every regex.
/// </summary>
public sealed partial class RegexLaneTests
{
    private const string Pattern = @"^(?<verb>Failed|Accepted) (?<method>\w+) for (?:invalid user )?(?<user>\S+) from (\d{1,3}(?:\.\d{1,3}){3})(?(user) port (?<port>\d+)|)";

    private static readonly string[] Inputs =
    [
        "Failed password for invalid user admin from 10.0.0.1 port 22 ssh2",
        "Accepted publickey for deploy from 192.168.1.20 port 51000",
        "accepted publickey for deploy from 192.168.1.20 port 51000",
        "Failed password for root from 300.1 port 2",
        "",
    ];

    [GeneratedRegex(Pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, 2000)]
    private static partial Regex Generated();

    public static TheoryData<string> Kinds => new() { "interpreted", "compiled", "generated" };

    private static Regex Make(string kind) => kind switch
    {
        "interpreted" => new Regex(Pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(3)),
        "compiled" => new Regex(Pattern, RegexOptions.Compiled | RegexOptions.Multiline),
        _ => Generated(),
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void ALaneMatchesAsTheRegexItCopies(string kind)
    {
        var regex = Make(kind);
        var lane = RegexLane.Of(regex);

        Assert.NotSame(regex, lane);
        Assert.IsType<RegexLane>(lane);
        Assert.Equal(regex.ToString(), lane.ToString());
        Assert.Equal(regex.Options, lane.Options);
        Assert.Equal(regex.MatchTimeout, lane.MatchTimeout);
        Assert.Equal(regex.GetGroupNames(), lane.GetGroupNames());
        Assert.Equal(regex.GetGroupNumbers(), lane.GetGroupNumbers());
        int matched = 0;
        foreach (string input in Inputs)
        {
            var want = regex.Match(input);
            var got = lane.Match(input);
            Assert.Equal(want.Success, got.Success);
            Assert.Equal((want.Index, want.Length), (got.Index, got.Length));
            foreach (string name in regex.GetGroupNames())
            {
                Assert.Equal(want.Groups[name].Success, got.Groups[name].Success);
                Assert.Equal(want.Groups[name].Value, got.Groups[name].Value);
            }
            matched += got.Success ? 1 : 0;
        }
        // the inputs tell the options apart: the ignore-case regex also matches the lower-case line
        Assert.Equal(kind == "generated" ? 3 : 2, matched);
    }

    // a named group: .NET reduces (?:a+)+ to a+ (no backtracking)
    [GeneratedRegex(@"^(?<run>a+)+$", RegexOptions.CultureInvariant, 20)]
    private static partial Regex Catastrophic();

    [Fact]
    public void WithoutTimeoutTheGeneratedCodeRunsPastTheTimeoutItWasGeneratedWith()
    {
        // seconds of backtracking: the generated regex gives up after its 20 ms
        Assert.Throws<RegexMatchTimeoutException>(() => Catastrophic().IsMatch(new string('a', 26) + "!"));
        var copy = RegexLane.WithoutTimeout(Catastrophic());
        Assert.Equal(Regex.InfiniteMatchTimeout, copy.MatchTimeout);
        // about a quarter of a second here: the copy searches to the end
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.DoesNotMatch(copy, new string('a', 23) + "!");
        Assert.True(clock.ElapsedMilliseconds >= 20, $"{clock.ElapsedMilliseconds} ms: too quick to show the timeout is gone");
        Assert.Matches(copy, "aaa");
        Assert.Same(copy, RegexLane.WithoutTimeout(copy));
    }

    [Fact]
    public void EachThreadSearchesWithItsLanesCopy()
    {
        var r = new FilterRegexCompiler(TimeSpan.FromSeconds(5), compiled: false).Compile(@"^Failed \S+ for (?P<user>\S+) from <HOST>", UseDns.No);
        Assert.Same(r.Regex, r.RegexOfThisThread);

        (Regex First, Regex Again, string? User) OnLane(int lane) => RunOnThread(() =>
        {
            FilterRegex.UseLane(lane);
            var first = r.RegexOfThisThread;
            var m = r.Search("Failed password for root from 10.0.0.1\n");
            return (first, r.RegexOfThisThread, m.Success ? m.Groups["user"].Value : null);
        });

        var one = OnLane(1);
        var two = OnLane(2);
        Assert.IsType<RegexLane>(one.First);
        Assert.Same(one.First, one.Again);
        Assert.Equal("root", one.User);
        Assert.NotSame(one.First, two.First);
        Assert.Same(one.First, OnLane(1).First);
        // out of range: the regex itself
        Assert.Same(r.Regex, OnLane(FilterRegex.MaxLanes).First);
        Assert.Same(r.Regex, OnLane(0).First);
        Assert.Same(r.Regex, r.RegexOfThisThread);
    }

    [Fact]
    public async Task LanesFollowTheCompiledRegexWhenItReplacesTheInterpretedOne()
    {
        var r = new FilterRegexCompiler(TimeSpan.FromSeconds(5), compiled: true).Compile(@"^Invalid user (?P<user>\S+) from <HOST>", UseDns.No);
        var before = RunOnThread(() =>
        {
            FilterRegex.UseLane(1);
            return r.RegexOfThisThread;
        });
        Assert.False(before.Options.HasFlag(RegexOptions.Compiled));
        for (int i = 0; i < FilterRegex.CompileAfterUses; i++)
        {
            r.Search("Invalid user pi from 10.0.0.2\n");
        }
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while ((r.Regex.Options & RegexOptions.Compiled) == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }
        Assert.True(r.Regex.Options.HasFlag(RegexOptions.Compiled));
        var after = RunOnThread(() =>
        {
            FilterRegex.UseLane(1);
            return r.RegexOfThisThread;
        });
        Assert.NotSame(before, after);
        Assert.True(after.Options.HasFlag(RegexOptions.Compiled));
    }

    // a thread of its own: the lane is the thread's, and a test's thread must keep lane 0
    private static T RunOnThread<T>(Func<T> f)
    {
        T result = default!;
        Exception? error = null;
        var t = new Thread(() =>
        {
            try
            {
                result = f();
            }
            catch (Exception e)
            {
                error = e;
            }
        });
        t.Start();
        t.Join();
        return error is null ? result : throw new InvalidOperationException("on the lane's thread", error);
    }
}

using Jail2Ban.Core.Banning;
using Jail2Ban.Core.Net;
using Jail2Ban.Core.Tests.Net;

namespace Jail2Ban.Core.Tests.Banning;

public sealed class IgnoreFilterTests
{
    private sealed class FakeSelf(params string[] ips) : ISelfAddressProvider
    {
        public IReadOnlySet<IPAddr> GetSelfAddresses() => ips.Select(IPAddr.Parse).ToHashSet();
    }

    private sealed class FakeCommand(Func<IPAddr, bool?> answer) : IIgnoreCommandRunner
    {
        public List<string> Calls { get; } = [];

        public bool? Run(string command, IPAddr id, Ticket? ticket)
        {
            Calls.Add(command.Replace("<ip>", id.Text, StringComparison.Ordinal));
            return answer(id);
        }
    }

    private static IgnoreFilter Make(ManualTime time, FakeCommand? cmd = null)
    {
        var f = new IgnoreFilter(time, new FakeDns(new Dictionary<string, string[]> { ["gw.example"] = ["198.51.100.1"] }), new FakeSelf("127.0.0.1", "192.0.2.254"))
        {
            CommandRunner = cmd,
        };
        f.IgnoreIp.Add("10.0.0.0/8");
        f.IgnoreIp.Add("203.0.113.5");
        f.IgnoreIp.Add("gw.example");
        return f;
    }

    [Theory]
    [InlineData("127.0.0.1", true, "ignoreself rule")]
    [InlineData("192.0.2.254", true, "ignoreself rule")]
    [InlineData("203.0.113.5", true, "ip")]
    [InlineData("10.20.30.40", true, "ip")]
    [InlineData("198.51.100.1", true, "dns")]
    [InlineData("198.51.100.2", true, "command")]
    [InlineData("198.51.100.3", false, null)]
    [InlineData("198.51.100.4", false, null)]
    public void Order_and_sources(string ip, bool ignored, string? source)
    {
        var cmd = new FakeCommand(id => id.Text switch
        {
            "198.51.100.2" => true,
            "198.51.100.3" => false,
            _ => null, // error: not ignored
        });
        var f = Make(new ManualTime(1000), cmd);
        f.IgnoreCommand = "check <ip>";
        var d = f.Check(IPAddr.Parse(ip));
        Assert.Equal(ignored, d.Ignored);
        Assert.Equal(source, d.Source);
    }

    [Fact]
    public void Ignoreself_can_be_switched_off()
    {
        var f = Make(new ManualTime(1000));
        f.IgnoreSelf = false;
        Assert.False(f.Check(IPAddr.Parse("127.0.0.1")).Ignored);
    }

    [Fact]
    public void Ignorecache_remembers_command_results_until_max_time()
    {
        var time = new ManualTime(1000);
        var cmd = new FakeCommand(_ => true);
        var f = Make(time, cmd);
        f.IgnoreCommand = "check <ip>";
        f.Cache = IgnoreCacheOptions.Parse("key=\"<ip>\", max-count=10, max-time=60");
        Assert.Equal(new IgnoreDecision(true, "command"), f.Check(IPAddr.Parse("198.51.100.9")));
        Assert.Equal(new IgnoreDecision(true, null, true), f.Check(IPAddr.Parse("198.51.100.9")));
        Assert.Single(cmd.Calls);
        time.Advance(61);
        f.Check(IPAddr.Parse("198.51.100.9"));
        Assert.Equal(2, cmd.Calls.Count);
        Assert.Equal("check 198.51.100.9", cmd.Calls[0]);
    }

    [Theory]
    [InlineData("key=\"<ip>\", max-count=10, max-time=60", "<ip>", 10, 60)]
    [InlineData("key='<ip>:<F-USER>'", "<ip>:<F-USER>", 100, 300)]
    [InlineData("key=<ip>, max-time=1h", "<ip>", 100, 3600)]
    public void Ignorecache_option_parsing(string value, string key, int maxCount, double maxTime)
    {
        var o = IgnoreCacheOptions.Parse(value)!;
        Assert.Equal(key, o.Key);
        Assert.Equal(maxCount, o.MaxCount);
        Assert.Equal(maxTime, o.MaxTime.Value);
        Assert.Null(IgnoreCacheOptions.Parse(""));
        Assert.Throws<FormatException>(() => IgnoreCacheOptions.Parse("max-count=3"));
        Assert.Throws<FormatException>(() => IgnoreCacheOptions.Parse("key=\"<ip>\", max-time=soon"));
    }
}

using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Jail2Ban.Server.Builtin;

namespace Jail2Ban.Server.Tests.Builtin;

public sealed class WebhookActionTests : IDisposable
{
    private readonly BuiltinActionFactory _factory = new(TimeProvider.System);

    public void Dispose() => _factory.Dispose();

    private WebhookAction Create(string url, params (string Key, string Value)[] extra)
    {
        var options = new Dictionary<string, string> { ["url"] = url, ["backoff"] = "0.05", ["timeout"] = "2" };
        foreach (var (k, v) in extra)
        {
            options[k] = v;
        }

        return (WebhookAction)_factory.Create("sshd", "webhook", options);
    }

    private static async Task WaitUntil(Func<bool> condition, int seconds = 10)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(seconds), "condition not reached in time");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task PostsBanAndUnbanDocumentsWithBearerToken()
    {
        await using var server = new LoopbackHttpServer((_, _) => 204);
        var action = Create(server.Url("/hook?x=1"), ("token", "s3cret"));
        await action.StartAsync(default);
        await action.BanAsync(BuiltinFixtures.Ban("sshd", "192.0.2.10", failures: 5), default);
        await action.UnbanAsync(BuiltinFixtures.Ban("sshd", "192.0.2.10", failures: 5), default);
        await WaitUntil(() => action.Delivered == 2);
        await action.StopAsync(default);

        var requests = server.Requests.ToArray();
        Assert.Equal(2, requests.Length);
        Assert.All(requests, r =>
        {
            Assert.Equal("POST", r.Method);
            Assert.Equal("/hook?x=1", r.Path);
            Assert.Equal("Bearer s3cret", r.Headers["Authorization"]);
            Assert.StartsWith("application/json", r.Headers["Content-Type"]);
        });

        using var ban = JsonDocument.Parse(requests[0].Body);
        var root = ban.RootElement;
        Assert.Equal(["event", "ip", "jail", "failures", "time", "bantime", "expires", "bancount", "matches"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("ban", root.GetProperty("event").GetString());
        Assert.Equal("192.0.2.10", root.GetProperty("ip").GetString());
        Assert.Equal("sshd", root.GetProperty("jail").GetString());
        Assert.Equal(5, root.GetProperty("failures").GetInt32());
        Assert.Equal("2026-11-22T06:30:00Z", root.GetProperty("time").GetString());
        Assert.Equal(600, root.GetProperty("bantime").GetInt64());
        Assert.Equal("2026-11-22T06:40:00Z", root.GetProperty("expires").GetString());
        Assert.Equal(1, root.GetProperty("matches").GetArrayLength());
        using var unban = JsonDocument.Parse(requests[1].Body);
        Assert.Equal("unban", unban.RootElement.GetProperty("event").GetString());
    }

    [Fact]
    public async Task BasicAuthAndSelectedFields()
    {
        await using var server = new LoopbackHttpServer((_, _) => 200);
        var action = Create(server.Url("/"), ("user", "router"), ("password", "pä:ss"), ("fields", "ip, jail server restored"), ("events", "ban"), ("method", "put"));
        await action.BanAsync(BuiltinFixtures.Ban("sshd", "2001:db8::1"), default);
        await action.UnbanAsync(BuiltinFixtures.Ban("sshd", "2001:db8::1"), default);
        await WaitUntil(() => action.Delivered == 1);
        await action.StopAsync(default);

        var request = Assert.Single(server.Requests);
        Assert.Equal("PUT", request.Method);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("router:pä:ss")), request.Headers["Authorization"]);
        using var doc = JsonDocument.Parse(request.Body);
        Assert.Equal(["ip", "jail", "server", "restored"], doc.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal("2001:db8::1", doc.RootElement.GetProperty("ip").GetString());
    }

    [Fact]
    public async Task HostileMatchesStayInsideTheirJsonString()
    {
        await using var server = new LoopbackHttpServer((_, _) => 200);
        var action = Create(server.Url("/"));
        var ban = BuiltinFixtures.Ban("apache-auth", "203.0.113.5", matches: BuiltinFixtures.HostileMatches) with { Id = "raw\"},{\"id" };
        await action.BanAsync(ban with { Address = null }, default);
        await WaitUntil(() => action.Delivered == 1);
        await action.StopAsync(default);

        using var doc = JsonDocument.Parse(Assert.Single(server.Requests).Body);
        Assert.Equal(9, doc.RootElement.EnumerateObject().Count());
        Assert.Equal("raw\"},{\"id", doc.RootElement.GetProperty("ip").GetString());
        Assert.Equal(BuiltinFixtures.HostileMatches, doc.RootElement.GetProperty("matches").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task RetriesServerErrorsWithBackoffThenSucceeds()
    {
        await using var server = new LoopbackHttpServer((i, _) => i < 2 ? 500 : 200);
        var action = Create(server.Url("/"), ("retries", "3"));
        await action.BanAsync(BuiltinFixtures.Ban("sshd", "192.0.2.20"), default);
        await WaitUntil(() => action.Delivered == 1);
        await action.StopAsync(default);
        Assert.Equal(3, server.Requests.Count);
        Assert.Equal(3, action.Attempts);
        Assert.Equal(0, action.Failed);
    }

    [Fact]
    public async Task GivesUpAfterBoundedRetriesAndMovesOn()
    {
        await using var server = new LoopbackHttpServer((_, r) => r.Body.Contains("192.0.2.31") ? 200 : 503);
        var action = Create(server.Url("/"), ("retries", "2"));
        await action.BanAsync(BuiltinFixtures.Ban("sshd", "192.0.2.30"), default);
        await action.BanAsync(BuiltinFixtures.Ban("sshd", "192.0.2.31"), default);
        await WaitUntil(() => action.Delivered == 1);
        await action.StopAsync(default);
        Assert.Equal(1, action.Failed);
        Assert.Equal(4, server.Requests.Count); // 3 attempts for .30, 1 for .31
    }

    [Fact]
    public async Task ClientErrorsAreNotRetried()
    {
        await using var server = new LoopbackHttpServer((_, _) => 401);
        var action = Create(server.Url("/"), ("retries", "5"));
        await action.BanAsync(BuiltinFixtures.Ban("sshd", "192.0.2.40"), default);
        await WaitUntil(() => action.Failed == 1);
        await action.StopAsync(default);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task HangingEndpointTimesOutAndNeverStallsBanning()
    {
        await using var server = new LoopbackHttpServer((_, _) => null);
        var action = Create(server.Url("/"), ("timeout", "0.3"), ("retries", "1"), ("queue", "5"), ("stoptimeout", "0.5"));
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < 50; i++)
        {
            await action.BanAsync(BuiltinFixtures.Ban("sshd", $"198.51.100.{i}"), default);
        }

        // 50 bans against a dead endpoint return at once: they only enqueue.
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(1), $"banning took {sw.Elapsed}");
        await WaitUntil(() => action.Failed >= 1);
        Assert.True(action.Dropped >= 40, $"dropped {action.Dropped}");

        sw.Restart();
        await action.StopAsync(default);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(3), $"stop took {sw.Elapsed}");
        Assert.Equal(0, action.Delivered);
        Assert.Equal(50, action.Failed + action.Dropped);
    }

    [Fact]
    public async Task FullQueueDropsTheOldest()
    {
        var release = new TaskCompletionSource();
        await using var server = new LoopbackHttpServer((_, _) => { release.Task.Wait(TimeSpan.FromSeconds(10)); return 200; });
        var action = Create(server.Url("/"), ("queue", "2"));
        for (var i = 1; i <= 6; i++)
        {
            await action.BanAsync(BuiltinFixtures.Ban("sshd", $"192.0.2.{i}"), default);
            if (i == 1)
            {
                await WaitUntil(() => !server.Requests.IsEmpty); // .1 is in flight, not queued
            }
        }

        release.SetResult();
        await WaitUntil(() => action.Delivered == 3);
        await action.StopAsync(default);
        Assert.Equal(3, action.Dropped);
        var ips = server.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("ip").GetString());
        Assert.Equal(["192.0.2.1", "192.0.2.5", "192.0.2.6"], ips);
    }

    [Theory]
    [InlineData("ftp://example/", "url")]
    [InlineData("not a url", "url")]
    [InlineData("http://127.0.0.1/|token=t|user=u", "token")]
    [InlineData("http://127.0.0.1/|password=p", "password")]
    [InlineData("http://127.0.0.1/|events=ban,kick", "events")]
    [InlineData("http://127.0.0.1/|fields=ip,secret", "fields")]
    [InlineData("http://127.0.0.1/|retries=-1", "retries")]
    [InlineData("http://127.0.0.1/|timeout=0", "timeout")]
    [InlineData("http://127.0.0.1/|method=GET", "method")]
    public void BadOptionsAreRejectedWithTheirName(string spec, string option)
    {
        var parts = spec.Split('|');
        var options = new Dictionary<string, string> { ["url"] = parts[0] };
        foreach (var p in parts.Skip(1))
        {
            var kv = p.Split('=', 2);
            options[kv[0]] = kv[1];
        }

        var ex = Assert.Throws<BuiltinActionConfigException>(() => _factory.Create("sshd", "webhook", options));
        Assert.Contains($"'{option}'", ex.Message);
    }

    [Fact]
    public void UserInfoInUrlIsUsedButNeverLogged()
    {
        var action = Create("http://bob:pw@127.0.0.1:9/path?token=abc");
        Assert.Equal("http://127.0.0.1:9/path", action.SafeUrl);
    }
}

public sealed class WebhookRefusedConnectionTests : IDisposable
{
    private readonly BuiltinActionFactory _factory = new(TimeProvider.System);

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task RefusedConnectionsAreRetriedThenGivenUpWithoutBlockingBans()
    {
        // A port that was just free: nothing listens there, connections are refused at once.
        var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();

        var action = (WebhookAction)_factory.Create("sshd", "webhook", new Dictionary<string, string>
        {
            ["url"] = $"http://127.0.0.1:{port}/",
            ["retries"] = "2",
            ["backoff"] = "0.02",
        });
        var sw = System.Diagnostics.Stopwatch.StartNew();
        await action.BanAsync(BuiltinFixtures.Ban("sshd", "192.0.2.77"), default);
        Assert.True(sw.Elapsed < TimeSpan.FromMilliseconds(500));
        while (action.Failed == 0)
        {
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), "never gave up");
            await Task.Delay(20);
        }

        await action.StopAsync(default);
        Assert.Equal(3, action.Attempts);
        Assert.Equal(0, action.Delivered);
    }
}

using System.Diagnostics;
using Xunit.Abstractions;

namespace Jail2Ban.Cli.Tests.EndToEnd;

/// <summary>
/// Drop-in check: the stock Debian <c>fail2ban-client</c> pointed at <c>dist/j2b-server</c>'s socket
/// with <c>-s SOCK</c> pings, reads status, bans, unbans and reloads, and for the read-only commands
/// prints byte for byte what <c>dist/j2b-client</c> prints, with the same exit code.
/// Needs <c>make build</c> first and fail2ban-client on PATH; skips (with a message) otherwise.
/// </summary>
public sealed class StockClientTests(ITestOutputHelper output)
{
    private const string Jail = E2EDaemon.Jail;
    private const string Ip = "192.0.2.50";

    private E2EDaemon _d = null!;

    private Task<(int Code, string Out, string Err)> OursAsync(params string[] args) => _d.ClientAsync(args);

    // -c as well: the stock client reads the configuration itself for `reload` (and sends it as a
    // stream); without -c it would read the host's /etc/fail2ban.
    private async Task<(int Code, string Out, string Err)> StockAsync(string stock, params string[] args)
    {
        var r = await EndToEndFixtures.RunAsync(stock, ["-c", _d.Conf, "-s", _d.Sock, .. args]);
        output.WriteLine($"fail2ban-client {string.Join(' ', args)} -> {r.Code}\n{r.Out}{r.Err}");
        return r;
    }

    private bool CanRun(out string stock)
    {
        stock = EndToEndFixtures.FindOnPath("fail2ban-client") ?? "";
        if (!EndToEndFixtures.HasDist)
        {
            output.WriteLine($"SKIPPED: {EndToEndFixtures.Dist}/j2b-server not found; run `make build` first");
            return false;
        }
        if (stock.Length == 0)
        {
            output.WriteLine("SKIPPED: fail2ban-client not on PATH; the stock client comparison needs it");
            return false;
        }
        return true;
    }

    /// <summary>Both clients on the same command: same stdout bytes, same exit code.</summary>
    private async Task<string> AssertSameAsync(string stock, params string[] args)
    {
        var theirs = await StockAsync(stock, args);
        var ours = await OursAsync(args);
        Assert.Equal(theirs.Code, ours.Code);
        Assert.Equal(theirs.Out, ours.Out);
        return theirs.Out;
    }

    [Fact]
    public async Task Stock_client_pings_reads_status_bans_unbans_and_reloads()
    {
        if (!CanRun(out var stock)) return;
        using var d = _d = new E2EDaemon(output, "j2b-stock-");
        await d.StartAsync();

        var ping = await StockAsync(stock, "ping");
        Assert.Equal(0, ping.Code);
        Assert.Equal("Server replied: pong\n", ping.Out);

        var status = await AssertSameAsync(stock, "status");
        Assert.Contains("Number of jail:\t1", status);
        Assert.Contains(Jail, status);
        var jailStatus = await AssertSameAsync(stock, "status", Jail);
        Assert.Contains("Currently banned:\t0", jailStatus);
        await AssertSameAsync(stock, "banned");
        await AssertSameAsync(stock, "get", Jail, "banned");

        var ban = await StockAsync(stock, "set", Jail, "banip", Ip);
        Assert.Equal(0, ban.Code);
        Assert.Contains(Ip, (await OursAsync("status", Jail)).Out);
        var banned = await AssertSameAsync(stock, "banned");
        Assert.Contains(Ip, banned);
        Assert.Contains(Ip, await AssertSameAsync(stock, "get", Jail, "banned"));
        var bannedStatus = await AssertSameAsync(stock, "status", Jail);
        Assert.Contains("Currently banned:\t1", bannedStatus);
        await d.WaitFor(() => Task.FromResult(d.ActionsContain("ban " + Ip)), "the ban action");

        // A reload keeps the ban and the jail's counters (checked against fail2ban 1.0.2: after
        // banip + reload, "Currently banned: 1", "Total banned: 1").
        Assert.Equal(0, (await StockAsync(stock, "reload")).Code);
        await d.WaitFor(async () => (await OursAsync("status", Jail)).Out.Contains(Ip, StringComparison.Ordinal), "the ban after reload");
        var reloaded = await AssertSameAsync(stock, "status", Jail);
        Assert.Contains("Currently banned:\t1", reloaded);
        Assert.Contains("Total banned:\t1", reloaded);

        var unban = await StockAsync(stock, "set", Jail, "unbanip", Ip);
        Assert.Equal(0, unban.Code);
        Assert.DoesNotContain(Ip, (await OursAsync("status", Jail)).Out);
        Assert.DoesNotContain(Ip, await AssertSameAsync(stock, "banned"));
        Assert.DoesNotContain(Ip, await AssertSameAsync(stock, "get", Jail, "banned"));
        Assert.Contains("Currently banned:\t0", await AssertSameAsync(stock, "status", Jail));

        var reload = await StockAsync(stock, "reload");
        Assert.Equal(0, reload.Code);
        Assert.Contains("Number of jail:\t1", await AssertSameAsync(stock, "status"));
        var afterReload = await AssertSameAsync(stock, "status", Jail);
        Assert.Contains("Currently banned:\t0", afterReload);
        Assert.Contains("Total banned:\t1", afterReload);

        await d.StopAsync();
    }
}

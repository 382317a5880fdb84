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

    /// <summary>
    /// fail2ban-client looks for fail2ban-server next to its own script (sys.path[0]): a two-line starter
    /// in a temp bin/ with fail2ban-server pointing at dist/j2b-server makes the stock <c>start</c> spawn our
    /// server with <c>--async -b</c> and send it the whole configuration stream (add, set..., start).
    /// </summary>
    private static string StockStarter(string dir)
    {
        var bin = Path.Combine(dir, "bin");
        Directory.CreateDirectory(bin);
        var client = Path.Combine(bin, "fail2ban-client");
        File.WriteAllText(client, "#!/usr/bin/python3\nimport sys\nfrom fail2ban.client.fail2banclient import exec_command_line\nexec_command_line(sys.argv)\n");
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(client, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.CreateSymbolicLink(Path.Combine(bin, "fail2ban-server"), Path.Combine(EndToEndFixtures.Dist, "j2b-server"));
        return client;
    }

    private static void KillByPidFile(string pidFile)
    {
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid)) return;
        try
        {
            using var p = Process.GetProcessById(pid);
            if (p.ProcessName.StartsWith("j2b-server", StringComparison.Ordinal)) p.Kill();
        }
        catch (ArgumentException)
        {
            // already gone
        }
    }

    [Fact]
    public async Task Stock_client_start_configures_j2b_server_through_its_stream_and_run_time_sets_apply()
    {
        if (!CanRun(out _)) return;
        using var d = _d = new E2EDaemon(output, "j2b-stockstart-");
        var starter = StockStarter(d.Dir);
        try
        {
            // what the init scripts run: fail2ban-client start (background server, configured over the socket)
            var start = await StockAsync(starter, "-x", "start");
            Assert.Equal(0, start.Code);
            var status = await AssertSameAsync(starter, "status", Jail);
            Assert.Contains("File list:\t" + d.LogFile, status);
            Assert.Contains("Actions", status);
            Assert.Contains("The jail e2e has the following actions:\ne2e-file", await AssertSameAsync(starter, "get", Jail, "actions"));

            // a run-time regex: the next line read is matched with it (maxretry 2)
            var add = await StockAsync(starter, "set", Jail, "addfailregex", @"^\s*bad password from <HOST>$");
            Assert.Equal(0, add.Code);
            Assert.Contains("`- [1]: ^\\s*bad password from ", add.Out);
            await AssertSameAsync(starter, "get", Jail, "failregex");
            var now = DateTime.Now.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
            File.AppendAllLines(d.LogFile, [$"{now} bad password from 192.0.2.77", $"{now} bad password from 192.0.2.77"]);
            await d.WaitFor(() => Task.FromResult(d.ActionsContain("ban 192.0.2.77")), "the ban found by the added regex");

            // an action property set at run time is used by the next command
            var set = await StockAsync(starter, "set", Jail, "action", "e2e-file", "actionban", $"echo \"changed <ip>\" >> {d.ActionsFile}");
            Assert.Equal(0, set.Code);
            Assert.Equal(0, (await StockAsync(starter, "set", Jail, "banip", "192.0.2.78")).Code);
            await d.WaitFor(() => Task.FromResult(d.ActionsContain("changed 192.0.2.78")), "the changed actionban");

            // reload: the stock client sends the re-read configuration as a stream; the server (started
            // without -c) applies it rather than reading /etc/fail2ban
            File.WriteAllText(Path.Combine(d.Conf, "jail.local"), $"[{Jail}]\nmaxretry = 7\n");
            Assert.Equal("OK\n", (await StockAsync(starter, "reload")).Out);
            Assert.Equal("7\n", (await AssertSameAsync(starter, "get", Jail, "maxretry")));
            Assert.Contains("Jail list:\te2e\n", await AssertSameAsync(starter, "status"));
            Assert.Contains("192.0.2.77", await AssertSameAsync(starter, "get", Jail, "banned"));

            Assert.Equal("Shutdown successful\n", (await StockAsync(starter, "stop")).Out);
        }
        finally
        {
            KillByPidFile(Path.Combine(d.Dir, "pid"));
        }
    }

    /// <summary>
    /// status --all and stats are fail2ban 1.1 commands. fail2ban 1.0.2's server answers them with
    /// "Sorry but the jail '--all' does not exist" / "Invalid command" (recorded); j2b-server answers them
    /// in 1.1's shape on purpose, so the stock 1.0.2 client gets a reply its beautifier does not know and
    /// prints it raw, with exit code 0. j2b-client prints them as fail2ban 1.1's client does.
    /// </summary>
    [Fact]
    public async Task Stock_1_0_2_client_on_status_all_and_stats_gets_our_1_1_replies()
    {
        if (!CanRun(out var stock)) return;
        using var d = _d = new E2EDaemon(output, "j2b-stockall-");
        await d.StartAsync();
        var all = await StockAsync(stock, "status", "--all");
        Assert.Equal(0, all.Code);
        Assert.Contains("Number of jail", all.Out);
        Assert.DoesNotContain("does not exist", all.Out);
        var stats = await StockAsync(stock, "stats");
        Assert.Equal(0, stats.Code);
        Assert.Contains("'e2e'", stats.Out);
        Assert.DoesNotContain("Invalid command", stats.Out);
        var ours = await OursAsync("status", "--all");
        Assert.Contains("`- Status for the jails:\n   `- Jail: e2e\n", ours.Out);
        await d.StopAsync();
    }
}

using Jail2Ban.Server.Control;
using Jail2Ban.Server.Persistence;

namespace Jail2Ban.Server.Tests.Jails;

/// <summary>
/// The jail runtime end to end in-process: real files appended/rotated, the configuration read from
/// a temp tree, a fixed clock, the recording action runner, the SQLite ban store.
/// </summary>
public sealed class JailIntegrationTests
{
    [Fact]
    public async Task Bans_after_maxretry_failures_and_logs_found_and_ban()
    {
        await using var h = await JailTestHost.StartAsync();
        h.Fail("192.0.2.10", 2);
        await h.WaitUntil(() => h.Manager.GetJailStatus("test", "basic").TotalFailed == 2, "2 failures");
        Assert.Equal(0, h.Manager.GetJailStatus("test", "basic").CurrentlyBanned);
        Assert.DoesNotContain(h.ActionLines, l => l.Contains("ban 192.0.2.10", StringComparison.Ordinal));

        h.Fail("192.0.2.10", 1);
        await h.WaitUntil(() => h.ActionLines.Any(l => l.EndsWith("ban 192.0.2.10 3600", StringComparison.Ordinal)), "the ban action");
        var s = h.Manager.GetJailStatus("test", "basic");
        Assert.Equal(1, s.CurrentlyBanned);
        Assert.Equal(1, s.TotalBanned);
        Assert.Equal(0, s.CurrentlyFailed);
        Assert.Equal(3, s.TotalFailed);
        Assert.Equal(["192.0.2.10"], s.BannedIps);
        Assert.Equal([h.LogFile], s.FileList);
        Assert.Contains("fail2ban.filter         [1]: INFO    [test] Found 192.0.2.10 - 2026-11-22 06:59:59", h.ServerLogText);
        Assert.Contains("fail2ban.actions        [1]: NOTICE  [test] Ban 192.0.2.10", h.ServerLogText);
        // actionstart ran before the ban (start on demand is off by default).
        var start = h.ActionLines.ToList().FindIndex(l => l.Contains("start test", StringComparison.Ordinal));
        var ban = h.ActionLines.ToList().FindIndex(l => l.Contains("ban 192.0.2.10", StringComparison.Ordinal));
        Assert.InRange(start, 0, ban - 1);
    }

    [Fact]
    public async Task Unbans_when_the_clock_passes_the_bantime()
    {
        await using var h = await JailTestHost.StartAsync();
        h.Fail("198.51.100.7", 3);
        await h.WaitUntil(() => h.Manager.IsBanned("test", "198.51.100.7"), "ban");
        h.Time.Now = h.Time.Now.AddMinutes(59);
        await Task.Delay(1500);
        Assert.True(h.Manager.IsBanned("test", "198.51.100.7"));
        h.Time.Now = h.Time.Now.AddMinutes(2);
        await h.WaitUntil(() => h.ActionLines.Any(l => l.EndsWith("unban 198.51.100.7", StringComparison.Ordinal)), "unban action");
        Assert.Contains("NOTICE  [test] Unban 198.51.100.7", h.ServerLogText);
        Assert.Equal(0, h.Manager.GetJailStatus("test", "basic").CurrentlyBanned);
        Assert.Equal(1, h.Manager.GetJailStatus("test", "basic").TotalBanned);
    }

    [Fact]
    public async Task Ignoreip_addresses_are_never_banned()
    {
        await using var h = await JailTestHost.StartAsync("ignoreip = 203.0.113.0/24");
        h.Fail("203.0.113.5", 4);
        h.Fail("192.0.2.99", 3);
        await h.WaitUntil(() => h.Manager.IsBanned("test", "192.0.2.99"), "ban of the other address");
        Assert.False(h.Manager.IsBanned("test", "203.0.113.5"));
        Assert.Contains("[test] Ignore 203.0.113.5 by ip", h.ServerLogText);
        Assert.Equal(3, h.Manager.GetJailStatus("test", "basic").TotalFailed);
    }

    [Fact]
    public async Task Existing_lines_older_than_findtime_are_dropped_at_start_but_far_off_dates_in_operation_count_as_now()
    {
        var start = JailTestHost.Start;
        string[] existing =
        [
            .. Enumerable.Repeat(JailTestHost.Line(start.AddHours(-2), "192.0.2.1"), 3),
            .. Enumerable.Repeat(JailTestHost.Line(start.AddMinutes(-5), "192.0.2.2"), 3),
        ];
        await using var h = await JailTestHost.StartAsync(initialLines: existing);
        await h.WaitUntil(() => h.Manager.IsBanned("test", "192.0.2.2"), "ban from the recent existing lines");
        Assert.False(h.Manager.IsBanned("test", "192.0.2.1"));
        Assert.Equal(3, h.Manager.GetJailStatus("test", "basic").TotalFailed);

        // fail2ban (filter.py processLine): in operation, a date more than 60 s off is replaced by now.
        h.Append([.. Enumerable.Repeat(JailTestHost.Line(start.AddHours(-3), "192.0.2.3"), 3)]);
        await h.WaitUntil(() => h.Manager.IsBanned("test", "192.0.2.3"), "ban from old-dated lines appended in operation");
        Assert.Contains("[test] Found 192.0.2.3 - 2026-11-22 07:00:00", h.ServerLogText);
    }

    [Theory]
    [InlineData("rename")]
    [InlineData("copytruncate")]
    public async Task Follows_the_log_across_rotation(string mode)
    {
        await using var h = await JailTestHost.StartAsync();
        h.Fail("192.0.2.50", 2);
        await h.WaitUntil(() => h.Manager.GetJailStatus("test", "basic").TotalFailed == 2, "2 failures");
        if (mode == "rename")
        {
            File.Move(h.LogFile, h.LogFile + ".1");
            File.WriteAllText(h.LogFile, "");
        }
        else
        {
            File.Copy(h.LogFile, h.LogFile + ".1");
            using (new FileStream(h.LogFile, FileMode.Truncate)) { }
        }
        await Task.Delay(300);
        h.Fail("192.0.2.50", 1);
        await h.WaitUntil(() => h.Manager.IsBanned("test", "192.0.2.50"), "ban after rotation");
        Assert.Equal(3, h.Manager.GetJailStatus("test", "basic").TotalFailed);
    }

    [Fact]
    public async Task Restart_restores_remaining_bans_with_restore_ban_log()
    {
        await using var h = await JailTestHost.StartAsync();
        h.Fail("192.0.2.77", 3);
        await h.WaitUntil(() => h.ActionLines.Any(l => l.Contains("ban 192.0.2.77", StringComparison.Ordinal)), "ban command");
        var end = h.Manager.GetBanList("test").Single().End;
        await h.StopManagerAsync();
        Assert.Contains(h.ActionLines, l => l.EndsWith("unban 192.0.2.77", StringComparison.Ordinal));
        Assert.Contains(h.ActionLines, l => l.Contains("stop test", StringComparison.Ordinal));

        h.Runner.Clear();
        h.Time.Now = h.Time.Now.AddMinutes(20);
        await h.StartManagerAsync();
        await h.WaitUntil(() => h.Manager.IsBanned("test", "192.0.2.77"), "restored ban");
        // the ban list has the ticket before the actions thread logs it (failed once in make test under load)
        await h.WaitUntil(() => h.ServerLogText.Contains("NOTICE  [test] Restore Ban 192.0.2.77", StringComparison.Ordinal), "Restore Ban logged");
        await h.WaitUntil(() => h.ActionLines.Any(l => l.Contains("ban 192.0.2.77", StringComparison.Ordinal)), "restored ban command");
        var restored = h.Manager.GetBanList("test").Single();
        Assert.Equal(end, restored.End);
        // The old lines were read before the restart: the stored position is used, nothing is counted again.
        Assert.Equal(0, h.Manager.GetJailStatus("test", "basic").TotalFailed);
    }

    [Fact]
    public async Task Expired_bans_are_not_restored()
    {
        await using var h = await JailTestHost.StartAsync();
        h.Fail("192.0.2.78", 3);
        await h.WaitUntil(() => h.Manager.IsBanned("test", "192.0.2.78"), "ban");
        await h.StopManagerAsync();
        h.Time.Now = h.Time.Now.AddHours(2);
        await h.StartManagerAsync();
        await Task.Delay(1200);
        Assert.False(h.Manager.IsBanned("test", "192.0.2.78"));
    }

    [Fact]
    public async Task Bantime_increment_doubles_the_second_ban()
    {
        await using var h = await JailTestHost.StartAsync("bantime.increment = true");
        h.Fail("192.0.2.30", 3);
        await h.WaitUntil(() => h.Manager.IsBanned("test", "192.0.2.30"), "first ban");
        Assert.Equal(3600, h.Manager.GetBanList("test").Single().BanTimeSeconds);
        h.Time.Now = h.Time.Now.AddMinutes(61);
        await h.WaitUntil(() => !h.Manager.IsBanned("test", "192.0.2.30"), "unban");
        h.Fail("192.0.2.30", 3);
        await h.WaitUntil(() => h.Manager.IsBanned("test", "192.0.2.30"), "second ban");
        // The ticket enters the ban list a moment before bantime.increment lengthens it (as in
        // fail2ban, where the observer does it afterwards): the command carries the final value.
        await h.WaitUntil(() => h.ActionLines.Any(l => l.EndsWith("ban 192.0.2.30 7200", StringComparison.Ordinal)), "the 7200 s ban command");
        Assert.Equal(7200, h.Manager.GetBanList("test").Single().BanTimeSeconds);
        Assert.Contains("[test] Increase Ban 192.0.2.30 (2 # 2h -> 2026-11-22 10:00:5", h.ServerLogText);
    }

    [Fact]
    public async Task Purge_removes_old_bans_from_the_database()
    {
        await using var h = await JailTestHost.StartAsync();
        h.Fail("192.0.2.40", 3);
        await h.WaitUntil(() => h.Manager.IsBanned("test", "192.0.2.40"), "ban");
        await h.WaitUntil(() => CountBans(h) == 1, "ban row");
        h.Time.Now = h.Time.Now.AddHours(12);
        Assert.Equal(0, h.Manager.PurgeNow()!.Bans);
        h.Time.Now = h.Time.Now.AddHours(13);
        Assert.Equal(1, h.Manager.PurgeNow()!.Bans);
        Assert.Equal(0, CountBans(h));
    }

    private static int CountBans(JailTestHost h)
    {
        using var store = BanStore.Open(h.Db, h.Time);
        return store.GetBans("test").Count;
    }

    [Fact]
    // The configuration reader passes only fail2ban's own [Definition] keys, so the Jail2Ban bulk
    // option is given in [Init] here (it reaches the action as an init option).
    public async Task A_burst_of_attackers_is_banned_in_bulk()
    {
        await using var h = await JailTestHost.StartAsync(actionInit: "actionban_bulk = banmany <ips-count>");
        var lines = new List<string>();
        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < 200; i++)
            {
                lines.Add(JailTestHost.Line(h.Time.Now.AddSeconds(round - 5), $"10.1.{i / 250}.{(i % 250) + 1}"));
            }
        }
        h.Append([.. lines]);
        await h.WaitUntil(() => h.Manager.GetJailStatus("test", "basic").CurrentlyBanned == 200, "200 bans");
        int BulkTotal() => h.ActionLines.Where(l => l.Contains("banmany", StringComparison.Ordinal))
            .Sum(l => int.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        // The ban list fills before the commands run: wait for the commands to cover all 200.
        await h.WaitUntil(() => BulkTotal() == 200, "bulk commands for 200 tickets");
        Assert.DoesNotContain(h.ActionLines, l => l.Contains(" ban 10.1.", StringComparison.Ordinal));
        Assert.True(h.ActionLines.Count(l => l.Contains("banmany", StringComparison.Ordinal)) < 200);
    }

    [Fact]
    public async Task Manual_banip_unbanip_and_unban_all()
    {
        await using var h = await JailTestHost.StartAsync();
        Assert.Equal(2, h.Manager.BanIps("test", ["192.0.2.200", "192.0.2.201"]));
        Assert.Equal(0, h.Manager.BanIps("test", ["192.0.2.200"]));
        Assert.True(h.Manager.IsBanned("test", "192.0.2.201"));
        Assert.Equal(1, h.Manager.UnbanIps(null, ["192.0.2.200"], reportAbsent: true));
        var e = Assert.Throws<ControlCommandException>(() => h.Manager.UnbanIps("test", ["192.0.2.250"], reportAbsent: true));
        Assert.Contains("not banned", e.Message);
        Assert.Equal(1, h.Manager.UnbanAll());
        Assert.Equal(0, h.Manager.GetJailStatus("test", "basic").CurrentlyBanned);
        Assert.Throws<ControlCommandException>(() => h.Manager.GetJailStatus("nojail", "basic"));
    }

    [Fact]
    public async Task Reload_with_a_broken_configuration_changes_nothing_and_names_the_file_and_line()
    {
        await using var h = await JailTestHost.StartAsync();
        h.Fail("192.0.2.60", 3);
        await h.WaitUntil(() => h.Manager.IsBanned("test", "192.0.2.60"), "ban");
        File.WriteAllText(Path.Combine(h.Conf, "filter.d", "testauth.conf"), "[Definition]\nfailregex = ^auth (unclosed <HOST>$\n");
        var e = Assert.Throws<ControlCommandException>(() => h.Manager.ReloadConfiguration("--all", []));
        Assert.Contains("test", e.Message);
        Assert.True(h.Manager.IsBanned("test", "192.0.2.60"));
        Assert.Equal(["test"], h.Manager.Jails);

        File.WriteAllText(Path.Combine(h.Conf, "jail.conf"), "[test]\nenabled = true\nmaxretry = \n[broken\n");
        var e2 = Assert.Throws<ControlCommandException>(() => h.Manager.ReloadConfiguration("--all", []));
        Assert.Contains("jail.conf:", e2.Message);
        Assert.True(h.Manager.IsBanned("test", "192.0.2.60"));
    }

    [Fact]
    public async Task Reload_applies_a_valid_new_configuration_and_keeps_bans()
    {
        await using var h = await JailTestHost.StartAsync();
        h.Fail("192.0.2.61", 3);
        await h.WaitUntil(() => h.Manager.IsBanned("test", "192.0.2.61"), "ban");
        h.WriteJailConf("maxretry = 7");
        h.Manager.ReloadConfiguration("--all", []);
        Assert.Equal(7, h.Manager.GetMaxRetry("test"));
        await h.WaitUntil(() => h.Manager.IsBanned("test", "192.0.2.61"), "ban kept");
    }

    [Fact]
    public async Task Stock_client_reload_stream_rereads_the_configuration()
    {
        await using var h = await JailTestHost.StartAsync();
        h.Fail("192.0.2.62", 3);
        await h.WaitUntil(() => h.Manager.IsBanned("test", "192.0.2.62"), "ban");
        h.WriteJailConf("maxretry = 9");
        var dispatcher = new ControlDispatcher(h.Manager, h.Time);
        // What fail2ban-client reload sends: the whole jail stream between begin and end.
        List<object?> stream =
        [
            new List<object?> { "add", "test", "polling" },
            new List<object?> { "set", "test", "addlogpath", h.LogFile, "head" },
            new List<object?> { "set", "test", "maxretry", "9" },
            new List<object?> { "add", "newjail", "polling" },
            new List<object?> { "set", "newjail", "addfailregex", "x" },
            new List<object?> { "set", "newjail", "maxretry", "3" },
            new List<object?> { "start", "test" },
        ];
        var reply = await dispatcher.DispatchAsync(["reload", "--all", new List<object?>(), stream]);
        Assert.False(reply.IsError, reply.Value?.ToString());
        Assert.Equal(9, h.Manager.GetMaxRetry("test"));
        await h.WaitUntil(() => h.Manager.IsBanned("test", "192.0.2.62"), "ban kept");
        Assert.False((await dispatcher.DispatchAsync(["status", "test"])).IsError);
    }
}

public sealed class JailPipelineTests
{
    [Fact]
    public async Task A_line_through_the_filter_counts_a_failure()
    {
        await using var h = await JailTestHost.StartAsync();
        var jail = h.Manager.GetJail("test");
        var line = JailTestHost.Line(h.Time.Now.AddSeconds(-1), "192.0.2.3");
        jail.ProcessLine(line);
        jail.ProcessLine("2026-11-22 06:59:59 something else from 192.0.2.3");
        Assert.Equal(1, jail.Fail.FailTotal);
        Assert.Equal(1, jail.Fail.Count);
        Assert.Contains("[test] Found 192.0.2.3 - 2026-11-22 06:59:59", h.ServerLogText);
    }
}

using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

namespace Jail2Ban.Cli.Tests.EndToEnd;

/// <summary>Locates dist/ (made by <c>make build</c>) and runs its executables.</summary>
internal static class EndToEndFixtures
{
    public static string RepoRoot => RepoPaths.Root;

    public static string Dist => Path.Combine(RepoRoot, "dist");

    public static bool HasDist => File.Exists(Path.Combine(Dist, "j2b-server")) && File.Exists(Path.Combine(Dist, "j2b-client"));

    public static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    public static async Task<(int Code, string Out, string Err)> RunAsync(string exe, IEnumerable<string> args, int timeoutMs = 30000)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeoutMs);
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{exe} {string.Join(' ', args)} did not finish");
        }
        return (p.ExitCode, await o, await e);
    }
}

/// <summary>
/// The built daemon as an admin runs it: <c>dist/j2b-server -c DIR -s SOCK -p PID -f -x start</c> on a
/// temp configuration, a log fed with failures, the ban seen through <c>dist/j2b-client status</c>,
/// unban, restart with a remaining ban restored from the database. Needs <c>make build</c> first.
/// </summary>
public sealed class DaemonEndToEndTests(ITestOutputHelper output)
{
    private static void Fail(E2EDaemon d, string ip, int n)
    {
        var now = DateTime.Now;
        File.AppendAllLines(d.LogFile, Enumerable.Range(0, n).Select(i =>
            now.AddSeconds(i - n).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " auth failure from " + ip));
    }

    [Fact]
    public async Task Built_daemon_bans_unbans_and_restores_across_a_restart()
    {
        if (!EndToEndFixtures.HasDist)
        {
            output.WriteLine($"SKIPPED: {EndToEndFixtures.Dist}/j2b-server not found; run `make build` first");
            return;
        }
        using var d = new E2EDaemon(output, "j2b-e2e-");
        await d.StartAsync();

        Fail(d, "192.0.2.9", 2);
        await d.WaitFor(async () => (await d.ClientAsync("status", "e2e")).Out.Contains("192.0.2.9", StringComparison.Ordinal), "the ban in status");
        var status = (await d.ClientAsync("status", "e2e")).Out;
        output.WriteLine(status);
        Assert.Contains("Currently banned:\t1", status);
        Assert.Contains("Total failed:\t2", status);
        Assert.Contains(d.LogFile, status);
        await d.WaitFor(() => Task.FromResult(d.ActionsContain("ban 192.0.2.9")), "the ban action");

        if (EndToEndFixtures.FindOnPath("fail2ban-client") is { } stock)
        {
            // The stock client speaks pickle to our socket and must print the same.
            var theirs = await EndToEndFixtures.RunAsync(stock, ["-s", d.Sock, "status", "e2e"]);
            Assert.Equal(status, theirs.Out);
            output.WriteLine($"{stock}: same status output");
        }
        else
        {
            output.WriteLine("fail2ban-client not installed: stock client comparison skipped");
        }

        Assert.Equal(0, (await d.ClientAsync("set", "e2e", "unbanip", "192.0.2.9")).Code);
        await d.WaitFor(async () => (await d.ClientAsync("status", "e2e")).Out.Contains("Currently banned:\t0", StringComparison.Ordinal), "the unban");
        Assert.Contains("unban 192.0.2.9", File.ReadAllText(d.ActionsFile));

        Fail(d, "192.0.2.10", 2);
        await d.WaitFor(async () => (await d.ClientAsync("status", "e2e")).Out.Contains("192.0.2.10", StringComparison.Ordinal), "the second ban");
        await d.StopAsync();

        await d.StartAsync();
        await d.WaitFor(async () => (await d.ClientAsync("status", "e2e")).Out.Contains("192.0.2.10", StringComparison.Ordinal), "the restored ban");
        Assert.Contains("[e2e] Restore Ban 192.0.2.10", File.ReadAllText(d.ServerLog));
        var after = (await d.ClientAsync("status", "e2e")).Out;
        Assert.DoesNotContain("192.0.2.9", after);
        await d.StopAsync();
    }
}

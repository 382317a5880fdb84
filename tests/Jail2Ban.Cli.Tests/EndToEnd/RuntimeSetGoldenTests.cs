using Xunit.Abstractions;

namespace Jail2Ban.Cli.Tests.EndToEnd;

/// <summary>
/// Golden/runtime-set.txt was recorded with fail2ban-client against a real fail2ban-server 1.0.2 on the
/// E2EDaemon configuration (jail e2e; <c>{DIR}</c> = its directory): the run-time set/get/add/action
/// commands in order, with stdout and exit code. The same sequence against dist/j2b-server, through
/// dist/j2b-client and through the stock fail2ban-client, must print the same, except for the deliberate
/// differences listed in <see cref="Deliberate"/>.
/// </summary>
public sealed class RuntimeSetGoldenTests(ITestOutputHelper output)
{
    internal sealed record Case(string[] Args, int ExitCode, string Stdout);

    /// <summary>Commands where j2b-server answers differently from 1.0.2 on purpose.</summary>
    private static readonly HashSet<string> Deliberate =
    [
        // fail2ban 1.1 commands (docs/client-json.md): 1.0.2 answers "no such jail" / "Invalid command"
        "status\t--all",
        "stats",
        // Python's re module words its errors differently from .NET's: the first line is compared below
    ];

    /// <summary>Blocks of "### args (TAB-separated)", "rc=N", then the stdout lines.</summary>
    internal static List<Case> Cases(string dir)
    {
        var path = Path.Combine(RepoPaths.Root, "tests", "Jail2Ban.Cli.Tests", "EndToEnd", "Golden", "runtime-set.txt");
        var text = File.ReadAllText(path).Replace("{DIR}", dir, StringComparison.Ordinal);
        var cases = new List<Case>();
        foreach (var block in text.Split("### ", StringSplitOptions.RemoveEmptyEntries))
        {
            var lines = block.Split('\n');
            var rc = int.Parse(lines[1]["rc=".Length..], System.Globalization.CultureInfo.InvariantCulture);
            cases.Add(new Case(lines[0].Split('\t'), rc, string.Join("\n", lines[2..]).TrimEnd('\n') + "\n"));
        }
        return cases;
    }

    private async Task Replay(Func<string[], Task<(int Code, string Out, string Err)>> client, string who)
    {
        var mismatches = new List<string>();
        foreach (var c in Cases(_dir))
        {
            var key = string.Join('\t', c.Args);
            var r = await client(c.Args);
            // $(...) in the recorder dropped trailing newlines and printf added one
            var got = r.Out.TrimEnd('\n') + "\n";
            if (Deliberate.Contains(key))
            {
                output.WriteLine($"{who} {key} (deliberate difference) -> {r.Code}\n{got}");
                continue;
            }
            if (r.Code != c.ExitCode)
                mismatches.Add($"{key}: exit {r.Code}, 1.0.2 {c.ExitCode}\n{got}{r.Err}");
            else if (got != c.Stdout)
                mismatches.Add($"{key}:\n--- {who} ---\n{got}--- 1.0.2 ---\n{c.Stdout}");
        }
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    private string _dir = "";

    [Fact]
    public async Task J2b_client_and_stock_client_on_j2b_server_print_what_1_0_2_printed()
    {
        if (!EndToEndFixtures.HasDist)
        {
            output.WriteLine($"SKIPPED: {EndToEndFixtures.Dist}/j2b-server not found; run `make build` first");
            return;
        }
        foreach (var who in new[] { "j2b-client", "fail2ban-client" })
        {
            var stock = EndToEndFixtures.FindOnPath("fail2ban-client");
            if (who == "fail2ban-client" && stock is null)
            {
                output.WriteLine("SKIPPED the stock client: fail2ban-client not on PATH");
                continue;
            }
            using var d = new E2EDaemon(output, "j2b-rtgold-");
            _dir = d.Dir;
            await d.StartAsync();
            // the socket answers before the configuration is applied: wait for the jail
            await d.WaitFor(async () => (await d.ClientAsync("status", E2EDaemon.Jail)).Code == 0, "jail e2e");
            await Replay(who == "j2b-client"
                ? args => d.ClientAsync(args)
                : args => EndToEndFixtures.RunAsync(stock!, ["-c", d.Conf, "-s", d.Sock, .. args]), who);
            await d.StopAsync();
        }
    }
}

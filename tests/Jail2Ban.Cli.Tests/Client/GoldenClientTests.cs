using System.Diagnostics;
using Jail2Ban.Client;
using Jail2Ban.Server.Control;
using Jail2Ban.Server.Tests.Control;

namespace Jail2Ban.Cli.Tests.Client;

/// <summary>
/// Replays the recorded fail2ban-client session (Golden/cases.tsv, in order: the cases change state)
/// against our listener + a fake daemon holding the recorded state, once with j2b-client's code and
/// once with the real Python fail2ban-client; both must print the recorded bytes and exit codes.
/// </summary>
public sealed class GoldenClientTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "j2b-cli-" + Guid.NewGuid().ToString("N")[..8]);
    private string Sock => Path.Combine(_dir, "f2b.sock");

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        // -c for the Python client: it reads fail2ban.conf early even when -s is given.
        File.WriteAllText(Path.Combine(_dir, "fail2ban.conf"), "[Definition]\nloglevel = INFO\nlogtarget = STDERR\nsyslogsocket = auto\n" +
            $"socket = {Sock}\npidfile = {Path.Combine(_dir, "f2b.pid")}\n");
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_dir, recursive: true);
        return Task.CompletedTask;
    }

    private async Task<List<string>> Replay(Func<string, string[], Task<(int Rc, string Out, string Err)>> client)
    {
        var fake = FakeServerControl.GoldenScenario(ClientFixtures.RecordedFailRegex());
        var mismatches = new List<string>();
        await using (var listener = new ControlListener(new ControlListenerOptions(Sock), new ControlDispatcher(fake)))
        {
            listener.Start();
            foreach (var c in ClientFixtures.Cases())
            {
                if (c.ServerDown)
                    continue;
                var (rc, stdout, stderr) = await client(Sock, c.Args);
                Compare(c, rc, stdout, stderr, mismatches);
            }
        }
        Assert.True(fake.QuitRequested, "the 'stop' case must reach the daemon");
        if (!File.Exists(ClientFixtures.RecordedSocket))
        {
            foreach (var c in ClientFixtures.Cases().Where(c => c.ServerDown))
            {
                var (rc, stdout, stderr) = await client(ClientFixtures.RecordedSocket, c.Args);
                Compare(c, rc, stdout, stderr, mismatches);
            }
        }
        return mismatches;
    }

    private static void Compare(ClientFixtures.Case c, int rc, string stdout, string stderr, List<string> mismatches)
    {
        if (rc != c.ExitCode)
            mismatches.Add($"{c.Name}: exit {rc}, expected {c.ExitCode}");
        if (stdout != c.Stdout)
            mismatches.Add($"{c.Name}: stdout\n--- got ---\n{stdout}--- expected ---\n{c.Stdout}");
        var err = ClientFixtures.NormalizeStderr(stderr);
        if (err != (c.Stderr ?? ""))
            mismatches.Add($"{c.Name}: stderr\n--- got ---\n{err}--- expected ---\n{c.Stderr}");
    }

    [Fact]
    public async Task J2bClientPrintsWhatFail2banClientPrinted()
    {
        var mismatches = await Replay(async (sock, args) =>
        {
            var stdout = new StringWriter { NewLine = "\n" };
            var stderr = new StringWriter { NewLine = "\n" };
            var rc = await ClientCommandLine.RunAsync(["-s", sock, .. args], stdout, stderr, dump: null, CancellationToken.None);
            return (rc, stdout.ToString(), stderr.ToString());
        });
        Assert.True(mismatches.Count == 0, string.Join("\n\n", mismatches));
    }

    [Fact]
    public async Task RealFail2banClientWorksAgainstOurServer()
    {
        if (!File.Exists("/usr/bin/fail2ban-client"))
            return; // oracle not installed on this machine: nothing to compare with
        var mismatches = await Replay(async (sock, args) =>
        {
            var psi = new ProcessStartInfo("/usr/bin/fail2ban-client")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var a in (string[])["-c", _dir, "-s", sock, .. args])
                psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var o = p.StandardOutput.ReadToEndAsync();
            var e = p.StandardError.ReadToEndAsync();
            await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            return (p.ExitCode, await o, await e);
        });
        Assert.True(mismatches.Count == 0, string.Join("\n\n", mismatches));
    }
}

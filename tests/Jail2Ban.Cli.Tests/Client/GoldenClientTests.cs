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
                ClientFixtures.Compare(c, rc, stdout, stderr, mismatches);
            }
        }
        Assert.True(fake.QuitRequested, "the 'stop' case must reach the daemon");
        if (!File.Exists(ClientFixtures.RecordedSocket))
        {
            foreach (var c in ClientFixtures.Cases().Where(c => c.ServerDown))
            {
                var (rc, stdout, stderr) = await client(ClientFixtures.RecordedSocket, c.Args);
                ClientFixtures.Compare(c, rc, stdout, stderr, mismatches);
            }
        }
        return mismatches;
    }

    [Fact]
    public async Task J2bClientPrintsWhatFail2banClientPrinted()
    {
        var mismatches = await Replay(ClientFixtures.RunJ2bClient);
        Assert.True(mismatches.Count == 0, string.Join("\n\n", mismatches));
    }

    [Fact]
    public async Task RealFail2banClientWorksAgainstOurServer()
    {
        if (!File.Exists("/usr/bin/fail2ban-client"))
            return; // oracle not installed on this machine: nothing to compare with
        var mismatches = await Replay((sock, args) => ClientFixtures.RunPythonClient("/usr/bin/fail2ban-client", null, _dir, sock, args));
        Assert.True(mismatches.Count == 0, string.Join("\n\n", mismatches));
    }
}

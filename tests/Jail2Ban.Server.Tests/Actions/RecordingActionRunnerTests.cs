using Jail2Ban.Core.Actions;
using Jail2Ban.Server.Actions;

namespace Jail2Ban.Server.Tests.Actions;

public sealed class RecordingActionRunnerTests
{
    [Fact]
    public async Task RecordsCommandsAndCanFailAnOperation()
    {
        var runner = new RecordingActionRunner();
        var def = new ActionDefinition("fw", new Dictionary<string, string>
        {
            ["actionstart"] = "start", ["actionban"] = "ban <ip>", ["actionunban"] = "unban <ip>", ["actionstop"] = "stop",
        });
        var action = new CommandAction("sshd", def, new StaticJailContext(600), runner, hosts: ActionHostNames.Fixed("h", "h"));
        await action.StartAsync();
        await action.BanAsync(new ActionTicket("192.0.2.1", 1));
        runner.FailOperation(ActionTags.Unban);
        var e = await Assert.ThrowsAsync<ActionFailedException>(() => action.UnbanAsync(new ActionTicket("192.0.2.1", 1)));
        Assert.Equal("Error unbanning 192.0.2.1", e.Message);
        Assert.Equal(
            ["sshd fw actionstart: start", "sshd fw actionban: ban 192.0.2.1",
             "sshd fw actionunban: unban 192.0.2.1", "sshd fw actionunban: unban 192.0.2.1"],
            runner.Lines);
        Assert.All(runner.Requests, r => Assert.Equal(TimeSpan.FromSeconds(60), r.Timeout));
    }
}

using System.Text;
using Jail2Ban.Server.Logs;
using Jail2Ban.Server.Tests.Hosting;
using Microsoft.Extensions.Logging;

namespace Jail2Ban.Server.Tests.Logs;

/// <summary>The inotify backend with real file-system events (no polling, no sleeps in the test).</summary>
public sealed class InotifySourceTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly CapturingLoggerFactory _logs = new();
    private readonly CancellationTokenSource _cts = new();

    public void Dispose()
    {
        _cts.Cancel();
        _dir.Dispose();
    }

    private FileLogSource Make() =>
        new(new InotifyMonitor(_logs.CreateLogger("fail2ban.filterpyinotify"), TimeProvider.System), _logs.CreateLogger("fail2ban.filter"), TimeProvider.System);

    private static void Append(string path, string text)
    {
        using var fs = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        fs.Write(Encoding.UTF8.GetBytes(text));
    }

    private static async Task<List<string>> Collect(IAsyncEnumerator<LogBatch> e, int count)
    {
        var lines = new List<string>();
        while (lines.Count < count)
        {
            lines.AddRange((await e.NextAsync()).Texts());
        }
        return lines;
    }

    [Fact]
    public async Task AppendsAreDeliveredOnFileEvents()
    {
        var path = _dir.File("a.log");
        File.WriteAllText(path, "old\n");
        await using var src = Make();
        Assert.Equal("pyinotify", src.Backend);
        src.AddFile(new LogFileOptions(path, Tail: true));
        await using var e = src.ReadAsync(_cts.Token).GetAsyncEnumerator();
        var next = e.NextAsync();
        Append(path, "new 1\n");
        Append(path, "new 2\n");
        var lines = new List<string>((await next).Texts());
        if (lines.Count < 2)
        {
            lines.AddRange(await Collect(e, 2 - lines.Count));
        }
        Assert.Equal(["new 1", "new 2"], lines);
    }

    [Fact]
    public async Task RenameRotationAndRecreationAreFollowed()
    {
        var path = _dir.File("a.log");
        File.WriteAllText(path, "1\n");
        await using var src = Make();
        src.AddFile(new LogFileOptions(path));
        await using var e = src.ReadAsync(_cts.Token).GetAsyncEnumerator();
        Assert.Equal(["1"], await Collect(e, 1));
        var pending = Collect(e, 3);
        Append(path, "2\n");
        File.Move(path, path + ".1");
        File.WriteAllText(path, "3\n");
        Append(path, "4\n");
        Assert.Equal(["2", "3", "4"], await pending);
    }

    [Fact]
    public async Task FileDeletedAndRecreatedLaterIsPickedUp()
    {
        var path = _dir.File("a.log");
        File.WriteAllText(path, "x\n");
        await using var src = Make();
        src.AddFile(new LogFileOptions(path));
        await using var e = src.ReadAsync(_cts.Token).GetAsyncEnumerator();
        Assert.Equal(["x"], await Collect(e, 1));
        var pending = Collect(e, 1);
        File.Delete(path);
        await Task.Delay(50);
        File.WriteAllText(path, "back\n");
        Assert.Equal(["back"], await pending);
    }
}

using System.Security.Cryptography;
using System.Text;
using Jail2Ban.Server.Logs;
using Jail2Ban.Server.Tests.Hosting;
using Microsoft.Extensions.Logging;

namespace Jail2Ban.Server.Tests.Logs;

public sealed class FileLogSourceTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly ManualPollTrigger _trigger = new();
    private readonly CapturingLoggerFactory _logs = new();
    private readonly CancellationTokenSource _cts = new();

    public void Dispose()
    {
        _cts.Cancel();
        _dir.Dispose();
    }

    private FileLogSource Polling(Func<string, DateTimeOffset?>? probe = null, int maxLines = 1000) =>
        new(new PollingMonitor(_trigger, _logs.CreateLogger("fail2ban.filterpoll")), _logs.CreateLogger("fail2ban.filter"), TimeProvider.System, probe, maxLines);

    private static void Append(string path, string text) => Append(path, Encoding.UTF8.GetBytes(text));

    private static void Append(string path, byte[] bytes)
    {
        using var fs = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        fs.Write(bytes);
    }

    private async Task<LogBatch> Step(IAsyncEnumerator<LogBatch> e)
    {
        _trigger.Tick();
        return await e.NextAsync();
    }

    [Fact]
    public async Task ABacklogIsReadWithGen0CollectionsButSteadyAppendsAreNot()
    {
        var path = _dir.File("burst.log");
        var line = new string('x', 200) + "\n";
        // 100,000 lines (40 MB of strings): more than twice BacklogCollectBytes while the backlog lasts.
        File.WriteAllText(path, string.Concat(Enumerable.Repeat(line, 100_000)));
        await using var src = Polling();
        src.AddFile(new LogFileOptions(path));
        await using var e = src.ReadAsync(_cts.Token).GetAsyncEnumerator();
        var lines = 0;
        while (lines < 100_000)
        {
            lines += ((FileLogBatch)await e.NextAsync()).Lines.Count;
        }
        Assert.Equal(100_000, lines);
        var afterBacklog = src.BacklogCollections;
        Assert.InRange(afterBacklog, 2, 40);

        // In operation, one small batch at a time: never a backlog, never an induced collection.
        for (var i = 0; i < 5; i++)
        {
            Append(path, line);
            Assert.Single(((FileLogBatch)await Step(e)).Lines);
        }
        Assert.Equal(afterBacklog, src.BacklogCollections);
    }

    [Fact]
    public async Task HeadReadsExistingLinesThenFollowsAppends()
    {
        var path = _dir.File("a.log");
        File.WriteAllText(path, "one\ntwo\n");
        await using var src = Polling();
        src.AddFile(new LogFileOptions(path));
        await using var e = src.ReadAsync(_cts.Token).GetAsyncEnumerator();
        var first = (FileLogBatch)await e.NextAsync();
        Assert.Equal(["one", "two"], first.Texts());
        Assert.Equal([0L, 4L], first.Lines.Select(l => l.Offset));
        Assert.False(first.InOperation);
        Assert.Equal(8, first.Position.Position);

        Append(path, "three\n");
        var second = (FileLogBatch)await Step(e);
        Assert.Equal(["three"], second.Texts());
        Assert.Equal(8, second.Lines[0].Offset);
        Assert.True(second.InOperation);
    }

    [Fact]
    public async Task TailStartsAtTheEndAndIsInOperation()
    {
        var path = _dir.File("a.log");
        File.WriteAllText(path, "old\n");
        await using var src = Polling();
        var pos = src.AddFile(new LogFileOptions(path, Tail: true));
        Assert.Equal(4, pos.Position);
        await using var e = src.ReadAsync(_cts.Token).GetAsyncEnumerator();
        Append(path, "new\n");
        var b = await Step(e);
        Assert.Equal(["new"], b.Texts());
        Assert.True(b.InOperation);
    }

    [Fact]
    public async Task IncompleteLastLineIsHeldBackUntilItsNewline()
    {
        var path = _dir.File("a.log");
        File.WriteAllText(path, "complete\npart");
        await using var src = Polling();
        src.AddFile(new LogFileOptions(path));
        await using var e = src.ReadAsync(_cts.Token).GetAsyncEnumerator();
        var b = (FileLogBatch)await e.NextAsync();
        Assert.Equal(["complete"], b.Texts());
        Assert.Equal(9, b.Position.Position);
        Append(path, "ial\r\n");
        Assert.Equal(["partial"], (await Step(e)).Texts());
    }

    [Fact]
    public async Task CrLfAndRunsOfLineEndCharactersAreStripped()
    {
        var path = _dir.File("a.log");
        File.WriteAllText(path, "a\r\nb\r\r\n\n c \n");
        await using var src = Polling();
        src.AddFile(new LogFileOptions(path));
        await using var e = src.ReadAsync(_cts.Token).GetAsyncEnumerator();
        Assert.Equal(["a", "b", "", " c "], (await e.NextAsync()).Texts());
    }

    [Fact]
    public async Task InvalidUtf8BecomesReplacementCharacterWithOneWarning()
    {
        var path = _dir.File("a.log");
        File.WriteAllBytes(path, [.. "bad "u8, 0xff, 0xfe, .. " x\n"u8, .. "also \xc3\n"u8.ToArray().Take(5), 0xc3, (byte)'\n', .. "ok é\n"u8]);
        await using var src = Polling();
        src.AddFile(new LogFileOptions(path));
        await using var e = src.ReadAsync(_cts.Token).GetAsyncEnumerator();
        var texts = (await e.NextAsync()).Texts();
        Assert.Equal(["bad \uFFFD\uFFFD x", "also \uFFFD", "ok é"], texts);
        var warnings = _logs.Entries.Where(x => x.Message.StartsWith("Error decoding line", StringComparison.Ordinal)).ToList();
        Assert.Equal(LogLevel.Warning, warnings[0].Level);
        Assert.Equal($"Error decoding line from '{path}' with 'utf-8'.", warnings[0].Message);
        Assert.All(warnings.Skip(1), w => Assert.Equal(LogLevel.Trace, w.Level));
    }

    [Fact]
    public async Task Latin1EncodingDecodesEveryByte()
    {
        var path = _dir.File("a.log");
        File.WriteAllBytes(path, [.. "caf"u8, 0xe9, (byte)'\n']);
        await using var src = Polling();
        src.SetEncoding("latin-1");
        src.AddFile(new LogFileOptions(path));
        await using var e = src.ReadAsync(_cts.Token).GetAsyncEnumerator();
        Assert.Equal(["café"], (await e.NextAsync()).Texts());
    }

    [Fact]
    public async Task Utf16LinesAreSplitOnTheEncodedNewline()
    {
        var path = _dir.File("a.log");
        // U+0A0A encodes as 0A 0A: a newline byte that is not a newline.
        File.WriteAllBytes(path, Encoding.Unicode.GetBytes("x\u0A0Ay\nz\n"));
        await using var src = Polling();
        src.SetEncoding("utf-16-le");
        src.AddFile(new LogFileOptions(path));
        await using var e = src.ReadAsync(_cts.Token).GetAsyncEnumerator();
        Assert.Equal(["x\u0A0Ay", "z"], (await e.NextAsync()).Texts());
    }

    [Fact]
    public void UnknownEncodingIsRejected()
    {
        var src = Polling();
        var ex = Assert.Throws<ArgumentException>(() => src.SetEncoding("klingon-8"));
        Assert.Equal("unknown encoding: klingon-8", ex.Message);
    }

    [Fact]
    public async Task RenameRotationReadsRestOfOldFileThenNewFileOnce()
    {
        var path = _dir.File("a.log");
        File.WriteAllText(path, "1\n2\n");
        await using var src = Polling();
        src.AddFile(new LogFileOptions(path));
        await using var e = src.ReadAsync(_cts.Token).GetAsyncEnumerator();
        Assert.Equal(["1", "2"], (await e.NextAsync()).Texts());

        // Written to the old file just before logrotate moves it away: must not be lost.
        Append(path, "3\n");
        File.Move(path, path + ".1");
        File.WriteAllText(path, "4\n5\n");
        var lines = new List<string>();
        while (lines.Count < 3)
        {
            lines.AddRange((await Step(e)).Texts());
        }
        Assert.Equal(["3", "4", "5"], lines);
        Assert.Contains(_logs.Messages, m => m.StartsWith("Log rotation detected for " + path, StringComparison.Ordinal));

        Append(path, "6\n");
        Assert.Equal(["6"], (await Step(e)).Texts());
        Append(path + ".1", "late write to old file\n");
        Append(path, "7\n");
        Assert.Equal(["7"], (await Step(e)).Texts());
    }

    [Fact]
    public async Task CopyTruncateIsDetectedEvenAfterTheFileGrewPastTheOldPosition()
    {
        var path = _dir.File("a.log");
        File.WriteAllText(path, "first line\nsecond\n");
        await using var src = Polling();
        src.AddFile(new LogFileOptions(path));
        await using var e = src.ReadAsync(_cts.Token).GetAsyncEnumerator();
        Assert.Equal(["first line", "second"], (await e.NextAsync()).Texts());

        File.Copy(path, path + ".1");
        using (var fs = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            fs.SetLength(0);
        }
        // The same inode grows beyond the old position before we look again.
        Append(path, "new first line after truncation\nnext\n");
        var b = (FileLogBatch)await Step(e);
        Assert.Equal(["new first line after truncation", "next"], b.Texts());
        Assert.Equal(0, b.Lines[0].Offset);
        Assert.Equal(Sha1("new first line after truncation\n"), b.Position.FirstLineHash);
    }

    [Fact]
    public async Task TruncationToShorterFileRestartsFromZero()
    {
        var path = _dir.File("a.log");
        File.WriteAllText(path, "aaaaaaaaaa\nbbbbbbbbbb\n");
        await using var src = Polling();
        src.AddFile(new LogFileOptions(path));
        await using var e = src.ReadAsync(_cts.Token).GetAsyncEnumerator();
        await e.NextAsync();
        File.WriteAllText(path, "c\n");
        Assert.Equal(["c"], (await Step(e)).Texts());
    }

    [Fact]
    public async Task SeveralFilesAreFollowedIndependently()
    {
        var a = _dir.File("a.log");
        var b = _dir.File("b.log");
        File.WriteAllText(a, "");
        File.WriteAllText(b, "");
        await using var src = Polling();
        src.AddFile(new LogFileOptions(a));
        src.AddFile(new LogFileOptions(b));
        Assert.Equal([a, b], src.Files.Select(f => f.Path));
        await using var e = src.ReadAsync(_cts.Token).GetAsyncEnumerator();
        Append(a, "from a\n");
        Append(b, "from b\n");
        var seen = new Dictionary<string, string[]>();
        seen[(await Step(e)).Source] = e.Current.Texts();
        if (seen.Count < 2)
        {
            seen[(await Step(e)).Source] = e.Current.Texts();
        }
        Assert.Equal(["from a"], seen[a]);
        Assert.Equal(["from b"], seen[b]);
        Assert.True(src.RemoveFile(a));
        Assert.False(src.RemoveFile(a));
        Assert.Equal([b], src.Files.Select(f => f.Path));
    }

    [Fact]
    public void AddingMissingOrDuplicateFileFailsLikeFail2Ban()
    {
        var src = Polling();
        var missing = _dir.File("nope.log");
        var ex = Assert.Throws<FileNotFoundException>(() => src.AddFile(new LogFileOptions(missing)));
        Assert.Equal($"[Errno 2] No such file or directory: '{missing}'", ex.Message);
        var path = _dir.File("a.log");
        File.WriteAllText(path, "x\n");
        src.AddFile(new LogFileOptions(path));
        Assert.Throws<InvalidOperationException>(() => src.AddFile(new LogFileOptions(path)));
        Assert.Contains(path + " already exists", _logs.Messages);
        Assert.Contains($"Added logfile: '{path}' (pos = 0, hash = {Sha1("x\n")})", _logs.Messages);
    }

    [Theory]
    [InlineData("line one\nline two\n", true)]
    [InlineData("no newline yet", false)]
    [InlineData("", false)]
    public void FirstLineHashIsSha1OfTheCompleteFirstLine(string content, bool complete)
    {
        var path = _dir.File("h.log");
        File.WriteAllText(path, content);
        var src = Polling();
        var pos = src.AddFile(new LogFileOptions(path));
        Assert.Equal(complete ? Sha1(content[..(content.IndexOf('\n') + 1)]) : "", pos.FirstLineHash);
    }

    [Fact]
    public async Task StoredPositionIsUsedOnlyWhenTheHashMatches()
    {
        var path = _dir.File("a.log");
        File.WriteAllText(path, "head\nseen\nunseen\n");
        await using (var src = Polling())
        {
            var pos = src.AddFile(new LogFileOptions(path, Stored: new StoredLogPosition(10, Sha1("head\n"))));
            Assert.Equal(10, pos.Position);
            await using var e = src.ReadAsync(_cts.Token).GetAsyncEnumerator();
            Assert.Equal(["unseen"], (await e.NextAsync()).Texts());
        }
        await using (var src = Polling())
        {
            var pos = src.AddFile(new LogFileOptions(path, Stored: new StoredLogPosition(10, Sha1("other\n"))));
            Assert.Equal(0, pos.Position);
        }
        await using (var src = Polling())
        {
            // tail ignores the stored position
            var pos = src.AddFile(new LogFileOptions(path, Tail: true, Stored: new StoredLogPosition(10, Sha1("head\n"))));
            Assert.Equal(17, pos.Position);
        }
    }

    [Fact]
    public async Task HeadSeeksToFirstLineAtOrAfterTheStartTime()
    {
        var path = _dir.File("a.log");
        var sb = new StringBuilder();
        for (var i = 0; i < 500; i++)
        {
            sb.Append(i.ToString("D6")).Append(" message number ").Append(i).Append('\n');
            if (i % 7 == 0)
            {
                sb.Append("undated continuation\n");
            }
        }
        File.WriteAllText(path, sb.ToString());
        var probes = 0;
        DateTimeOffset? Probe(string line)
        {
            probes++;
            return line.Length >= 6 && int.TryParse(line[..6], out var n) ? DateTimeOffset.UnixEpoch.AddSeconds(n) : null;
        }
        await using var src = Polling(Probe);
        src.AddFile(new LogFileOptions(path, SeekTo: DateTimeOffset.UnixEpoch.AddSeconds(321)));
        await using var e = src.ReadAsync(_cts.Token).GetAsyncEnumerator();
        var texts = (await e.NextAsync()).Texts();
        Assert.StartsWith("000321 ", texts[0]);
        Assert.Equal(500 - 321 + (499 / 7 - 321 / 7), texts.Length);
        Assert.True(probes < 100, $"bisection used {probes} probes");
    }

    [Fact]
    public async Task LongBacklogComesInBoundedBatchesAllNotInOperation()
    {
        var path = _dir.File("a.log");
        File.WriteAllText(path, string.Concat(Enumerable.Range(0, 25).Select(i => $"l{i}\n")));
        await using var src = Polling(maxLines: 10);
        src.AddFile(new LogFileOptions(path));
        await using var e = src.ReadAsync(_cts.Token).GetAsyncEnumerator();
        var b1 = await e.NextAsync();
        var b2 = await e.NextAsync();
        var b3 = await e.NextAsync();
        Assert.Equal([10, 10, 5], new[] { b1, b2, b3 }.Select(b => b.Texts().Length));
        Assert.All(new[] { b1, b2, b3 }, b => Assert.False(b.InOperation));
        Append(path, "live\n");
        var b4 = await Step(e);
        Assert.True(b4.InOperation);
    }

    [Fact]
    public async Task OverlongLineIsDeliveredInPieces()
    {
        var path = _dir.File("a.log");
        var big = new string('x', LogFileReader.MaxLineBytes + 10);
        File.WriteAllText(path, big + "\nafter\n");
        await using var src = Polling();
        src.AddFile(new LogFileOptions(path));
        await using var e = src.ReadAsync(_cts.Token).GetAsyncEnumerator();
        var texts = (await e.NextAsync()).Texts();
        Assert.Equal(LogFileReader.MaxLineBytes, texts[0].Length);
        Assert.Equal(new string('x', 10), texts[1]);
        Assert.Equal("after", texts[2]);
    }

    [Fact]
    public void PollingMonitorGivesUpAfterFiftyFailedStats()
    {
        var path = _dir.File("gone.log");
        File.WriteAllText(path, "x\n");
        var log = _logs.CreateLogger("fail2ban.filterpoll");
        var m = new PollingMonitor(_trigger, log);
        m.Add(path);
        Assert.Equal([path], m.Check().Changed);
        Assert.Empty(m.Check().Changed);
        File.Delete(path);
        for (var i = 0; i < 50; i++)
        {
            Assert.Empty(m.Check().GivenUp);
        }
        Assert.Equal([path], m.Check().GivenUp);
        Assert.Contains($"Too many errors. Remove file '{path}' from monitoring process", _logs.Messages);
    }

    [Fact]
    public void ChangeOnlyChecksNeitherCountNorLogAMissingFile()
    {
        var path = _dir.File("gone.log");
        File.WriteAllText(path, "x\n");
        var m = new PollingMonitor(_trigger, _logs.CreateLogger("fail2ban.filterpoll"));
        m.Add(path);
        Assert.Equal([path], m.Check().Changed);
        File.Delete(path);
        for (var i = 0; i < 200; i++)
        {
            Assert.Empty(m.Check(full: false).GivenUp);
        }
        Assert.DoesNotContain(_logs.Messages, t => t.Contains("Log absence", StringComparison.Ordinal));
        // A change-only check still reports the file coming back changed.
        File.WriteAllText(path, "y\n");
        Assert.Equal([path], m.Check(full: false).Changed);
    }

    [Fact]
    public async Task PollingChecksEveryFifthOfASecondButGivesUpOnFail2bansSchedule()
    {
        var path = _dir.File("gone.log");
        File.WriteAllText(path, "x\n");
        using var m = new PollingMonitor(_trigger, _logs.CreateLogger("fail2ban.filterpoll"));
        m.Add(path);
        Assert.Equal([path], (await m.WaitAsync(_cts.Token)).Changed);

        // An append is seen at the next tick wherever the loop is in fail2ban's 0.2/0.4/0.6/0.8 s steps.
        var wait = m.WaitAsync(_cts.Token).AsTask();
        for (var i = 0; i < 7; i++)
        {
            _trigger.Tick();
        }
        await WaitUntil(() => _trigger.Waits == 8);
        Append(path, "more\n");
        _trigger.Tick();
        Assert.Equal([path], (await wait).Changed);
        Assert.All(_trigger.Suggested, d => Assert.Equal(TimeSpan.FromSeconds(0.2), d));

        // Gone: the 51st failed full check gives up. Full checks fall at ticks 0, 1, 3, 6 of every
        // 10 (0, 0.2, 0.6, 1.2 s of each 2 s), so that is tick 10 * 12 + 3 = 123 (24.6 s).
        File.Delete(path);
        var waits = _trigger.Waits;
        wait = m.WaitAsync(_cts.Token).AsTask();
        while (!wait.IsCompleted)
        {
            await WaitUntil(() => _trigger.Waits > waits || wait.IsCompleted);
            waits = _trigger.Waits;
            if (!wait.IsCompleted)
            {
                _trigger.Tick();
            }
        }
        Assert.Equal([path], (await wait).GivenUp);
        Assert.Equal(8 + 123, _trigger.Waits);
        Assert.Equal(2, _logs.Messages.Count(t => t.Contains("Log absence", StringComparison.Ordinal)));
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (var i = 0; i < 1000 && !condition(); i++)
        {
            await Task.Delay(5);
        }
        Assert.True(condition());
    }

    internal static string Sha1(string s) => Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(s)));
}

namespace Jail2Ban.Protocol.Tests;

public sealed class FramingTests
{
    /// <summary>A stream that returns at most <c>chunk</c> bytes per read, to split terminators.</summary>
    private sealed class TrickleStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(chunk, buffer.Length)], cancellationToken);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(16)]
    [InlineData(4096)]
    public async Task SplitsFramesWhateverTheReadSizes(int chunk)
    {
        var data = "abc<F2B_END_COMMAND><F2B_END_COMMAND>xyz<F2B_END_COMMAND>"u8.ToArray();
        var reader = new FrameReader(new TrickleStream(data, chunk));
        var end = Framing.End.ToArray();
        Assert.Equal("abc"u8.ToArray(), await reader.ReadFrameAsync(end, default));
        Assert.Equal(Array.Empty<byte>(), await reader.ReadFrameAsync(end, default));
        Assert.Equal("xyz"u8.ToArray(), await reader.ReadFrameAsync(end, default));
        Assert.Null(await reader.ReadFrameAsync(end, default));
    }

    [Fact]
    public async Task TruncatedFrameIsAnError()
    {
        var reader = new FrameReader(new MemoryStream("abc<F2B_END_COMM"u8.ToArray()));
        await Assert.ThrowsAsync<EndOfStreamException>(() => reader.ReadFrameAsync(Framing.End.ToArray(), default).AsTask());
    }

    [Fact]
    public async Task EndlessFrameHitsTheLimit()
    {
        var reader = new FrameReader(new TrickleStream(new byte[100_000], 1000), maxFrame: 10_000);
        await Assert.ThrowsAsync<FrameTooLargeException>(() => reader.ReadFrameAsync(Framing.End.ToArray(), default).AsTask());
    }
}

using System.Net.Sockets;
using Jail2Ban.Protocol;
using Jail2Ban.Protocol.Pickle;
using Jail2Ban.Protocol.Values;
using Jail2Ban.Server.Control;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jail2Ban.Server.Tests.Control;

public sealed class ControlSocketServiceTests
{
    [Fact]
    public async Task ServesBetweenStartAndStopThenRemovesTheSocket()
    {
        var dir = Directory.CreateTempSubdirectory("j2b-svc-").FullName;
        var sock = Path.Combine(dir, "sub", "f2b.sock"); // parent directory is created on start
        try
        {
            var service = new ControlSocketService(new ControlListenerOptions(sock), new FakeServerControl(), TimeProvider.System, NullLoggerFactory.Instance);
            await service.StartAsync(default);
            using (var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
            {
                await s.ConnectAsync(new UnixDomainSocketEndPoint(sock));
                await s.SendAsync(PickleWriter.Write(new List<object?> { "version" }).Concat(Framing.End.ToArray()).ToArray());
                var frame = await new FrameReader(new NetworkStream(s)).ReadFrameAsync(Framing.End.ToArray(), default);
                Assert.Equal("(0, '1.0.2')", PyRepr.Repr(PickleReader.Read(frame)));
            }
            await service.StopAsync(default);
            Assert.False(File.Exists(sock));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

using System.Net.Sockets;
using System.Text;
using Jail2Ban.Protocol;
using Jail2Ban.Protocol.Json;
using Jail2Ban.Protocol.Pickle;
using Jail2Ban.Protocol.Values;
using Jail2Ban.Server.Control;

namespace Jail2Ban.Server.Tests.Control;

public sealed class ControlListenerTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "j2b-ctl-" + Guid.NewGuid().ToString("N")[..8]);
    private string Sock => Path.Combine(_dir, "s.sock");

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_dir, recursive: true);
        return Task.CompletedTask;
    }

    private ControlListener Listen(FakeServerControl? fake = null, bool force = false)
    {
        var l = new ControlListener(new ControlListenerOptions(Sock, force),
            new ControlDispatcher(fake ?? FakeServerControl.GoldenScenario("^x <HOST>$")));
        l.Start();
        return l;
    }

    private async Task<Socket> Connect()
    {
        var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await s.ConnectAsync(new UnixDomainSocketEndPoint(Sock));
        return s;
    }

    private static async Task<byte[]> PickleRoundTrip(Socket s, byte[] request)
    {
        await s.SendAsync(request.Concat(Framing.End.ToArray()).ToArray());
        var reader = new FrameReader(new NetworkStream(s, ownsSocket: false));
        return await reader.ReadFrameAsync(Framing.End.ToArray(), default) ?? throw new EndOfStreamException();
    }

    [Fact]
    public async Task SocketFileIsPrivateAndRemovedOnDispose()
    {
        await using (Listen())
        {
            if (!OperatingSystem.IsWindows())
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Sock));
            Assert.Equal([Sock], Directory.GetFiles(_dir)); // no temp name left behind
        }
        Assert.False(File.Exists(Sock));
    }

    [Fact]
    public async Task PythonClientBytesGetPythonServerBytes()
    {
        // Request and reply are the exact bytes CPython writes (fixtures from make_fixtures.py).
        await using var l = Listen();
        using var s = await Connect();
        var reply = await PickleRoundTrip(s, Fixture("req_ping"));
        Assert.Equal(Convert.ToHexString(Fixture("rep_pong")), Convert.ToHexString(reply));
        // same connection, second request
        reply = await PickleRoundTrip(s, PickleWriter.Write(new List<object?> { "status", "nosuch" }));
        Assert.Equal(Convert.ToHexString(Fixture("rep_unknown_jail")), Convert.ToHexString(reply));
    }

    private static byte[] Fixture(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var f = Path.Combine(dir.FullName, "tests", "Jail2Ban.Protocol.Tests", "Fixtures", name + ".hex");
            if (File.Exists(f))
                return Convert.FromHexString(File.ReadAllText(f).Trim());
        }
        throw new FileNotFoundException(name);
    }

    [Fact]
    public async Task UndecodablePickleGetsBareErrorString()
    {
        await using var l = Listen();
        using var s = await Connect();
        var reply = PickleReader.Read(await PickleRoundTrip(s, Convert.FromHexString("8002630a")));
        Assert.IsType<string>(reply);
        Assert.StartsWith("ERROR: ", (string)reply!);
        // the connection survives
        Assert.Equal(Convert.ToHexString(Fixture("rep_pong")), Convert.ToHexString(await PickleRoundTrip(s, Fixture("req_ping"))));
    }

    [Fact]
    public async Task JsonClientIsRecognisedByItsFirstByte()
    {
        await using var l = Listen();
        using var s = await Connect();
        await using var stream = new NetworkStream(s);
        var reader = new FrameReader(stream);
        await stream.WriteAsync(JsonWire.EncodeRequest(["status", "test", "short"]));
        var reply = JsonWire.DecodeResponse(await reader.ReadFrameAsync("\n"u8.ToArray(), default));
        Assert.False(reply.IsError);
        Assert.Contains("('Total banned', 2)", PyRepr.Repr(reply.Value));
        await stream.WriteAsync("{not json}\n"u8.ToArray());
        reply = JsonWire.DecodeResponse(await reader.ReadFrameAsync("\n"u8.ToArray(), default));
        Assert.True(reply.IsError);
        Assert.Equal("ValueError", reply.Error!.Name);
    }

    [Fact]
    public async Task CloseCommandEndsTheConnection()
    {
        await using var l = Listen();
        using var s = await Connect();
        await s.SendAsync(Encoding.ASCII.GetBytes("<F2B_CLOSE_COMMAND><F2B_END_COMMAND>"));
        var buffer = new byte[16];
        var n = await s.ReceiveAsync(buffer.AsMemory()).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(0, n);
    }

    [Fact]
    public async Task ConcurrentClientsAreAllServed()
    {
        await using var l = Listen();
        var tasks = Enumerable.Range(0, 24).Select(async i =>
        {
            using var s = await Connect();
            for (var k = 0; k < 10; k++)
            {
                var reply = PickleReader.Read(await PickleRoundTrip(s, PickleWriter.Write(new List<object?> { "echo", $"c{i}", $"{k}" })));
                Assert.Equal($"(0, ['c{i}', '{k}'])", PyRepr.Repr(reply));
            }
        });
        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task RequestsDuringShutdownAreAnsweredWithShutdown()
    {
        await using var l = Listen();
        using var s = await Connect();
        await PickleRoundTrip(s, Fixture("req_ping")); // connection fully accepted
        l.BeginShutdown();
        Assert.Equal("['SHUTDOWN']", PyRepr.Repr(PickleReader.Read(await PickleRoundTrip(s, Fixture("req_ping")))));
    }

    [Fact]
    public async Task LiveSocketIsNeverTakenOver()
    {
        await using var first = Listen();
        var e = Assert.Throws<ControlSocketInUseException>(() => Listen(force: true));
        Assert.Contains("already running", e.Message);
    }

    [Fact]
    public async Task StaleSocketNeedsForce()
    {
        // a dead socket file: bound, then the owner went away without removing it
        // (.NET removes the file when a bound socket is disposed, so let python leave one behind.)
        using (var py = System.Diagnostics.Process.Start("python3", ["-c", $"import socket; socket.socket(socket.AF_UNIX).bind('{Sock}')"]))
            await py.WaitForExitAsync();
        Assert.True(File.Exists(Sock));
        var e = Assert.Throws<ControlSocketInUseException>(() => Listen());
        Assert.Contains("-x", e.Message);
        await using var l = Listen(force: true);
        using var s = await Connect();
        Assert.Equal(Convert.ToHexString(Fixture("rep_pong")), Convert.ToHexString(await PickleRoundTrip(s, Fixture("req_ping"))));
    }

    [Fact]
    public async Task OversizedRequestClosesOnlyThatConnection()
    {
        var l = new ControlListener(new ControlListenerOptions(Sock) { MaxRequestBytes = 1024 },
            new ControlDispatcher(FakeServerControl.GoldenScenario("^x <HOST>$")));
        l.Start();
        await using (l)
        {
            using (var s = await Connect())
            {
                await s.SendAsync(new byte[] { 0x80 }.Concat(new byte[8192]).ToArray());
                try
                {
                    var n = await s.ReceiveAsync(new byte[16].AsMemory()).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
                    Assert.Equal(0, n);
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
                {
                    // closed with unread data pending: the peer sees a reset, which is fine
                }
            }
            using var ok = await Connect();
            Assert.Equal(Convert.ToHexString(Fixture("rep_pong")), Convert.ToHexString(await PickleRoundTrip(ok, Fixture("req_ping"))));
        }
    }
}

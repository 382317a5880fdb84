using System.Text;
using Jail2Ban.Protocol.Json;
using Jail2Ban.Protocol.Values;

namespace Jail2Ban.Protocol.Tests.Json;

public sealed class JsonWireTests
{
    public static TheoryData<string> Values() => [.. Pickle.PickleFixtureTests.Expected.Keys.Where(k => k.StartsWith("rep_", StringComparison.Ordinal) && k != "rep_bare_error")];

    [Theory]
    [MemberData(nameof(Values))]
    public void ResponsesRoundTripLosslessly(string fixture)
    {
        var reply = ControlReply.FromTuple(Pickle.PickleFixtureTests.Expected[fixture]);
        var line = JsonWire.EncodeResponse(reply);
        Assert.Equal((byte)'\n', line[^1]);
        Assert.DoesNotContain((byte)'\n', line[..^1]);
        var back = JsonWire.DecodeResponse(line.AsSpan(0, line.Length - 1));
        Assert.Equal(reply.IsError, back.IsError);
        Assert.True(PyEquality.ValueEqual(reply.Value, back.Value), $"{PyRepr.Repr(reply.Value)} != {PyRepr.Repr(back.Value)}");
    }

    [Fact]
    public void FloatsStayFloats()
    {
        var line = JsonWire.EncodeResponse(ControlReply.Ok(2629800.0));
        Assert.Contains("2629800.0", Encoding.UTF8.GetString(line));
        Assert.IsType<double>(JsonWire.DecodeResponse(line).Value);
        Assert.IsType<long>(JsonWire.DecodeResponse(JsonWire.EncodeResponse(ControlReply.Ok(5L))).Value);
    }

    [Fact]
    public void RequestRoundTripKeepsNestedLists()
    {
        List<object?> cmd = ["server-stream", new List<object?> { new List<object?> { "start", "sshd" } }];
        var decoded = JsonWire.DecodeRequest(JsonWire.EncodeRequest(cmd));
        Assert.True(PyEquality.ValueEqual(cmd, decoded));
    }

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("{\"command\":\"ping\"}")]
    [InlineData("{\"command\":[{\"$evil\":1}]}")]
    [InlineData("{\"command\":[")]
    [InlineData("{\"command\":[{\"$dict\":[[1]]}]}")]
    public void BadRequestsAreRejectedWithJsonWireException(string text) =>
        Assert.Throws<JsonWireException>(() => JsonWire.DecodeRequest(Encoding.UTF8.GetBytes(text)));

    [Fact]
    public void DeepNestingIsRejected()
    {
        var text = "{\"command\":" + new string('[', 500) + new string(']', 500) + "}";
        Assert.Throws<JsonWireException>(() => JsonWire.DecodeRequest(Encoding.UTF8.GetBytes(text)));
    }
}

using Jail2Ban.Protocol.Values;
using Jail2Ban.Server.Control;

namespace Jail2Ban.Server.Tests.Control;

/// <summary>Control commands through the dispatcher as the socket would send them, with the reply as text.</summary>
internal static class DispatchText
{
    /// <summary>The reply's Python repr, prefixed "ERR " for an error reply.</summary>
    public static async Task<string> Run(ControlDispatcher d, params object?[] cmd) => Text(await d.DispatchAsync(cmd.ToList()));

    public static string Text(Jail2Ban.Protocol.ControlReply reply) => (reply.IsError ? "ERR " : "") + PyRepr.Repr(reply.Value);

    /// <summary>The message the clients print for an error reply (Python's str(exception)); fails on a success.</summary>
    public static async Task<string> Error(ControlDispatcher d, params object?[] cmd)
    {
        var reply = await d.DispatchAsync(cmd.ToList());
        Assert.True(reply.IsError, "expected an error, got " + PyRepr.Repr(reply.Value));
        return reply.Error!.Message;
    }
}

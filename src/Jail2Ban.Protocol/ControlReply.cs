using Jail2Ban.Protocol.Values;

namespace Jail2Ban.Protocol;

/// <summary>
/// The answer to one command: fail2ban's <c>(0, value)</c> on success or <c>(1, exception)</c> on
/// failure. <see cref="Value"/> uses the wire value model described on <see cref="PyTuple"/>.
/// </summary>
public sealed record ControlReply(bool IsError, object? Value)
{
    public static ControlReply Ok(object? value) => new(false, value);

    public static ControlReply Fail(PyException error) => new(true, error);

    public PyException? Error => IsError ? Value as PyException : null;

    /// <summary>The reply as the Python transmitter returns it: a 2-tuple (code, value).</summary>
    public PyTuple ToTuple() => PyTuple.Of(IsError ? 1L : 0L, Value);

    /// <summary>Interprets a decoded <c>(code, value)</c> tuple; anything else is a protocol error.</summary>
    public static ControlReply FromTuple(object? decoded)
    {
        if (decoded is PyTuple { Count: 2 } t && t[0] is long code)
        {
            if (code == 0)
                return Ok(t[1]);
            return Fail(t[1] as PyException ?? PyException.Builtin("Exception", PyRepr.Str(t[1])));
        }
        // fail2ban answers an undecodable request with a bare "ERROR: ..." string, and a request
        // that arrives during shutdown with ['SHUTDOWN'].
        return Fail(PyException.Builtin("Exception", PyRepr.Str(decoded)));
    }
}

using Jail2Ban.Protocol.Values;

namespace Jail2Ban.Server.Control;

/// <summary>
/// A command failure with the Python exception class fail2ban would have raised, so both the
/// Python client (which re-creates the class) and j2b-client render the same message.
/// </summary>
public sealed class ControlCommandException(PyException error) : Exception(error.Message)
{
    public PyException Error { get; } = error;

    public static ControlCommandException UnknownJail(string jail) => new(PyException.UnknownJail(jail));

    public static ControlCommandException DuplicateJail(string jail) => new(PyException.DuplicateJail(jail));

    /// <summary>A plain <c>Exception(message)</c> (fail2ban's "Invalid command ..." errors).</summary>
    public static ControlCommandException Invalid(string message) => new(PyException.Builtin("Exception", message));

    public static ControlCommandException ValueError(string message) => new(PyException.Builtin("ValueError", message));

    public static ControlCommandException KeyError(string message) => new(PyException.Builtin("KeyError", message));

    public static ControlCommandException AttributeError(string message) => new(PyException.Builtin("AttributeError", message));

    public static ControlCommandException TypeError(string message) => new(PyException.Builtin("TypeError", message));

    /// <summary>fail2ban's <c>RegexException</c> (a bad failregex/ignoreregex/prefregex): the Python client can import it.</summary>
    public static ControlCommandException RegexError(string message) => new(new PyException("fail2ban.server.failregex", "RegexException", [message]));

    public static ControlCommandException IndexError() => new(PyException.Builtin("IndexError", "list index out of range"));
}

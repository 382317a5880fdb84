namespace Jail2Ban.Protocol.Pickle;

/// <summary>A pickle that is malformed, truncated, too large or uses an opcode we refuse.</summary>
public sealed class PickleException(string message) : Exception(message);

namespace Jail2Ban.Server.Logging;

/// <summary>One message for the server's own log.</summary>
/// <param name="Time">When it was emitted (rendered in the host's local zone).</param>
/// <param name="Logger">Logger name, e.g. <c>fail2ban.actions</c>.</param>
/// <param name="Level">fail2ban numeric level (<see cref="LogLevels"/>).</param>
/// <param name="Message">The final message text.</param>
public sealed record LogRecord(DateTimeOffset Time, string Logger, int Level, string Message);

using System.Globalization;

namespace Jail2Ban.Client.Output;

/// <summary>
/// fail2ban-client's stderr log: <c>&lt;asctime&gt; fail2ban                [&lt;pid&gt;]: ERROR   message</c>.
/// The threshold follows -v/-q: ≤0 ERROR, 1 (default) WARNING, 2 INFO, ≥3 DEBUG.
/// </summary>
internal sealed class ClientLog(TextWriter stderr, int verbosity, TimeProvider time)
{
    public enum Level { Debug = 10, Info = 20, Warning = 30, Error = 40 }

    private readonly Level _threshold = verbosity switch
    {
        <= 0 => Level.Error,
        1 => Level.Warning,
        2 => Level.Info,
        _ => Level.Debug,
    };

    public void Error(string message) => Write(Level.Error, message);

    public void Warning(string message) => Write(Level.Warning, message);

    public void Info(string message) => Write(Level.Info, message);

    public void Debug(string message) => Write(Level.Debug, message);

    private void Write(Level level, string message)
    {
        if (level < _threshold)
            return;
        var now = time.GetLocalNow();
        var name = level switch
        {
            Level.Error => "ERROR",
            Level.Warning => "WARNING",
            Level.Info => "INFO",
            _ => "DEBUG",
        };
        stderr.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{now:yyyy-MM-dd HH:mm:ss},{now.Millisecond:000} {"fail2ban",-24}[{Environment.ProcessId}]: {name,-7} {message}"));
    }
}

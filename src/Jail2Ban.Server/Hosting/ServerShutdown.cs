using Jail2Ban.Server.Logging;

namespace Jail2Ban.Server.Hosting;

/// <summary>
/// The first step of a shutdown, shared by the <c>stop</c> command and by the host's stop
/// (signals, failed configuration): sd_notify STOPPING and "Shutdown in progress...", once.
/// <c>stop</c> announces it before it stops the jails inside the command, as fail2ban's
/// <c>server.quit()</c> does, so that the reply comes after the unban and actionstop commands
/// have run; the host's stop that follows does not announce it again.
/// </summary>
public sealed class ServerShutdown(ServerLog log, SdNotify notify)
{
    private int _announced;

    public bool Announced => Volatile.Read(ref _announced) != 0;

    /// <summary>Announces the shutdown; false when it was announced already.</summary>
    public bool Announce()
    {
        if (Interlocked.Exchange(ref _announced, 1) != 0)
        {
            return false;
        }
        notify.Stopping();
        log.Log("fail2ban.server", LogLevels.Info, "Shutdown in progress...");
        return true;
    }
}

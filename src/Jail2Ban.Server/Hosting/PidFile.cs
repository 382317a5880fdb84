using System.Globalization;
using Jail2Ban.Server.Logging;

namespace Jail2Ban.Server.Hosting;

/// <summary>
/// fail2ban's pid file: <c>&lt;pid&gt;\n</c>, the last directory level created when the path is
/// absolute; failures are logged, never fatal. Removed at exit.
/// </summary>
public sealed class PidFile(string path, ServerLog log)
{
    public string Path { get; } = path;

    public bool Write(int pid)
    {
        try
        {
            log.Log("fail2ban.server", LogLevels.Debug, $"Creating PID file {Path}");
            DirectoryHelper.MakeLastLevel(Path);
            File.WriteAllText(Path, pid.ToString(CultureInfo.InvariantCulture) + "\n");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.Log("fail2ban.server", LogLevels.Error, $"Unable to create PID file: {e.Message}");
            return false;
        }
    }

    public void Remove()
    {
        try
        {
            log.Log("fail2ban.server", LogLevels.Debug, $"Remove PID file {Path}");
            File.Delete(Path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.Log("fail2ban.server", LogLevels.Error, $"Unable to remove PID file: {e.Message}");
        }
    }
}

internal static class DirectoryHelper
{
    /// <summary>Creates the parent directory of an absolute path (last level only), mode 0700 under umask 077.</summary>
    public static void MakeLastLevel(string file)
    {
        var dir = Path.GetDirectoryName(file);
        if (string.IsNullOrEmpty(dir) || !Path.IsPathRooted(dir) || Directory.Exists(dir))
        {
            return;
        }
        try
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(dir);
            }
            else
            {
                Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }
        catch (IOException)
        {
            // Like fail2ban: a failure shows up when the file itself is created.
        }
    }
}

/// <summary>Why the server could not start (fail2ban's ServerInitializationError / AsyncServerException).</summary>
public sealed class ServerStartException(string message) : Exception(message);

/// <summary>
/// What to do with an existing control-socket file before binding (the listener itself belongs
/// to the protocol area): fail2ban refuses with "Server already running" unless forced (-x), in
/// which case the stale file is removed. The parent directory is created on demand.
/// </summary>
public static class SocketFilePolicy
{
    public static void Prepare(string socketPath, bool force, ServerLog log)
    {
        DirectoryHelper.MakeLastLevel(socketPath);
        if (!File.Exists(socketPath) && !Directory.Exists(socketPath))
        {
            return;
        }
        log.Log("fail2ban.asyncserver", LogLevels.Error, "Fail2ban seems to be already running");
        if (!force)
        {
            log.Log("fail2ban.server", LogLevels.Error, "Could not start server: Server already running");
            throw new ServerStartException("Server already running");
        }
        log.Log("fail2ban.asyncserver", LogLevels.Warning, "Forcing execution of the server");
        try
        {
            File.Delete(socketPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ServerStartException($"Unable to remove socket {socketPath}: {e.Message}");
        }
    }
}

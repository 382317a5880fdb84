using System.Diagnostics;

namespace Jail2Ban.Client;

/// <summary>
/// "j2b-client start": launches j2b-server in the background (found next to j2b-client, else on
/// PATH), forwarding the options fail2ban-client forwards to fail2ban-server.
/// </summary>
internal static class ServerLauncher
{
    public static Process? Launch(ClientSettings s)
    {
        var exe = Find();
        if (exe is null)
            return null;
        var psi = new ProcessStartInfo(exe)
        {
            UseShellExecute = false,
            RedirectStandardInput = true, // detach from our terminal input
        };
        psi.ArgumentList.Add("-b");
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(s.ConfDir);
        psi.ArgumentList.Add("-s");
        psi.ArgumentList.Add(s.SocketPath);
        psi.ArgumentList.Add("-p");
        psi.ArgumentList.Add(s.PidFile);
        if (s.Force)
            psi.ArgumentList.Add("-x");
        for (var i = 1; i < s.Verbosity; i++)
            psi.ArgumentList.Add("-v");
        if (s.LogLevel is not null)
        {
            psi.ArgumentList.Add("--loglevel");
            psi.ArgumentList.Add(s.LogLevel);
        }
        if (s.LogTarget is not null)
        {
            psi.ArgumentList.Add("--logtarget");
            psi.ArgumentList.Add(s.LogTarget);
        }
        if (s.SyslogSocket is not null)
        {
            psi.ArgumentList.Add("--syslogsocket");
            psi.ArgumentList.Add(s.SyslogSocket);
        }
        return Process.Start(psi);
    }

    private static string? Find()
    {
        var local = Path.Combine(AppContext.BaseDirectory, "j2b-server");
        if (File.Exists(local))
            return local;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, "j2b-server");
            if (File.Exists(candidate))
                return candidate;
        }
        return null;
    }
}

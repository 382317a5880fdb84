using System.Diagnostics;
using Jail2Ban.Server;
using Jail2Ban.Server.Hosting;
using Jail2Ban.Server.Jails;
using Hosting = Jail2Ban.Server.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Jail2Ban.ServerHost;

/// <summary>What j2b-server does for each <see cref="ServerAction"/>.</summary>
internal static class ServerCommands
{
    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var parsed = ServerCommandLine.Parse(args);
        if (parsed.Options is not { } options)
        {
            if (parsed.ShowUsage)
            {
                await stdout.WriteAsync(Usage()).ConfigureAwait(false);
            }
            await stderr.WriteLineAsync("ERROR: " + parsed.Error).ConfigureAwait(false);
            return 255;
        }
        switch (options.Action)
        {
            case ServerAction.Help:
                await stdout.WriteAsync(Usage()).ConfigureAwait(false);
                return 0;
            case ServerAction.ShortVersion:
                await stdout.WriteLineAsync(ServerInfo.Version).ConfigureAwait(false);
                return 0;
            case ServerAction.Version:
                await stdout.WriteLineAsync("Jail2Ban v" + ServerInfo.Version).ConfigureAwait(false);
                return 0;
            case ServerAction.Str2Sec:
            case ServerAction.Client:
                // fail2ban-server shares the client's parser and acts as the client for these.
                return await RunClientAsync(args, stderr, cancellationToken).ConfigureAwait(false);
        }
        var settings = ServerSettings.Resolve(options, JailRuntimeRegistration.ReadServerDefinition(options.ConfDir));
        if (options.Test)
        {
            using var testHost = Hosting.ServerHost.CreateBuilder(options, settings with { LogTarget = "STDERR" }, configure: s => s.AddJailRuntime()).Build();
            return await testHost.Services.GetRequiredService<IServerConfigurator>().TestAsync(options, stdout, cancellationToken).ConfigureAwait(false);
        }
        // Set by Daemonize for the re-started copy of ourselves; not passed on to actions.
        var daemonChild = Environment.GetEnvironmentVariable(DaemonChildVariable) == "1";
        Environment.SetEnvironmentVariable(DaemonChildVariable, null);
        if (options.Background && !daemonChild)
        {
            return await Daemonize(args, settings, stderr, cancellationToken).ConfigureAwait(false);
        }
        NativeProcess.SetUmask(0x3F); // 077: socket, pid file and DB for the owner only
        NativeProcess.SetName(settings.PName);
        using var host = Hosting.ServerHost.CreateBuilder(options, settings, configure: s => s.AddJailRuntime()).Build();
        return await Hosting.ServerHost.RunAsync(host, cancellationToken).ConfigureAwait(false);
    }

    private const string DaemonChildVariable = "J2B_DAEMON_CHILD";

    /// <summary>
    /// -b: .NET cannot fork, so the server is started again, marked to stay in the foreground,
    /// in a new session with its standard streams on /dev/null; this process waits for its pid file.
    /// </summary>
    private static async Task<int> Daemonize(IReadOnlyList<string> args, ServerSettings settings, TextWriter stderr, CancellationToken cancellationToken)
    {
        var self = Environment.ProcessPath ?? "j2b-server";
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, Environment = { [DaemonChildVariable] = "1" } };
        if (Environment.GetEnvironmentVariable(NativeProcess.JitSlabCacheVariable) is null)
        {
            psi.Environment[NativeProcess.JitSlabCacheVariable] = NativeProcess.JitSlabCacheValue;
        }
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("exec setsid \"$0\" \"$@\" </dev/null >/dev/null 2>&1 &");
        psi.ArgumentList.Add(self);
        if (!self.EndsWith("/j2b-server", StringComparison.Ordinal) && Environment.GetCommandLineArgs() is [var dll, ..] && dll.EndsWith(".dll", StringComparison.Ordinal))
        {
            psi.ArgumentList.Add(dll); // running as `dotnet j2b-server.dll`
        }
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        var before = ReadPid(settings.PidFile);
        using (var sh = Process.Start(psi))
        {
            if (sh is null)
            {
                await stderr.WriteLineAsync("ERROR: could not start the server in the background").ConfigureAwait(false);
                return 255;
            }
            await sh.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            // Ready once a (new) server has written its pid.
            if (ReadPid(settings.PidFile) is { } pid && pid != before)
            {
                return 0;
            }
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
        await stderr.WriteLineAsync("ERROR: the background server did not start").ConfigureAwait(false);
        return 255;
    }

    private static string? ReadPid(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static async Task<int> RunClientAsync(IReadOnlyList<string> args, TextWriter stderr, CancellationToken cancellationToken)
    {
        var client = Path.Combine(AppContext.BaseDirectory, "j2b-client");
        var psi = File.Exists(client) ? new ProcessStartInfo(client) : new ProcessStartInfo("dotnet") { ArgumentList = { Path.Combine(AppContext.BaseDirectory, "j2b-client.dll") } };
        psi.UseShellExecute = false;
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        try
        {
            using var p = Process.Start(psi)!;
            await p.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            return p.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            await stderr.WriteLineAsync("ERROR: cannot run j2b-client: " + e.Message).ConfigureAwait(false);
            return 255;
        }
    }

    /// <summary>Our own usage text; the option list is fail2ban-server's.</summary>
    internal static string Usage() => """
        Usage: j2b-server [OPTIONS] [start | <client command>]

        Jail2Ban v{0}: watches log files for authentication failures and bans the
        offending addresses with firewall actions (a drop-in for fail2ban-server).

        Options:
            -c, --conf <DIR>        configuration directory (default /etc/fail2ban)
            -s, --socket <FILE>     control socket
            -p, --pidfile <FILE>    pid file
            --pname <NAME>          process name (default fail2ban-server)
            --loglevel <LEVEL>      log level (CRITICAL ERROR WARNING NOTICE INFO MSG DEBUG
                                    TRACEDEBUG HEAVYDEBUG, or a number)
            --logtarget <TARGET>    a file, STDOUT, STDERR, SYSLOG, SYSOUT or SYSTEMD-JOURNAL
            --syslogsocket auto|<FILE>
            -d                      dump the configuration
            --dp, --dump-pretty     dump the configuration, readable
            -t, --test              test the configuration
            -i                      interactive client
            -v / -q                 more / less verbose (repeatable)
            -x                      remove a stale socket file before starting
            -b                      run in the background (default)
            -f                      run in the foreground
            --async                 do not read the configuration; a client sends it
            --timeout <TIME>        how long a client waits for the server
            --str2sec <STRING>      print a time abbreviation (1d12h) in seconds
            -h, --help              this text
            -V, --version           version (-V: short form)

        """.Replace("{0}", ServerInfo.Version, StringComparison.Ordinal);
}

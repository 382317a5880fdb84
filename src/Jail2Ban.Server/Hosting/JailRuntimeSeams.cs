namespace Jail2Ban.Server.Hosting;

/// <summary>
/// The seam for the jail runtime (jails, filters, actions, database, control socket): the host
/// calls it in fail2ban's order. Register an implementation with
/// <c>services.AddSingleton&lt;IJailRuntime, MyRuntime&gt;()</c> in the configure callback of
/// <see cref="ServerHost.CreateBuilder"/>; the default does nothing.
/// </summary>
public interface IJailRuntime
{
    /// <summary>After the log, pid file and socket-file policy are in place: start serving.</summary>
    Task StartAsync(ServerSettings settings, CancellationToken cancellationToken);

    /// <summary>SIGHUP: reload the configuration (same as <c>j2b-client reload</c>).</summary>
    Task ReloadAsync(CancellationToken cancellationToken);

    /// <summary>SIGTERM/SIGINT/stop: stop all jails (unban, actionstop), close the DB and the socket.</summary>
    Task StopAsync(CancellationToken cancellationToken);
}

/// <summary>Placeholder until the jail runtime is wired in.</summary>
internal sealed class NullJailRuntime : IJailRuntime
{
    public Task StartAsync(ServerSettings settings, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task ReloadAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>
/// Reads jail.conf &amp; co. and configures the running server (what fail2ban-server does
/// without <c>--async</c>), and <c>-t</c>. Belongs to the configuration area; the default
/// reports that it is not wired.
/// </summary>
public interface IServerConfigurator
{
    /// <summary>Configures the started server; false (after logging why) makes the server stop with 255.</summary>
    Task<bool> ConfigureAsync(ServerOptions options, CancellationToken cancellationToken);

    /// <summary><c>-t</c>: checks the configuration, writes the result, returns the exit code.</summary>
    Task<int> TestAsync(ServerOptions options, TextWriter output, CancellationToken cancellationToken);
}

internal sealed class UnwiredConfigurator(Logging.ServerLog log) : IServerConfigurator
{
    public Task<bool> ConfigureAsync(ServerOptions options, CancellationToken cancellationToken)
    {
        log.Log("fail2ban.server", Logging.LogLevels.Warning, "Configuration reader not available: starting without jails (use --async and a client to configure)");
        return Task.FromResult(true);
    }

    public async Task<int> TestAsync(ServerOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        await output.WriteLineAsync("ERROR: test configuration failed (configuration reader not available)").ConfigureAwait(false);
        return 255;
    }
}

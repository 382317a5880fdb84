using Jail2Ban.Core.Actions;
using Jail2Ban.Core.Banning;
using Jail2Ban.Server.Builtin;

namespace Jail2Ban.Server.Jails;

/// <summary>
/// One action of a running jail, whatever its kind: a command action (shell commands through the
/// <see cref="IActionRunner"/>) or a built-in action. The jail loops over these in configuration order.
/// </summary>
internal interface IJailAction
{
    string Name { get; }

    /// <summary>The resolved option strings (for <c>get &lt;jail&gt; action &lt;a&gt; &lt;prop&gt;</c>).</summary>
    IReadOnlyDictionary<string, string> Options { get; }

    Task StartAsync(CancellationToken ct);

    /// <summary>Bans many tickets (bulk where the action can); returns the tickets that failed, with the error text.</summary>
    Task<IReadOnlyList<(Ticket Ticket, string Error)>> BanManyAsync(IReadOnlyList<Ticket> tickets, CancellationToken ct);

    Task<IReadOnlyList<(Ticket Ticket, string Error)>> UnbanManyAsync(IReadOnlyList<Ticket> tickets, CancellationToken ct);

    Task StopAsync(CancellationToken ct);
}

/// <summary>A command action (fail2ban's CommandAction port) adapted to the jail's tickets.</summary>
internal sealed class CommandJailAction(CommandAction action, Func<long> jailBanTime) : IJailAction
{
    public string Name => action.Name;

    /// <summary>The command action itself (run-time property changes and method calls from the control socket).</summary>
    public CommandAction Command => action;

    public IReadOnlyDictionary<string, string> Options => action.Definition.Options;

    public Task StartAsync(CancellationToken ct) => action.StartAsync(ct);

    public async Task<IReadOnlyList<(Ticket Ticket, string Error)>> BanManyAsync(IReadOnlyList<Ticket> tickets, CancellationToken ct)
    {
        var mine = action.NoRestored ? tickets.Where(t => !t.Restored).ToList() : tickets;
        if (mine.Count == 0) return [];
        return Map(mine, await action.BanManyAsync(mine.Select(ToActionTicket).ToList(), ct).ConfigureAwait(false));
    }

    public async Task<IReadOnlyList<(Ticket Ticket, string Error)>> UnbanManyAsync(IReadOnlyList<Ticket> tickets, CancellationToken ct) =>
        Map(tickets, await action.UnbanManyAsync(tickets.Select(ToActionTicket).ToList(), ct).ConfigureAwait(false));

    public Task StopAsync(CancellationToken ct) => action.StopAsync(ct);

    private static List<(Ticket, string)> Map(IReadOnlyList<Ticket> tickets, IReadOnlyList<(ActionTicket Ticket, Exception Error)> failed)
    {
        if (failed.Count == 0) return [];
        var byId = new Dictionary<string, Ticket>(StringComparer.Ordinal);
        foreach (var t in tickets) byId[t.Id.Text] = t;
        return failed.Where(f => byId.ContainsKey(f.Ticket.Id)).Select(f => (byId[f.Ticket.Id], f.Error.Message)).ToList();
    }

    internal ActionTicket ToActionTicket(Ticket t) => new(
        t.Id.Text,
        t.Time,
        t.Attempts,
        t.BanTime is { } bt ? (long)bt : null,
        t.BanCount,
        t.Restored,
        t.Matches.Select(m => m.Text).ToList(),
        t.Data);

    internal long JailBanTime => jailBanTime();
}

/// <summary>A built-in action (blocklist-csv, webhook) adapted to the jail's tickets.</summary>
internal sealed class BuiltinJailAction(string jail, IBuiltinAction action, IReadOnlyDictionary<string, string> options, Func<long> jailBanTime) : IJailAction
{
    public string Name => action.Name;

    public IReadOnlyDictionary<string, string> Options => options;

    public Task StartAsync(CancellationToken ct) => action.StartAsync(ct);

    public async Task<IReadOnlyList<(Ticket Ticket, string Error)>> BanManyAsync(IReadOnlyList<Ticket> tickets, CancellationToken ct)
    {
        var failed = new List<(Ticket, string)>();
        foreach (var t in tickets)
        {
            try
            {
                await action.BanAsync(ToEvent(t), ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failed.Add((t, e.Message));
            }
        }
        return failed;
    }

    public async Task<IReadOnlyList<(Ticket Ticket, string Error)>> UnbanManyAsync(IReadOnlyList<Ticket> tickets, CancellationToken ct)
    {
        var failed = new List<(Ticket, string)>();
        foreach (var t in tickets)
        {
            try
            {
                await action.UnbanAsync(ToEvent(t), ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failed.Add((t, e.Message));
            }
        }
        return failed;
    }

    public Task StopAsync(CancellationToken ct) => action.StopAsync(ct);

    private BanEvent ToEvent(Ticket t)
    {
        var bt = t.GetBanTime(jailBanTime());
        return new BanEvent(
            jail,
            t.Id.Text,
            t.Id.ToIPAddress(),
            t.Attempts,
            DateTimeOffset.UnixEpoch.AddTicks((long)(t.Time * TimeSpan.TicksPerSecond)),
            bt < 0 ? null : TimeSpan.FromSeconds(bt),
            t.Matches.Select(m => m.Text).ToList(),
            Math.Max(1, t.BanCount),
            t.Restored);
    }
}

namespace Jail2Ban.Core.Actions;

/// <summary>
/// The actions of one jail, in configuration order, and the per-ticket loops fail2ban's
/// <c>Actions</c> thread runs over them (spec §3.6, §3.7, §4.8): one failing action never stops the
/// others; restored tickets skip <c>norestored</c> actions; flush uses <c>actionflush</c> where an
/// action has one and single unbans elsewhere; stop runs in reverse order.
/// The ban manager, the "[jail] Ban ip" / "Restore Ban" / "Reban" notices and the database stay
/// with the jail runtime; the "[jail] Unban ip" notice is logged here, as fail2ban's <c>__unBan</c> does.
/// </summary>
internal sealed class JailActionSet(string jail, IReadOnlyList<CommandAction> actions, ActionLogSink? log = null)
{
    private readonly ActionLogSink _log = log ?? ((_, _) => { });

    public string Jail { get; } = jail;

    public IReadOnlyList<CommandAction> Actions { get; } = actions;

    /// <summary>The highest ban epoch of the actions (a ticket banned before it needs a re-ban, §3.7).</summary>
    public int BanEpoch => Actions.Count == 0 ? 0 : Actions.Max(a => a.BanEpoch);

    public async Task StartAsync(CancellationToken ct = default)
    {
        foreach (var a in Actions)
        {
            try
            {
                await a.StartAsync(ct).ConfigureAwait(false);
            }
            catch (Exception e) when (IsActionError(e))
            {
                _log(ActionLogLevel.Error, $"Failed to start jail '{Jail}' action '{a.Name}': {e.Message}");
            }
        }
    }

    /// <summary>Ban one ticket through every action (§3.7); returns how many actions failed.</summary>
    public async Task<int> BanAsync(ActionTicket ticket, CancellationToken ct = default)
    {
        var failed = 0;
        foreach (var a in Actions)
        {
            if (ticket.Restored && a.NoRestored) continue;
            try
            {
                await a.BanAsync(ticket, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (IsActionError(e))
            {
                failed++;
                _log(ActionLogLevel.Error, $"Failed to execute ban jail '{Jail}' action '{a.Name}' info '{Describe(ticket)}': {e.Message}");
            }
        }
        return failed;
    }

    /// <summary>
    /// Ban many tickets at once (start-up restore, bursts): per action, in configuration order, through
    /// its bulk command when it has one. Same skipping and error rules as <see cref="BanAsync"/>.
    /// </summary>
    public async Task<int> BanManyAsync(IReadOnlyList<ActionTicket> tickets, CancellationToken ct = default)
    {
        var failed = 0;
        foreach (var a in Actions)
        {
            var mine = a.NoRestored ? tickets.Where(t => !t.Restored).ToList() : tickets;
            if (mine.Count == 0) continue;
            foreach (var (t, e) in await a.BanManyAsync(mine, ct).ConfigureAwait(false))
            {
                failed++;
                _log(ActionLogLevel.Error, $"Failed to execute ban jail '{Jail}' action '{a.Name}' info '{Describe(t)}': {e.Message}");
            }
        }
        return failed;
    }

    /// <summary>Unban one ticket through every action (NOTICE "[jail] Unban id" first, like fail2ban).</summary>
    public async Task<int> UnbanAsync(ActionTicket ticket, CancellationToken ct = default)
    {
        _log(ActionLogLevel.Notice, $"[{Jail}] Unban {ticket.Id}");
        return await UnbanWith(Actions, ticket, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Re-ban after a repair (§3.7): only through actions whose epoch is newer than the ticket's;
    /// stops at the first failure like fail2ban's <c>__reBan</c>. Returns true if all succeeded.
    /// </summary>
    public async Task<bool> RebanAsync(ActionTicket ticket, int ticketEpoch, CancellationToken ct = default)
    {
        foreach (var a in Actions.Where(a => a.BanEpoch > ticketEpoch))
        {
            try
            {
                await a.RebanAsync(ticket, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (IsActionError(e))
            {
                _log(ActionLogLevel.Error, $"Failed to execute reban jail '{Jail}' action '{a.Name}' info '{Describe(ticket)}': {e.Message}");
                return false;
            }
        }
        return true;
    }

    /// <summary>bantime.increment prolonged an active ban: <c>actionprolong</c> where set.</summary>
    public async Task ProlongAsync(ActionTicket ticket, CancellationToken ct = default)
    {
        foreach (var a in Actions)
        {
            if ((ticket.Restored && a.NoRestored) || !a.IsProlongable) continue;
            try
            {
                await a.ProlongAsync(ticket, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (IsActionError(e))
            {
                _log(ActionLogLevel.Error, $"Failed to execute ban jail '{Jail}' action '{a.Name}' info '{Describe(ticket)}': {e.Message}");
            }
        }
    }

    /// <summary>
    /// fail2ban's <c>__flushBan</c> (jail stop, <c>unban --all</c>): actions with an <c>actionflush</c>
    /// flush all at once; the others unban each of <paramref name="banned"/> (in bulk if they can).
    /// <paramref name="stop"/>: on a failing flush, repair is not attempted unless
    /// <c>actionrepair_on_unban</c>. Returns the number of tickets.
    /// </summary>
    public async Task<int> FlushAsync(IReadOnlyList<ActionTicket> banned, bool stop, CancellationToken ct = default)
    {
        var unbanWith = new List<CommandAction>();
        foreach (var a in Actions)
        {
            if (!a.HasFlush)
            {
                unbanWith.Add(a);
                continue;
            }
            try
            {
                _log(ActionLogLevel.Notice, $"[{Jail}] Flush ticket(s) with {a.Name}");
                if (await a.FlushAsync(ct).ConfigureAwait(false)) continue;
                unbanWith.Add(a);
            }
            catch (Exception e) when (IsActionError(e))
            {
                _log(ActionLogLevel.Error, $"Failed to flush bans in jail '{Jail}' action '{a.Name}': {e.Message}");
                _log(ActionLogLevel.Info, "No flush occurred, do consistency check");
                var action = a;
                await a.ConsistencyCheckAsync(() =>
                {
                    if (stop && !action.Definition.RepairOnUnban)
                    {
                        _log(ActionLogLevel.Error, "Invariant check failed. Flush is impossible.");
                        return false;
                    }
                    return true;
                }, ct).ConfigureAwait(false);
            }
        }
        // fail2ban logs the unban of every ticket, even when every action flushed.
        foreach (var t in banned) _log(ActionLogLevel.Notice, $"[{Jail}] Unban {t.Id}");
        if (unbanWith.Count == 0) return banned.Count;
        // Bulk-capable actions take the whole list at once; the others go ticket by ticket in order.
        var bulk = unbanWith.Where(a => a.Definition.HasBulkUnban).ToList();
        foreach (var a in bulk)
        {
            foreach (var (t, e) in await a.UnbanManyAsync(banned, ct).ConfigureAwait(false))
                _log(ActionLogLevel.Error, $"Failed to execute unban jail '{Jail}' action '{a.Name}' info '{Describe(t)}': {e.Message}");
        }
        var single = unbanWith.Except(bulk).ToList();
        if (single.Count > 0)
        {
            foreach (var t in banned) await UnbanWith(single, t, ct).ConfigureAwait(false);
        }
        return banned.Count;
    }

    /// <summary>Stop every action in reverse configuration order.</summary>
    public async Task StopAsync(CancellationToken ct = default)
    {
        for (var i = Actions.Count - 1; i >= 0; i--)
        {
            var a = Actions[i];
            try
            {
                await a.StopAsync(ct).ConfigureAwait(false);
            }
            catch (Exception e) when (IsActionError(e))
            {
                _log(ActionLogLevel.Error, $"Failed to stop jail '{Jail}' action '{a.Name}': {e.Message}");
            }
        }
    }

    private async Task<int> UnbanWith(IEnumerable<CommandAction> list, ActionTicket ticket, CancellationToken ct)
    {
        var failed = 0;
        foreach (var a in list)
        {
            try
            {
                await a.UnbanAsync(ticket, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (IsActionError(e))
            {
                failed++;
                _log(ActionLogLevel.Error, $"Failed to execute unban jail '{Jail}' action '{a.Name}' info '{Describe(ticket)}': {e.Message}");
            }
        }
        return failed;
    }

    private static bool IsActionError(Exception e) => e is ActionFailedException or TagSubstitutionException;

    // fail2ban prints the ActionInfo repr; its useful part is the failure ID and the raw ticket.
    private static string Describe(ActionTicket t) => $"ActionInfo({{'fid': {PyText.Repr(t.Id)}}})";
}

using System.Globalization;

namespace Jail2Ban.Core.Actions;

/// <summary>
/// The run-time state machine of one command action in one jail — a port of fail2ban's
/// <c>CommandAction</c> (spec §4.3, §4.7): families, start on demand, "started"/"has items" flags,
/// no double execution of identical commands for two families, check/repair after a failure,
/// ban epoch. Commands are built by <see cref="ActionCommandBuilder"/> and executed by an
/// <see cref="IActionRunner"/>. All public operations of one instance are serialised.
/// </summary>
internal sealed class CommandAction
{
    private const int Started = 1;
    private const int HasItems = 2;

    private readonly IActionRunner _runner;
    private readonly IActionJailContext _jail;
    private readonly TimeProvider _time;
    private readonly ActionLogSink _log;
    private readonly bool _allowIpv6;
    private readonly ActionHostNames? _hosts;
    private readonly SemaphoreSlim _gate = new(1, 1);
    // family -> Started|HasItems (Python dict: insertion-ordered)
    private readonly List<KeyValuePair<string, int>> _started = [];
    // operation -> family -> command text executed last (for "same command for two families")
    private readonly Dictionary<string, Dictionary<string, string>> _executed = new(StringComparer.Ordinal);

    public CommandAction(
        string jailName, ActionDefinition definition, IActionJailContext jail, IActionRunner runner,
        TimeProvider? time = null, ActionHostNames? hosts = null, ActionLogSink? log = null, bool allowIpv6 = true)
    {
        JailName = jailName;
        Definition = definition;
        Builder = new ActionCommandBuilder(definition, hosts);
        _hosts = hosts;
        _jail = jail;
        _runner = runner;
        _time = time ?? TimeProvider.System;
        _log = log ?? ((_, _) => { });
        _allowIpv6 = allowIpv6;
    }

    public string JailName { get; }

    public string Name => Definition.Name;

    public ActionDefinition Definition { get; private set; }

    public ActionCommandBuilder Builder { get; private set; }

    /// <summary>Incremented when a repair happened; tickets banned before may need a re-ban (§3.7).</summary>
    public int BanEpoch { get; private set; }

    public bool NoRestored => Definition.NoRestored;

    public bool HasFlush => Prop(ActionTags.Flush).Length > 0;

    /// <summary>fail2ban's <c>_prolongable</c>: a non-blank <c>actionprolong</c>.</summary>
    public bool IsProlongable => Definition.Get(ActionTags.Prolong) is { } p && !string.IsNullOrWhiteSpace(p);

    /// <summary>Families this action has started (for status/diagnostics and tests).</summary>
    public IReadOnlyList<string> StartedFamilies => _started.Where(kv => kv.Value != 0).Select(kv => kv.Key).ToArray();

    private string Prop(string key) => Builder.Properties.TryGetValue(key, out var v) ? v : "";

    private IReadOnlyList<string> Families =>
        Definition.HasConditionalSection
            ? (_allowIpv6 ? [ActionAddress.Inet4, ActionAddress.Inet6] : [ActionAddress.Inet4])
            : [""];

    // Exact decimal text, then parsed: the nearest double to the 100 ns tick count (a plain division
    // or decimal->double cast can be one ulp off, which shows in <time>).
    private double Now => double.Parse(
        ((decimal)(_time.GetUtcNow().UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10_000_000m).ToString(CultureInfo.InvariantCulture),
        CultureInfo.InvariantCulture);

    /// <summary>
    /// <c>set &lt;jail&gt; action &lt;act&gt; &lt;prop&gt; &lt;value&gt;</c> (fail2ban's setattr on a running
    /// CommandAction): the option changes for the next command; the started families stay as they are
    /// (a running action is not restarted). Null removes the option.
    /// </summary>
    public Task SetOptionAsync(string key, string? value, CancellationToken ct = default) => Locked(() =>
    {
        var options = new Dictionary<string, string>(Definition.Options, StringComparer.Ordinal);
        if (value is null) options.Remove(key);
        else options[key] = value;
        Replace(Definition with { Options = options });
        return Task.FromResult(true);
    }, ct);

    /// <summary>fail2ban's <c>clearAllParams()</c>: every option dropped (commands empty, timeout 60).</summary>
    public Task ClearOptionsAsync(CancellationToken ct = default) => Locked(() =>
    {
        Replace(Definition with { Options = new Dictionary<string, string>(StringComparer.Ordinal) });
        return Task.FromResult(true);
    }, ct);

    /// <summary>fail2ban's <c>invalidateBanEpoch()</c>: tickets banned before count as needing a re-ban.</summary>
    public void InvalidateBanEpoch() => BanEpoch++;

    private void Replace(ActionDefinition definition)
    {
        Definition = definition;
        Builder = new ActionCommandBuilder(definition, _hosts);
    }

    public Task StartAsync(CancellationToken ct = default) => Locked(() => StartCore(null, false, ct), ct);

    public Task StopAsync(CancellationToken ct = default) => Locked(() => StopCore(null, ct), ct);

    public Task ReloadAsync(CancellationToken ct = default) =>
        Locked(() => ExecuteOperation(ActionTags.Reload, "reloading", null, null, ct), ct);

    /// <summary><c>flush()</c>: the flush command for each family that has items.</summary>
    public Task<bool> FlushAsync(CancellationToken ct = default) => Locked(async () =>
    {
        var fams = _started.Where(kv => (kv.Value & 3) == 3).Select(kv => kv.Key).ToList();
        if (fams.Count == 0) return true;
        return await ExecuteOperation(ActionTags.Flush, "flushing", fams, (f, ok) =>
        {
            if (ok && GetStarted(f) != 0) SetStarted(f, GetStarted(f) & ~HasItems);
        }, ct).ConfigureAwait(false);
    }, ct);

    public Task BanAsync(ActionTicket ticket, CancellationToken ct = default) =>
        Locked(() => BanCore(new ActionInfo(ticket, _jail), ActionTags.Ban, ct), ct);

    /// <summary><c>reban()</c>: <c>actionreban</c> if set, else <c>actionban</c>.</summary>
    public Task RebanAsync(ActionTicket ticket, CancellationToken ct = default) =>
        Locked(() => BanCore(new ActionInfo(ticket, _jail),
            Prop(ActionTags.Reban).Length > 0 ? ActionTags.Reban : ActionTags.Ban, ct), ct);

    public Task UnbanAsync(ActionTicket ticket, CancellationToken ct = default) => Locked(async () =>
    {
        var info = new ActionInfo(ticket, _jail);
        if ((GetStarted(info.Family) & HasItems) == 0) return true;
        if (!await ProcessCmd(ActionTags.Unban, info, ct).ConfigureAwait(false))
            throw new ActionFailedException($"Error unbanning {info.IpForMessage()}");
        return true;
    }, ct);

    public Task ProlongAsync(ActionTicket ticket, CancellationToken ct = default) => Locked(async () =>
    {
        var info = new ActionInfo(ticket, _jail);
        if (!await ProcessCmd(ActionTags.Prolong, info, ct).ConfigureAwait(false))
            throw new ActionFailedException($"Error prolonging {info.IpForMessage()}");
        return true;
    }, ct);

    /// <summary>
    /// <c>consistencyCheck()</c>: run the check (and repair) for each started family.
    /// <paramref name="beforeRepair"/> returning false suppresses the repair.
    /// </summary>
    public Task<bool> ConsistencyCheckAsync(Func<bool>? beforeRepair = null, CancellationToken ct = default) => Locked(async () =>
    {
        var ret = true;
        if (Prop(ActionTags.Check).Length == 0) return ret;
        foreach (var (family, started) in _started.ToArray())
        {
            if (started != 0 && await InvariantCheck(family, beforeRepair, true, ct).ConfigureAwait(false) != 1)
            {
                SetStarted(family, 0);
                OperationExecuted(ActionTags.Start, family, null);
                ret = false;
            }
        }
        return ret;
    }, ct);

    /// <summary>
    /// Jail2Ban's bulk ban: with <c>actionban_bulk</c>, one command per family and chunk of
    /// <c>actionbulk_size</c> tickets; a chunk whose command fails falls back to single bans (with the
    /// full check/repair logic). Without the option every ticket is banned on its own.
    /// Returns the tickets that could not be banned, with the error.
    /// </summary>
    public Task<IReadOnlyList<(ActionTicket Ticket, Exception Error)>> BanManyAsync(
        IReadOnlyList<ActionTicket> tickets, CancellationToken ct = default) =>
        ManyAsync(tickets, ActionDefinition.BulkBanKey, ct, unban: false);

    /// <summary>Bulk unban (<c>actionunban_bulk</c>), same rules as <see cref="BanManyAsync"/>.</summary>
    public Task<IReadOnlyList<(ActionTicket Ticket, Exception Error)>> UnbanManyAsync(
        IReadOnlyList<ActionTicket> tickets, CancellationToken ct = default) =>
        ManyAsync(tickets, ActionDefinition.BulkUnbanKey, ct, unban: true);

    private Task<IReadOnlyList<(ActionTicket Ticket, Exception Error)>> ManyAsync(
        IReadOnlyList<ActionTicket> tickets, string bulkKey, CancellationToken ct, bool unban) => Locked(async () =>
    {
        var failed = new List<(ActionTicket, Exception)>();
        var hasBulk = !string.IsNullOrWhiteSpace(Definition.Get(bulkKey));
        var groups = tickets.Select(t => new ActionInfo(t, _jail)).GroupBy(i => i.Family);
        foreach (var group in groups)
        {
            var family = group.Key;
            var infos = group.ToList();
            if (unban && (GetStarted(family) & HasItems) == 0) continue;
            if (!unban && Definition.StartOnDemand && GetStarted(family) == 0)
            {
                try
                {
                    await StartCore(family, true, ct).ConfigureAwait(false);
                }
                catch (ActionFailedException e)
                {
                    failed.AddRange(infos.Select(i => (i.Ticket, (Exception)e)));
                    continue;
                }
            }
            if (!hasBulk && !unban)
            {
                await BanBatchAsync(infos, failed, ct).ConfigureAwait(false);
                continue;
            }
            foreach (var chunk in infos.Chunk(hasBulk ? Definition.BulkSize : 1))
            {
                var ok = false;
                if (hasBulk)
                {
                    var cmd = Builder.ForBulk(bulkKey, chunk, ActionInfo.ForOperation(_jail, Now, family));
                    ok = await Exec(cmd, bulkKey, ct).ConfigureAwait(false);
                    if (ok && !unban) SetStarted(family, GetStarted(family) | 3);
                }
                if (ok) continue;
                if (!unban)
                {
                    await BanBatchAsync(chunk, failed, ct).ConfigureAwait(false);
                    continue;
                }
                foreach (var info in chunk)
                {
                    try
                    {
                        if (unban)
                        {
                            if (!await ProcessCmd(ActionTags.Unban, info, ct).ConfigureAwait(false))
                                throw new ActionFailedException($"Error unbanning {info.IpForMessage()}");
                        }
                        else
                        {
                            await BanCore(info, ActionTags.Ban, ct).ConfigureAwait(false);
                        }
                    }
                    catch (Exception e) when (e is ActionFailedException or TagSubstitutionException)
                    {
                        failed.Add((info.Ticket, e));
                    }
                }
            }
        }
        return (IReadOnlyList<(ActionTicket, Exception)>)failed;
    }, ct);

    /// <summary>
    /// The single bans of one family, in order, with the ban commands of consecutive tickets handed to
    /// the runner together (<see cref="IActionRunner.RunManyAsync"/>: one write to the shell worker).
    /// The runner stops after a failing command, so a failure gets exactly the one-by-one treatment
    /// (<see cref="ProcessCmd"/>'s check/repair and single retry) before the next ticket's command runs;
    /// the rest of the batch is then sent again. A ticket whose command cannot be built, an empty
    /// command or a start on demand go through <see cref="BanCore"/> alone, as before.
    /// </summary>
    private async Task BanBatchAsync(IReadOnlyList<ActionInfo> infos, List<(ActionTicket, Exception)> failed, CancellationToken ct)
    {
        var i = 0;
        while (i < infos.Count)
        {
            var family = infos[i].Family;
            var requests = new List<ActionRunRequest>();
            if (!(Definition.StartOnDemand && GetStarted(family) == 0))
            {
                for (var j = i; j < infos.Count; j++)
                {
                    ActionCommand cmd;
                    try
                    {
                        cmd = Builder.ForTicket(ActionTags.Ban, infos[j]);
                    }
                    catch (TagSubstitutionException)
                    {
                        break;
                    }
                    if (cmd.IsEmpty) break;
                    requests.Add(new ActionRunRequest(cmd, Definition.Timeout, JailName, Name, ActionTags.Ban));
                }
            }
            IReadOnlyList<ActionRunResult> results = [];
            if (requests.Count > 0) results = await _runner.RunManyAsync(requests, ct).ConfigureAwait(false);
            if (results.Count == 0)
            {
                await BanOneAsync(infos[i++], firstFailed: false, failed, ct).ConfigureAwait(false);
                continue;
            }
            foreach (var r in results.Take(requests.Count))
            {
                if (r.Success) SetStarted(family, GetStarted(family) | 3);
                else await BanOneAsync(infos[i], firstFailed: true, failed, ct).ConfigureAwait(false);
                i++;
            }
        }
    }

    private async Task BanOneAsync(ActionInfo info, bool firstFailed, List<(ActionTicket, Exception)> failed, CancellationToken ct)
    {
        try
        {
            if (!firstFailed)
            {
                await BanCore(info, ActionTags.Ban, ct).ConfigureAwait(false);
                return;
            }
            // BanCore after its first ProcessCmd attempt failed (the start on demand was already done).
            if (!await ProcessCmd(ActionTags.Ban, info, ct, repcnt: 1).ConfigureAwait(false))
                throw new ActionFailedException($"Error banning {info.IpForMessage()}");
            SetStarted(info.Family, GetStarted(info.Family) | 3);
        }
        catch (Exception e) when (e is ActionFailedException or TagSubstitutionException)
        {
            failed.Add((info.Ticket, e));
        }
    }

    private async Task<bool> BanCore(ActionInfo info, string operation, CancellationToken ct)
    {
        var family = info.Family;
        if (Definition.StartOnDemand && GetStarted(family) == 0)
            await StartCore(family, true, ct).ConfigureAwait(false);
        if (!await ProcessCmd(operation, info, ct).ConfigureAwait(false))
            throw new ActionFailedException($"Error banning {info.IpForMessage()}");
        SetStarted(family, GetStarted(family) | 3);
        return true;
    }

    private async Task<bool> StartCore(string? family, bool forceStart, CancellationToken ct)
    {
        if (Definition.StartOnDemand)
        {
            if (!forceStart) return true;
        }
        else if (!forceStart && family is not null && GetStarted(family) != 0)
        {
            return true;
        }
        var fams = family is not null ? [family] : Families.ToList();
        return await ExecuteOperation(ActionTags.Start, "starting", fams, (f, ok) =>
        {
            if (!ok) return;
            OperationExecuted(ActionTags.Stop, f, null);
            SetStarted(f, Started);
        }, ct).ConfigureAwait(false);
    }

    private async Task<bool> StopCore(string? family, CancellationToken ct)
    {
        List<string> fams;
        if (family is null)
        {
            fams = _started.Where(kv => kv.Value != 0).Select(kv => kv.Key).ToList();
            if (fams.Count == 0) return true;
            _started.Clear();
        }
        else
        {
            if (_started.FindIndex(kv => kv.Key == family) < 0) return true;
            SetStarted(family, 0);
            fams = [family];
        }
        return await ExecuteOperation(ActionTags.Stop, "stopping", fams, (f, ok) =>
        {
            if (ok) OperationExecuted(ActionTags.Start, f, null);
        }, ct).ConfigureAwait(false);
    }

    /// <summary><c>_executeOperation</c>: run an operation for families (null/empty = every started one).</summary>
    private async Task<bool> ExecuteOperation(
        string operation, string verb, List<string>? families, Action<string, bool>? afterExec, CancellationToken ct)
    {
        var res = true;
        var err = "'Script error'";
        if (families is null || families.Count == 0)
            families = _started.Where(kv => kv.Value != 0).Select(kv => kv.Key).ToList();
        foreach (var family in families)
        {
            try
            {
                var cmd = Builder.Operation(operation, family);
                var ok = true;
                if (cmd.Length > 0 && !ExecutedByOtherFamily(operation, family, cmd))
                {
                    var real = Builder.ForOperation(cmd, ActionInfo.ForOperation(_jail, Now, family));
                    ok = await Exec(real, operation, ct).ConfigureAwait(false);
                    res &= ok;
                }
                afterExec?.Invoke(family, ok);
                OperationExecuted(operation, family, ok ? cmd : null);
            }
            catch (TagSubstitutionException e)
            {
                res = false;
                err = "ValueError(" + PyText.Repr(e.Message) + ")";
            }
        }
        if (!res)
            throw new ActionFailedException($"Error {verb} action Jail('{JailName}')/{Name}: {err}");
        return res;
    }

    /// <summary><c>_processCmd</c>: run, and on failure either repeat once or check/repair first (§4.7).</summary>
    /// <param name="repcnt">1 when the caller already ran the command once and it failed (batched bans).</param>
    private async Task<bool> ProcessCmd(string operation, ActionInfo info, CancellationToken ct, int repcnt = 0)
    {
        var family = info.Family;
        while (true)
        {
            if (repcnt > 0 && Prop(ActionTags.Check).Length > 0)
            {
                bool BeforeRepair()
                {
                    if (operation == ActionTags.Unban && !Definition.RepairOnUnban)
                    {
                        _log(ActionLogLevel.Error, "Invariant check failed. Unban is impossible.");
                        return false;
                    }
                    return true;
                }
                var check = await InvariantCheck(family, BeforeRepair, operation != ActionTags.Unban, ct).ConfigureAwait(false);
                if (check != 1) return false;
            }
            var cmd = Builder.ForTicket(operation, info);
            var ok = await Exec(cmd, operation, ct).ConfigureAwait(false);
            repcnt++;
            if (ok || repcnt > 1) return ok;
        }
    }

    /// <summary><c>_invariantCheck</c>: 1 = sane (or restored), 0 = unable to restore, -1 = repair refused.</summary>
    private async Task<int> InvariantCheck(string family, Func<bool>? beforeRepair, bool forceStart, CancellationToken ct)
    {
        if (!forceStart && _started.FindIndex(kv => kv.Key == family) < 0) return 1;
        var checkCmd = Builder.Operation(ActionTags.Check, family);
        if (checkCmd.Length == 0 || await Exec(new ActionCommand(checkCmd), ActionTags.Check, ct).ConfigureAwait(false))
            return 1;
        if (beforeRepair is not null && !beforeRepair()) return -1;
        _log(ActionLogLevel.Error, "Invariant check failed. Trying to restore a sane environment");
        BanEpoch = _jail.InvalidateBanEpoch() is var je && je >= 0 ? je : BanEpoch + 1;
        var repairCmd = Builder.Operation(ActionTags.Repair, family);
        if (repairCmd.Length > 0)
        {
            if (!await Exec(new ActionCommand(repairCmd), ActionTags.Repair, ct).ConfigureAwait(false))
            {
                SetStarted(family, 0);
                _log(ActionLogLevel.Critical, "Unable to restore environment");
                return 0;
            }
            SetStarted(family, Started);
        }
        else
        {
            try
            {
                await StopCore(family, ct).ConfigureAwait(false);
            }
            catch (ActionFailedException)
            {
                // fail2ban ignores a failing stop here: start and check decide.
            }
            await StartCore(family, forceStart || !Definition.StartOnDemand, ct).ConfigureAwait(false);
        }
        if (GetStarted(family) != 0 && !await Exec(new ActionCommand(checkCmd), ActionTags.Check, ct).ConfigureAwait(false))
        {
            _log(ActionLogLevel.Critical, "Unable to restore environment");
            return 0;
        }
        return 1;
    }

    private async Task<bool> Exec(ActionCommand command, string operation, CancellationToken ct)
    {
        // fail2ban's executeCmd: an empty command is "nothing to do" and succeeds.
        if (command.IsEmpty) return true;
        var r = await _runner.RunAsync(
            new ActionRunRequest(command, Definition.Timeout, JailName, Name, operation), ct).ConfigureAwait(false);
        return r.Success;
    }

    private bool ExecutedByOtherFamily(string operation, string family, string cmd) =>
        _executed.TryGetValue(operation, out var famd) && famd.Any(kv => kv.Key != family && kv.Value == cmd);

    /// <summary><c>_operationExecuted</c> set/delete (delete also drops other families with the same command).</summary>
    private void OperationExecuted(string operation, string family, string? cmd)
    {
        if (cmd is { Length: > 0 })
        {
            if (!_executed.TryGetValue(operation, out var famd)) _executed[operation] = famd = new(StringComparer.Ordinal);
            famd[family] = cmd;
            return;
        }
        if (!_executed.TryGetValue(operation, out var d) || !d.Remove(family, out var old)) return;
        foreach (var f in d.Where(kv => kv.Value == old).Select(kv => kv.Key).ToList()) d.Remove(f);
    }

    private int GetStarted(string family)
    {
        var i = _started.FindIndex(kv => kv.Key == family);
        return i < 0 ? 0 : _started[i].Value;
    }

    private void SetStarted(string family, int value)
    {
        var i = _started.FindIndex(kv => kv.Key == family);
        if (i < 0) _started.Add(new(family, value));
        else _started[i] = new(family, value);
    }

    private async Task<T> Locked<T>(Func<Task<T>> body, CancellationToken ct)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            return await body().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }
}

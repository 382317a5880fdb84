namespace Jail2Ban.Server.Builtin;

/// <summary>
/// Runs a "write what changed" step in the background, at most one at a time, as often as
/// changes arrive but never more: changes made while a write runs are picked up by exactly one
/// follow-up write. Why: the action runner calls actions one after the other, so an action
/// that waited for the disk on every ban would slow every other action of the jail, and
/// bursts (hundreds of bans restored at start) would cost one full rewrite each.
/// </summary>
internal sealed class CoalescingWriter(Func<CancellationToken, Task<bool>> writeChanges, Action<Exception> onError)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private int _scheduled;

    /// <summary>Something changed: make sure a background write will see it.</summary>
    public void Kick()
    {
        if (Interlocked.Exchange(ref _scheduled, 1) == 0)
        {
            _ = Task.Run(RunAsync);
        }
    }

    /// <summary>Writes now (waiting for a running write first); returns when every change made before the call is written.</summary>
    public async Task FlushAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await writeChanges(ct).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task RunAsync()
    {
        var more = false;
        try
        {
            Volatile.Write(ref _scheduled, 0);
            await _gate.WaitAsync().ConfigureAwait(false);
            try
            {
                more = await writeChanges(CancellationToken.None).ConfigureAwait(false);
            }
            finally
            {
                _gate.Release();
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The next change (or the flush at stop) tries again; the server keeps banning.
            onError(ex);
        }

        if (more)
        {
            Kick();
        }
    }
}

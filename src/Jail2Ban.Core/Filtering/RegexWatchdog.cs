namespace Jail2Ban.Core.Filtering;

/// <summary>
/// The match timeout enforced from outside the regex engine, for a one-shot tool that may simply end when a pattern
/// runs away (j2b-regex). With a timeout, .NET's regex engine reads the clock at every backtracking step: the stock
/// sshd "Failed" failregex costs 2.9–3.7 µs per line with the 10 s timeout and 1.5 µs without. Here the patterns run
/// without an engine timeout; each search marks its thread's slot with the current tick of a coarse counter (no clock
/// read) and clears it after; a background thread advances the counter every <c>tick</c> and reports a search that
/// has been running longer than the limit (with the same <see cref="RegexTimeoutException"/> the engine's timeout
/// gives). The search itself cannot be stopped: the report is where the tool ends. The daemon keeps the engine's
/// timeout (a stuck search must not end it).
/// </summary>
public sealed class RegexWatchdog : IDisposable
{
    /// <summary>One thread's mark: which search runs there, since when.</summary>
    internal sealed class Slot(RegexWatchdog owner)
    {
        public readonly RegexWatchdog Owner = owner;

        // the tick the running search started at; 0 = no search running
        public long Since;
        public FilterRegex? Regex;
    }

    // a thread-static field rather than ThreadLocal<T> (its Value cost 1.7% of an sshd run): one slot per thread,
    // replaced when the thread searches for another watchdog
    [ThreadStatic]
    private static Slot? t_slot;

    private readonly TimeSpan _limit;
    private readonly TimeSpan _tick;
    private readonly long _limitTicks;
    private readonly Action<RegexTimeoutException> _onTimeout;
    private readonly List<Slot> _slots = [];
    private readonly Thread _thread;
    private readonly ManualResetEventSlim _stop = new();
    private long _now = 1;

    /// <param name="limit">How long one search may run.</param>
    /// <param name="onTimeout">Called once, on the watchdog's thread, for the first search found past the limit.</param>
    /// <param name="tick">The counter's step (the report comes between limit and limit + 2 ticks).</param>
    public RegexWatchdog(TimeSpan limit, Action<RegexTimeoutException> onTimeout, TimeSpan? tick = null)
    {
        _limit = limit;
        _tick = tick ?? TimeSpan.FromMilliseconds(Math.Clamp(limit.TotalMilliseconds / 10, 10, 100));
        _limitTicks = Math.Max(1, (long)Math.Ceiling(limit / _tick));
        _onTimeout = onTimeout;
        _thread = new Thread(Watch) { IsBackground = true, Name = "j2b regex watchdog" };
        _thread.Start();
    }

    public TimeSpan Limit => _limit;

    /// <summary>Marks this thread as searching with <paramref name="r"/>; give the slot back to <see cref="Exit"/>.</summary>
    internal Slot Enter(FilterRegex r)
    {
        var s = t_slot;
        if (s is null || !ReferenceEquals(s.Owner, this))
        {
            t_slot = s = new Slot(this);
            lock (_slots)
            {
                _slots.Add(s);
            }
        }
        s.Regex = r;
        Volatile.Write(ref s.Since, Volatile.Read(ref _now));
        return s;
    }

    internal static void Exit(Slot s) => Volatile.Write(ref s.Since, 0);

    private void Watch()
    {
        while (!_stop.Wait(_tick))
        {
            long now = Interlocked.Increment(ref _now);
            FilterRegex? stuck = null;
            lock (_slots)
            {
                foreach (var s in _slots)
                {
                    long since = Volatile.Read(ref s.Since);
                    // more than the limit's ticks have passed since the search started (it began at or after tick "since")
                    if (since != 0 && now - since > _limitTicks)
                    {
                        stuck = s.Regex;
                        break;
                    }
                }
            }
            if (stuck is not null)
            {
                _onTimeout(new RegexTimeoutException(stuck.Original, _limit, new System.Text.RegularExpressions.RegexMatchTimeoutException()));
                return;
            }
        }
    }

    public void Dispose()
    {
        _stop.Set();
        if (Thread.CurrentThread != _thread)
        {
            _thread.Join();
        }
        _stop.Dispose();
    }
}

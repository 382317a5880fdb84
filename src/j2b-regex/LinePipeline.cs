using Jail2Ban.Core.Filtering;
using Jail2Ban.Core.Filtering.Dates;

namespace Jail2Ban.Regex;

/// <summary>A log line as the reader thread hands it over: its number, text, date hit (or a date conversion error: drop).</summary>
internal readonly record struct DatedLine(int LineNo, string Line, DateHit? Hit, bool Drop, double Now);

/// <summary>
/// The line pipeline of j2b-regex: a reader thread reads, decodes and dates the lines in order (the date detector
/// depends on the lines before) into a ring of batches; for a maxlines = 1 filter, scan workers run each line's regex
/// work (<see cref="Filter.Scan(string, DateHit?, LineScan)"/>, stateless) on whole batches; the consuming thread
/// takes the batches back in order and applies them (<see cref="Filter.ProcessLine(string, DateHit?, double, LineScan?)"/>,
/// statistics). When its next batch is not scanned yet, the consumer scans the oldest unclaimed batch itself rather
/// than wait, and when the ring is full the reader does the same rather than wait for a free slot: the reader and the
/// consumer share the regex work with the workers, and with no worker (2 processors or fewer, or J2B_REGEX_THREADS=1
/// for A/B runs) they are its only threads.
/// One lock guards the ring's counters; a thread waits (Monitor.Wait, no spinning) only when the ring is full or
/// there is nothing for it to do, and is woken only when it can go on with half a ring (see _hysteresis) instead of
/// the former semaphore handoff per batch with its spinning, sched_yield and futex wake-ups.
/// </summary>
internal sealed class LinePipeline : IDisposable
{
    // Lines referenced from the ring are alive at every gen0 collection and get promoted: with the regex work behind
    // (sshd), a full queue of 8 x 1024 lines made nearly every collection a gen1 one (1M lines: 75 of 76). Scanned
    // lines hold their matches too, so the ring stays small: about 384 lines in all (sshd, 1M lines, 1 worker:
    // 3 x 128 or 6 x 64 lines: 1 gen1 in 148 collections; 3 x 256 or 5 x 128: 62-67 gen1 in 68-143).
    private const int LinesInFlight = 384;

    /// <summary>Lines per batch: fewer with more threads (more batches in flight), at least 32 (handoff cost).</summary>
    public static int BatchLines(int ringBatches) => Math.Clamp(LinesInFlight / ringBatches, 32, 128);

    /// <summary>
    /// Two batches per thread, so that a waiting thread is woken only once half the ring is ready for it (free for the
    /// reader, dated for the scanners): a wake-up (futex, context switch) per half ring rather than per batch.
    /// </summary>
    private readonly int _hysteresis;
    private readonly int _workerThreshold;

    private sealed class Batch(int lines, Filter? scanner)
    {
        public readonly DatedLine[] Lines = new DatedLine[lines];
        public readonly LineScan[]? Scans = scanner is null ? null : Enumerable.Range(0, lines).Select(_ => scanner.NewScan()).ToArray();
        public int Count;
        public bool Scanned;
    }

    private readonly object _gate = new();
    private readonly Batch[] _ring;
    private readonly IEnumerable<string> _lines;
    private readonly IDateFinder _finder;
    private readonly Func<double> _now;
    private readonly Filter? _scanner;
    // the reader's regex lane (FilterRegex.UseLane): it scans when the ring is full
    private readonly int _readerLane;
    private readonly List<Thread> _threads = [];
    private readonly CancellationToken _ct;
    private CancellationTokenRegistration _ctReg;

    // batch sequence numbers (batch n lives in _ring[n % length]); all guarded by _gate
    private long _dated;    // batches the reader has filled
    private long _claimed;  // batches handed to a scanning thread
    private long _applied;  // batches the consumer is done with
    private bool _readerDone, _stop;
    private bool _readerWaiting, _consumerWaiting;
    private int _workersWaiting;
    private long _consumerSeq;
    private Exception? _failure;

    /// <param name="scanner">The filter whose <see cref="Filter.Scan(string, DateHit?, LineScan)"/> runs ahead, or null (multi-line filters: read and date only).</param>
    /// <param name="workers">Scan threads besides the consumer (0: the consumer scans).</param>
    public LinePipeline(IEnumerable<string> lines, IDateFinder finder, Func<double> now, Filter? scanner, int workers, CancellationToken ct)
    {
        _lines = lines;
        _finder = finder;
        _now = now;
        _scanner = scanner;
        _ct = ct;
        workers = scanner is null ? 0 : Math.Max(0, workers);
        _ring = new Batch[2 * (workers + 2)];
        _hysteresis = _ring.Length / 2;
        _workerThreshold = Math.Max(_hysteresis, _ring.Length - 2);
        for (int i = 0; i < _ring.Length; i++)
        {
            _ring[i] = new Batch(BatchLines(_ring.Length), scanner);
        }
        // each scanning thread but the consumer searches on a regex lane of its own (FilterRegex.UseLane): workers
        // 1..n, then the reader
        _readerLane = workers + 1;
        _threads.Add(new Thread(ReadLoop) { IsBackground = true, Name = "j2b-regex reader" });
        for (int i = 0; i < workers; i++)
        {
            int lane = i + 1;
            _threads.Add(new Thread(() => ScanLoop(lane)) { IsBackground = true, Name = "j2b-regex scan " + i });
        }
    }

    /// <summary>
    /// Scan workers for this machine: one per processor beside the reader and the consumer, which scan too;
    /// J2B_REGEX_THREADS=n (n >= 1) sets the number of scanning threads besides the reader (1: the consumer alone).
    /// On 2 cores a worker is a third busy thread: sshd, 1M lines, 10 interleaved runs each, medians, 4.40 s CPU /
    /// 2.71 s wall with one worker, 4.08 s / 2.43 s with the reader scanning instead (9 of 10 runs quicker; fewer
    /// waits and context switches). Larger machines are not measured.
    /// </summary>
    public static int DefaultWorkers() => Workers(Environment.GetEnvironmentVariable("J2B_REGEX_THREADS"), Environment.ProcessorCount);

    internal static int Workers(string? env, int processors) =>
        int.TryParse(env, out int n) && n >= 1 ? n - 1 : Math.Max(0, processors - 2);

    public void Start()
    {
        _ctReg = _ct.Register(() => Stop());
        foreach (var t in _threads)
        {
            t.Start();
        }
    }

    /// <summary>
    /// The lines in order, each with its scan (null when not scanning). A line's scan is valid until the next
    /// batch is requested, i.e. while the caller handles the line. Throws the reader's failure after the lines it read.
    /// </summary>
    public IEnumerable<(DatedLine Line, LineScan? Scan)> Lines()
    {
        for (long seq = 0; ; seq++)
        {
            var b = NextApplied(seq);
            if (b is null)
            {
                break;
            }
            for (int i = 0; i < b.Count; i++)
            {
                yield return (b.Lines[i], b.Scans?[i]);
            }
            // the slot waits for the reader: let the GC have these lines now (the filter released the scans)
            Array.Clear(b.Lines, 0, b.Count);
            lock (_gate)
            {
                _applied = seq + 1;
                WakeLocked();
            }
        }
        lock (_gate)
        {
            if (_failure is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(_failure);
            }
        }
        _ct.ThrowIfCancellationRequested();
    }

    /// <summary>Batch <paramref name="seq"/> once dated and scanned (scanning others meanwhile), or null at the end.</summary>
    private Batch? NextApplied(long seq)
    {
        var b = _ring[seq % _ring.Length];
        Monitor.Enter(_gate);
        try
        {
            while (true)
            {
                if (_stop)
                {
                    _ct.ThrowIfCancellationRequested();
                    return null;
                }
                if (seq < _dated && (_scanner is null || b.Scanned))
                {
                    return b;
                }
                if (_scanner is not null && _claimed < _dated)
                {
                    // help instead of waiting: scan the oldest unclaimed batch (often this one). The wait below relies
                    // on it: ConsumerMayGo treats dated, unclaimed work as a reason to go on, so a consumer that did not
                    // help would never wait and spin (a build without this branch ran at 100% CPU for 15 minutes)
                    _selfScanned++;
                    ScanOneLocked();
                    continue;
                }
                if (_readerDone && seq >= _dated)
                {
                    return null;
                }
                _consumerSeq = seq;
                _consumerWaiting = true;
                while (!ConsumerMayGo)
                {
                    WaitLocked();
                }
                _consumerWaiting = false;
            }
        }
        finally
        {
            Monitor.Exit(_gate);
        }
    }

    private void ReadLoop()
    {
        try
        {
            FilterRegex.UseLane(_readerLane);
            long seq = 0;
            Batch? b = null;
            int lineNo = 0;
            double now = 0;
            long nowTick = long.MinValue;
            foreach (string line in _lines)
            {
                lineNo++;
                if (line.Length == 0 || line[0] == '#')
                {
                    continue;
                }
                if (b is null)
                {
                    lock (_gate)
                    {
                        // a full ring (the consumer is behind): scan a batch rather than wait
                        while (_scanner is not null && seq - _applied >= _ring.Length && _claimed < _dated && !_stop)
                        {
                            _readerScanned++;
                            ScanOneLocked();
                        }
                        // the slot is free once the consumer is done with the batch a ring ago
                        if (seq - _applied >= _ring.Length)
                        {
                            _readerWaiting = true;
                            while (!ReaderMayGo)
                            {
                                WaitLocked();
                            }
                            _readerWaiting = false;
                        }
                        if (_stop)
                        {
                            return;
                        }
                    }
                    b = _ring[seq % _ring.Length];
                    b.Count = 0;
                    b.Scanned = false;
                }
                // the clock again only when the coarse tick moved: a line's time is read to the millisecond, and
                // reading it for every line was 5% of the reader's time
                long tick = Environment.TickCount64;
                if (tick != nowTick)
                {
                    nowTick = tick;
                    now = _now();
                }
                DateHit? hit = null;
                bool drop = false;
                try
                {
                    hit = _finder.Find(line, now);
                }
                catch (DateConversionException)
                {
                    // fail2ban's uncaught date conversion error: the consumer drops the line
                    drop = true;
                }
                b.Lines[b.Count++] = new DatedLine(lineNo, line, hit, drop, now);
                if (b.Count == b.Lines.Length)
                {
                    Publish(ref seq);
                    b = null;
                }
            }
            if (b is not null)
            {
                Publish(ref seq);
            }
        }
        catch (Exception e)
        {
            lock (_gate)
            {
                _failure = e;
            }
        }
        finally
        {
            lock (_gate)
            {
                _readerDone = true;
                WakeLocked();
            }
        }
    }

    private void Publish(ref long seq)
    {
        lock (_gate)
        {
            _dated = ++seq;
            WakeLocked();
        }
    }

    private void ScanLoop(int lane)
    {
        // its own copy of each regex: the consumer searches with the same ones at the same time
        FilterRegex.UseLane(lane);
        while (true)
        {
            long mine;
            lock (_gate)
            {
                if (!WorkerMayGo)
                {
                    _workersWaiting++;
                    while (!WorkerMayGo)
                    {
                        WaitLocked();
                    }
                    _workersWaiting--;
                }
                if (_stop || _claimed >= _dated)
                {
                    return;
                }
                mine = _claimed++;
            }
            var b = _ring[mine % _ring.Length];
            ScanBatch(b);
            lock (_gate)
            {
                b.Scanned = true;
                WakeLocked();
            }
        }
    }

    /// <summary>
    /// Claims the oldest unclaimed dated batch and scans it, outside the lock: called with the lock held, returns with
    /// it held again.
    /// </summary>
    private void ScanOneLocked()
    {
        long mine = _claimed++;
        Monitor.Exit(_gate);
        try
        {
            ScanBatch(_ring[mine % _ring.Length]);
        }
        finally
        {
            Monitor.Enter(_gate);
        }
        _ring[mine % _ring.Length].Scanned = true;
        WakeLocked();
    }

    private void ScanBatch(Batch b)
    {
        if (_scanner is null)
        {
            return;
        }
        for (int i = 0; i < b.Count; i++)
        {
            ref readonly var l = ref b.Lines[i];
            if (l.Drop)
            {
                continue;
            }
            try
            {
                _scanner.Scan(l.Line, l.Hit, b.Scans![i]);
            }
            catch (Exception)
            {
                // (a regex timeout) left unusable: the consumer searches the line itself and meets the same error in
                // line order, on its thread
            }
        }
    }

    /// <summary>Measuring aid (J2B_REGEX_STATS): waits, batches, batches the consumer scanned itself.</summary>
    public string Stats
    {
        get
        {
            lock (_gate)
            {
                return $"pipeline: {_ring.Length} x {_ring[0].Lines.Length} lines, {_dated} batches, {_selfScanned} scanned by the consumer, {_readerScanned} by the reader, {_waits} waits";
            }
        }
    }

    private long _waits, _selfScanned, _readerScanned;

    // What each waiting thread waits for (under the lock). Each must imply that the thread then acts (returns, claims
    // a batch, ends): it loops holding the lock, so a condition true with nothing to do would spin and block the rest.
    private bool ReaderMayGo => _stop || _dated - _applied <= _ring.Length - _hysteresis;

    private bool ConsumerMayGo => _stop || ScanWorkReady || (_readerDone && _consumerSeq >= _dated) ||
        (_consumerSeq < _dated && (_scanner is null
            ? _dated - _consumerSeq >= _hysteresis || _readerDone
            : _ring[_consumerSeq % _ring.Length].Scanned));

    // Workers only join in once the ring is nearly full, i.e. the consumer lags well behind the reader: when reading
    // and dating are the slow part (apache-auth: no prefregex, little regex work) the ring stays nearly empty and an
    // extra scanning thread would only take CPU from the reader. Measured by the ring's fill (dated - applied), not by
    // the unclaimed batches (dated - claimed): the consumer claims the batch it waits for itself, so that count stayed
    // low, the worker mostly slept, and the consumer (the one sequential thread) did two thirds of the scanning
    // (sshd, 1M lines, 2 cores: 10000 of 15625 batches; 5900 with this rule, wall time 3.99 -> 3.17 s median of 8
    // interleaved runs, apache-noscript unchanged).
    private bool WorkerMayGo => _stop || (_readerDone && _claimed >= _dated) ||
        (_claimed < _dated && (_dated - _applied >= _workerThreshold || _readerDone));

    /// <summary>Dated batches to scan: half a ring of them, or the last ones.</summary>
    private bool ScanWorkReady => _scanner is not null && _claimed < _dated && (_dated - _claimed >= _hysteresis || _readerDone);

    private void WaitLocked()
    {
        _waits++;
        Monitor.Wait(_gate);
    }

    /// <summary>After a change: wakes the waiting threads if one of them can go on.</summary>
    private void WakeLocked()
    {
        if ((_readerWaiting && ReaderMayGo) || (_consumerWaiting && ConsumerMayGo) || (_workersWaiting > 0 && WorkerMayGo))
        {
            Monitor.PulseAll(_gate);
        }
    }

    private void Stop()
    {
        lock (_gate)
        {
            _stop = true;
            Monitor.PulseAll(_gate);
        }
    }

    public void Dispose()
    {
        Stop();
        _ctReg.Dispose();
        foreach (var t in _threads)
        {
            if (t.ThreadState != ThreadState.Unstarted)
            {
                t.Join();
            }
        }
    }
}

using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Jail2Ban.Server.Logs;

/// <summary>
/// Follows a jail's log files with a change monitor (polling or inotify) and yields the new
/// complete lines of each file as batches, with the file's position for the database.
/// </summary>
internal sealed class FileLogSource : IFileLogSource
{
    /// <summary>Lines per batch; a longer backlog is delivered in several batches.</summary>
    internal const int DefaultMaxLinesPerBatch = 1000;

    private readonly Lock _gate = new();
    private readonly IFileChangeMonitor _monitor;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private readonly Func<string, DateTimeOffset?>? _timeProbe;
    private readonly int _maxLines;
    private readonly Dictionary<string, LogFileReader> _files = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];
    private readonly HashSet<string> _dirty = new(StringComparer.Ordinal);
    private Encoding _encoding;
    private string _encodingName = "auto";

    /// <param name="timeProbe">Time stamp of a raw line (the jail's date detector), used by the
    /// head-mode seek to now − findtime. Without it, head mode reads from the start.</param>
    public FileLogSource(IFileChangeMonitor monitor, ILogger log, TimeProvider time, Func<string, DateTimeOffset?>? timeProbe = null, int maxLinesPerBatch = DefaultMaxLinesPerBatch)
    {
        _monitor = monitor;
        _log = log;
        _time = time;
        _timeProbe = timeProbe;
        _maxLines = maxLinesPerBatch;
        _encoding = LogEncodings.Resolve("auto");
    }

    public string Backend => _monitor.Backend;

    public string Encoding { get { lock (_gate) { return _encodingName; } } }

    public IReadOnlyList<LogFilePosition> Files
    {
        get
        {
            lock (_gate)
            {
                return _order.Select(p => _files[p].State).ToList();
            }
        }
    }

    public void SetEncoding(string name)
    {
        var enc = LogEncodings.Resolve(name); // throws "unknown encoding: x"
        lock (_gate)
        {
            _encoding = enc;
            _encodingName = name;
            foreach (var f in _files.Values)
            {
                f.Encoding = enc;
            }
        }
    }

    public LogFilePosition AddFile(LogFileOptions options)
    {
        lock (_gate)
        {
            if (_files.ContainsKey(options.Path))
            {
                _log.LogError("{Path} already exists", options.Path);
                throw new InvalidOperationException(options.Path + " already exists");
            }
            if (!File.Exists(options.Path) && !Directory.Exists(options.Path))
            {
                throw new FileNotFoundException($"[Errno 2] No such file or directory: '{options.Path}'", options.Path);
            }
            var reader = new LogFileReader(options.Path, _encoding, options.Tail, _log, _time);
            if (!options.Tail && options.Stored is { } stored && stored.FirstLineHash == reader.Hash && stored.Position > 0)
            {
                reader.SetPosition(stored.Position);
            }
            if (!options.Tail && options.SeekTo is { } seekTo)
            {
                reader.SeekOnFirstRead(seekTo);
            }
            _files[options.Path] = reader;
            _order.Add(options.Path);
            _dirty.Add(options.Path);
            _monitor.Add(options.Path);
            _log.LogInformation("Added logfile: '{Path}' (pos = {Pos}, hash = {Hash})", options.Path, reader.Position, reader.Hash);
            return reader.State;
        }
    }

    public bool RemoveFile(string path)
    {
        lock (_gate)
        {
            if (!_files.Remove(path, out var reader))
            {
                return false;
            }
            _order.Remove(path);
            _dirty.Remove(path);
            _monitor.Remove(path);
            reader.Dispose();
            _log.LogInformation("Removed logfile: '{Path}'", path);
            return true;
        }
    }

    public async IAsyncEnumerable<LogBatch> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            bool idle;
            lock (_gate)
            {
                idle = _dirty.Count == 0;
            }
            if (idle)
            {
                FileChanges changes;
                try
                {
                    changes = await _monitor.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    yield break;
                }
                foreach (var gone in changes.GivenUp)
                {
                    RemoveFile(gone);
                }
                lock (_gate)
                {
                    foreach (var c in changes.Changed)
                    {
                        if (_files.ContainsKey(c))
                        {
                            _dirty.Add(c);
                        }
                    }
                }
            }
            foreach (var batch in ReadDirty())
            {
                yield return batch;
                CollectAfterBatch();
            }
        }
    }

    /// <summary>Bytes allocated (all threads) since which a backlog batch triggers a gen0 collection.</summary>
    internal const long BacklogCollectBytes = 16 << 20;

    private long _allocatedAtCollect;

    /// <summary>Collections made by <see cref="CollectAfterBatch"/> so far (tests).</summary>
    internal int BacklogCollections { get; private set; }

    /// <summary>
    /// While a backlog is read batch after batch (a burst of lines appended at once), a gen0
    /// collection every <see cref="BacklogCollectBytes"/> keeps the daemon's memory flat: the lines,
    /// matches and tickets of a processed batch are garbage by now, and the GC's own gen0 budget
    /// (sized from the CPU cache: ~20 MB on the test machine) would otherwise let every burst touch
    /// that much new memory. j2b-server's runtimeconfig now caps that budget (System.GC.Gen0MaxBudget,
    /// 8 MB, honoured by .NET 10; System.GC.Gen0Size is not; see src/j2b-server/MEMORY.md), so in the
    /// shipped server this induced collection is a second line of defence for hosts without that
    /// setting (tests, embedders); the figures below predate the cap. Each collection is not free:
    /// the failures of the burst survive it, and the fail manager's old tickets they join dirty the
    /// card table. Daemon bench, 200,000 lines, 3 runs each (loaded machine): every 4 MB the
    /// collections were 22% of the filter thread's samples, server CPU 3.63-4.17 s, peak RSS 115-119 MB;
    /// every 16 MB 3.19-3.23 s, 124-125 MB; no induced collection 3.37-3.65 s, 132-144 MB.
    /// </summary>
    private void CollectAfterBatch()
    {
        bool backlog;
        lock (_gate)
        {
            backlog = _dirty.Count > 0;
        }
        var allocated = GC.GetTotalAllocatedBytes(precise: false);
        if (!backlog)
        {
            _allocatedAtCollect = allocated;
            return;
        }
        if (allocated - _allocatedAtCollect >= BacklogCollectBytes)
        {
            GC.Collect(0, GCCollectionMode.Forced, blocking: true, compacting: false);
            BacklogCollections++;
            _allocatedAtCollect = GC.GetTotalAllocatedBytes(precise: false);
        }
    }

    /// <summary>One pass over the files marked as changed; files with more to read stay marked.</summary>
    internal List<FileLogBatch> ReadDirty()
    {
        var batches = new List<FileLogBatch>();
        lock (_gate)
        {
            foreach (var path in _order.Where(_dirty.Contains).ToList())
            {
                var reader = _files[path];
                var before = reader.State;
                List<FileLogLine> lines;
                bool inOperation, more;
                try
                {
                    lines = reader.Read(_maxLines, _timeProbe, out inOperation, out more);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    _log.LogError("Unable to open {Path}", path);
                    if (e is not FileNotFoundException)
                    {
                        _log.LogError("{Error}", e.Message);
                    }
                    _dirty.Remove(path);
                    continue;
                }
                if (!more)
                {
                    _dirty.Remove(path);
                }
                if (lines.Count > 0 || reader.State != before)
                {
                    batches.Add(new FileLogBatch(path, inOperation, lines, reader.State));
                }
            }
        }
        return batches;
    }

    public ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            foreach (var r in _files.Values)
            {
                r.Dispose();
            }
            _files.Clear();
            _order.Clear();
        }
        _monitor.Dispose();
        return ValueTask.CompletedTask;
    }
}

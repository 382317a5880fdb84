namespace Jail2Ban.Core.Filtering;

/// <summary>
/// fail2ban's Utils.Cache as used for multi-line failure ids: at most <c>maxCount</c> entries, each living
/// <c>ttl</c> of wall-clock time; when full, entries are dropped from the oldest until one unexpired entry
/// has been dropped and there is room (FIFO).
/// </summary>
internal sealed class MlfidCache(TimeProvider clock, int maxCount = 100, double ttlSeconds = 300)
{
    private readonly Dictionary<string, (FailData Value, double Expires, long Seq)> _items = new(StringComparer.Ordinal);
    // insertion order, oldest first; entries whose key was removed (or re-added under a new Seq) are stale and
    // skipped lazily, which keeps Set/Unset allocation-free (this runs for every sshd line with an mlfid)
    private readonly Queue<(long Seq, string Key)> _order = new();
    private long _seq;

    public int Count => _items.Count;

    private double Now => clock.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;

    public FailData? Get(string key)
    {
        if (!_items.TryGetValue(key, out var e))
        {
            return null;
        }
        if (e.Expires > Now)
        {
            return e.Value;
        }
        Unset(key);
        return null;
    }

    /// <summary><see cref="Get(string)"/> without the key as a string (the filter's check before it builds one).</summary>
    public FailData? Get(ReadOnlySpan<char> key)
    {
        var lookup = _items.GetAlternateLookup<ReadOnlySpan<char>>();
        if (!lookup.TryGetValue(key, out var e))
        {
            return null;
        }
        if (e.Expires > Now)
        {
            return e.Value;
        }
        lookup.Remove(key);
        return null;
    }

    public void Set(string key, FailData value)
    {
        double t = Now;
        if (_items.Count >= maxCount)
        {
            while (_order.TryDequeue(out var first))
            {
                if (!_items.TryGetValue(first.Key, out var cv) || cv.Seq != first.Seq)
                {
                    continue;
                }
                _items.Remove(first.Key);
                if (cv.Expires > t && _items.Count < maxCount)
                {
                    break;
                }
            }
        }
        if (_items.TryGetValue(key, out var old))
        {
            // an existing key keeps its place in the order (Python OrderedDict assignment)
            _items[key] = (value, t + ttlSeconds, old.Seq);
            return;
        }
        long seq = _seq++;
        _items[key] = (value, t + ttlSeconds, seq);
        _order.Enqueue((seq, key));
        if (_order.Count > 2 * maxCount + 16)
        {
            Compact();
        }
    }

    public void Unset(string key) => _items.Remove(key);

    /// <summary>Drops the stale queue entries (many Set/Unset cycles without the cache ever filling up).</summary>
    private void Compact()
    {
        int n = _order.Count;
        for (int i = 0; i < n; i++)
        {
            var e = _order.Dequeue();
            if (_items.TryGetValue(e.Key, out var cv) && cv.Seq == e.Seq)
            {
                _order.Enqueue(e);
            }
        }
    }

    public void Clear()
    {
        _items.Clear();
        _order.Clear();
    }
}

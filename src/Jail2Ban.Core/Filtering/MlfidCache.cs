namespace Jail2Ban.Core.Filtering;

/// <summary>
/// fail2ban's Utils.Cache as used for multi-line failure ids: at most <c>maxCount</c> entries, each living
/// <c>ttl</c> of wall-clock time; when full, entries are dropped from the oldest until one unexpired entry
/// has been dropped and there is room (FIFO).
/// </summary>
internal sealed class MlfidCache(TimeProvider clock, int maxCount = 100, double ttlSeconds = 300)
{
    private readonly Dictionary<string, (FailData Value, double Expires, long Seq)> _items = new(StringComparer.Ordinal);
    private readonly SortedDictionary<long, string> _order = [];
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

    public void Set(string key, FailData value)
    {
        double t = Now;
        if (_items.Count >= maxCount)
        {
            while (_order.Count > 0)
            {
                var first = _order.First();
                _order.Remove(first.Key);
                var cv = _items[first.Value];
                _items.Remove(first.Value);
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
        _order[seq] = key;
    }

    public void Unset(string key)
    {
        if (_items.Remove(key, out var e))
        {
            _order.Remove(e.Seq);
        }
    }

    public void Clear()
    {
        _items.Clear();
        _order.Clear();
    }
}

namespace Jail2Ban.Core.Net;

/// <summary>
/// fail2ban's Utils.Cache: entries expire <c>maxSeconds</c> after being set; when full, expired
/// entries are dropped first, then the entry that expires soonest. Thread-safe.
/// </summary>
public sealed class ExpiringCache<TKey, TValue>(TimeProvider time, int maxCount, double maxSeconds)
    where TKey : notnull
{
    private readonly Dictionary<TKey, (TValue Value, DateTimeOffset Expires)> _items = new();
    private readonly Lock _lock = new();

    public int MaxCount => maxCount;

    public double MaxSeconds => maxSeconds;

    public bool TryGet(TKey key, out TValue value)
    {
        lock (_lock)
        {
            if (_items.TryGetValue(key, out var e))
            {
                if (e.Expires > time.GetUtcNow())
                {
                    value = e.Value;
                    return true;
                }

                _items.Remove(key);
            }
        }

        value = default!;
        return false;
    }

    public void Set(TKey key, TValue value)
    {
        if (maxCount <= 0)
        {
            return;
        }

        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (!_items.ContainsKey(key) && _items.Count >= maxCount)
            {
                foreach (var k in _items.Where(p => p.Value.Expires <= now).Select(p => p.Key).ToList())
                {
                    _items.Remove(k);
                }

                if (_items.Count >= maxCount)
                {
                    var oldest = _items.MinBy(p => p.Value.Expires).Key;
                    _items.Remove(oldest);
                }
            }

            _items[key] = (value, now.AddSeconds(maxSeconds));
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _items.Clear();
        }
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _items.Count;
            }
        }
    }
}

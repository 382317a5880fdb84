using System.Collections.Concurrent;
using Jail2Ban.Server.Logs;
using Microsoft.Extensions.Logging;

namespace Jail2Ban.Server.Tests.Logs;

/// <summary>Steps a polling loop by hand: every <see cref="Tick"/> ends one sleep.</summary>
internal sealed class ManualPollTrigger : IPollTrigger
{
    private readonly SemaphoreSlim _ticks = new(0, int.MaxValue);

    public int Waits { get; private set; }

    /// <summary>The delays asked for, in order.</summary>
    public ConcurrentQueue<TimeSpan> Suggested { get; } = new();

    public void Tick() => _ticks.Release();

    public async ValueTask DelayAsync(TimeSpan suggested, CancellationToken cancellationToken)
    {
        Waits++;
        Suggested.Enqueue(suggested);
        await _ticks.WaitAsync(cancellationToken);
    }
}

internal sealed record CapturedLog(string Category, LogLevel Level, EventId EventId, string Message);

/// <summary>Records everything logged through it.</summary>
internal sealed class CapturingLoggerFactory : ILoggerFactory, ILoggerProvider
{
    public ConcurrentQueue<CapturedLog> Entries { get; } = new();

    public IEnumerable<string> Messages => Entries.Select(e => e.Message);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerFactory owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Entries.Enqueue(new CapturedLog(category, logLevel, eventId, formatter(state, exception)));
    }
}

internal static class SourceExtensions
{
    /// <summary>Next batch, failing the test if none comes within a few seconds.</summary>
    public static async Task<LogBatch> NextAsync(this IAsyncEnumerator<LogBatch> e)
    {
        Assert.True(await e.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10)), "source ended");
        return e.Current;
    }

    public static string[] Texts(this LogBatch b) => ((FileLogBatch)b).Lines.Select(l => l.Text).ToArray();
}

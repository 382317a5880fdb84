namespace Jail2Ban.Server.Logs;

/// <summary>One complete line read from a log file.</summary>
/// <param name="Text">Decoded text, trailing run of '\r'/'\n' removed.</param>
/// <param name="Offset">Byte offset of the line's first byte in the file.</param>
public readonly record struct FileLogLine(string Text, long Offset);

/// <summary>
/// Where reading of a file stands: what fail2ban's <c>logs</c> table stores
/// (<c>lastfilepos</c>, <c>firstlinemd5</c> — which is really SHA-1 hex, or '' when the first
/// line is not complete yet).
/// </summary>
public readonly record struct LogFilePosition(string Path, long Position, string FirstLineHash);

/// <summary>A position saved earlier (DB) for a file; used only if the first-line hash still matches.</summary>
public sealed record StoredLogPosition(long Position, string FirstLineHash);

/// <summary>How a file is added to a source (<c>set &lt;jail&gt; addlogpath &lt;file&gt; head|tail</c>).</summary>
/// <param name="Path">The concrete file (globs are the client's business).</param>
/// <param name="Tail">Start at the end; the file is "in operation" at once.</param>
/// <param name="Stored">Position from the database, honoured for head mode when the hash matches.</param>
/// <param name="SeekTo">Head mode: on the first read, skip to the first line stamped at or after
/// this time (fail2ban uses now − findtime). Needs a time probe on the source.</param>
public sealed record LogFileOptions(string Path, bool Tail = false, StoredLogPosition? Stored = null, DateTimeOffset? SeekTo = null);

/// <summary>
/// A systemd journal entry turned into fail2ban's line triple <c>('', isodate + ' ', message)</c>.
/// </summary>
/// <param name="Cursor">journald cursor (resume point).</param>
/// <param name="Time">_SOURCE_REALTIME_TIMESTAMP, else __REALTIME_TIMESTAMP.</param>
/// <param name="DateText">Local ISO-8601 time followed by one space (Python isoformat: no fraction when it is zero).</param>
/// <param name="Message"><c>[host ]ident[[pid]]: MESSAGE</c> with newlines as the two characters <c>\n</c>.</param>
public sealed record JournalEntry(string Cursor, DateTimeOffset Time, string DateText, string Message)
{
    public (string Prefix, string DateText, string Message) Triple => (string.Empty, DateText, Message);
}

/// <summary>What a log source yields: lines from one file, or journal entries, all read in one
/// state (<see cref="InOperation"/>: false while catching up with a backlog).</summary>
public abstract record LogBatch(string Source, bool InOperation);

/// <param name="Position">Position and hash after this batch (for the database).</param>
public sealed record FileLogBatch(string Path, bool InOperation, IReadOnlyList<FileLogLine> Lines, LogFilePosition Position)
    : LogBatch(Path, InOperation);

/// <summary>Journal entries; <see cref="LogBatch.Source"/> is <c>systemd-journal</c> (the DB's path for it).</summary>
public sealed record JournalLogBatch(bool InOperation, IReadOnlyList<JournalEntry> Entries)
    : LogBatch(JournalLogBatch.SourceName, InOperation)
{
    public const string SourceName = "systemd-journal";
}

/// <summary>
/// A jail's input: log files (polling or inotify) or the systemd journal. Batches are pulled, so
/// a slow consumer slows the reading down instead of buffering without limit.
/// </summary>
public interface ILogSource : IAsyncDisposable
{
    /// <summary>fail2ban backend name: <c>pyinotify</c>, <c>polling</c> or <c>systemd</c>.</summary>
    string Backend { get; }

    /// <summary>Reads until cancelled. Call once.</summary>
    IAsyncEnumerable<LogBatch> ReadAsync(CancellationToken cancellationToken);
}

/// <summary>A source of log files; files can be added and removed while it runs.</summary>
public interface IFileLogSource : ILogSource
{
    /// <summary>Starts following a file. Throws <see cref="FileNotFoundException"/> when it is missing
    /// and <see cref="InvalidOperationException"/> when it is already followed.</summary>
    LogFilePosition AddFile(LogFileOptions options);

    /// <summary>Stops following; false if the path was not followed (fail2ban ignores that silently).</summary>
    bool RemoveFile(string path);

    IReadOnlyList<LogFilePosition> Files { get; }

    /// <summary><c>set &lt;jail&gt; logencoding</c>: applies to all files, present and future.</summary>
    void SetEncoding(string name);

    string Encoding { get; }
}

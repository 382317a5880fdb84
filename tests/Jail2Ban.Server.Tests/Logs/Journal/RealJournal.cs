using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using Jail2Ban.Server.Logs;
using Jail2Ban.Server.Tests.Hosting;

namespace Jail2Ban.Server.Tests.Logs.Journal;

/// <summary>The systemd tools the real-journal tests need, and why a test is skipped without them.</summary>
internal static class JournalTools
{
    public static readonly string? Remote =
        new[] { "/lib/systemd/systemd-journal-remote", "/usr/lib/systemd/systemd-journal-remote", "/usr/libexec/systemd/systemd-journal-remote" }.FirstOrDefault(File.Exists);

    public static readonly string? JournalCtl = new JournalCtlProcess().Resolve();

    public static string? MissingJournalCtl => JournalCtl is null ? "journalctl is not installed (Debian package systemd)" : null;

    public static string? Missing =>
        MissingJournalCtl ?? (Remote is null ? "systemd-journal-remote is not installed (Debian package systemd-journal-remote), so no journal file can be written" : null);

    /// <summary>fail2ban-regex 1.0.2 reads journals only through python3-systemd.</summary>
    public static string? MissingOracle =>
        Missing ?? (!File.Exists("/usr/bin/fail2ban-regex") ? "fail2ban-regex (fail2ban 1.0.2) is not installed"
            : !Directory.Exists("/usr/lib/python3/dist-packages/systemd") ? "python3-systemd is not installed, so fail2ban-regex cannot read a journal"
            : null);
}

/// <summary>A fact that writes and reads real journal files; skipped when the tools are missing.</summary>
public sealed class JournalFactAttribute : FactAttribute
{
    public JournalFactAttribute()
    {
        if (JournalTools.Missing is { } why) Skip = why;
    }
}

/// <summary>A fact that only needs journalctl.</summary>
public sealed class JournalCtlFactAttribute : FactAttribute
{
    public JournalCtlFactAttribute()
    {
        if (JournalTools.MissingJournalCtl is { } why) Skip = why;
    }
}

/// <summary>A fact that compares with fail2ban 1.0.2 reading the same journal.</summary>
public sealed class JournalOracleFactAttribute : FactAttribute
{
    public JournalOracleFactAttribute()
    {
        if (JournalTools.MissingOracle is { } why) Skip = why;
    }
}

/// <summary>One journal entry in journald's export format: fields in order, values as bytes.</summary>
internal sealed record ExportEntry(DateTimeOffset Time, IReadOnlyList<KeyValuePair<string, byte[]>> Fields)
{
    public static ExportEntry Of(DateTimeOffset time, params (string Key, string Value)[] fields) =>
        new(time, fields.Select(f => KeyValuePair.Create(f.Key, Encoding.UTF8.GetBytes(f.Value))).ToList());

    public ExportEntry With(string key, byte[] value) => this with { Fields = [.. Fields, KeyValuePair.Create(key, value)] };

    /// <summary>An sshd (or other unit's) log entry as journald stores it.</summary>
    public static ExportEntry Sshd(DateTimeOffset time, string message, string unit = "sshd.service", string comm = "sshd", int pid = 1234, DateTimeOffset? sourceTime = null)
    {
        var e = Of(time, ("_HOSTNAME", "host1"), ("_SYSTEMD_UNIT", unit), ("_COMM", comm), ("SYSLOG_IDENTIFIER", "sshd"), ("_PID", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("MESSAGE", message));
        return sourceTime is { } s ? e.With("_SOURCE_REALTIME_TIMESTAMP", Encoding.ASCII.GetBytes(Micros(s).ToString(System.Globalization.CultureInfo.InvariantCulture))) : e;
    }

    public static long Micros(DateTimeOffset t) => (t - DateTimeOffset.UnixEpoch).Ticks / 10;
}

/// <summary>
/// Journal files written by systemd-journal-remote from export-format input. Every
/// <see cref="Append"/> runs it again on the same output file, which appends.
/// </summary>
internal sealed class RealJournal : IDisposable
{
    private readonly TempDir _dir = new();
    private long _monotonic = 1_000_000;

    public RealJournal()
    {
        System.IO.Directory.CreateDirectory(JournalDir);
    }

    /// <summary>A directory holding only <see cref="File"/> (for journalpath).</summary>
    public string JournalDir => _dir.File("journal");

    /// <summary>The journal file (for journalfiles).</summary>
    public string File => Path.Combine(JournalDir, "system.journal");

    /// <summary>_BOOT_ID of the entries appended next (journalctl --follow implies the latest boot unless --merge).</summary>
    public string BootId { get; set; } = "0123456789abcdef0123456789abcdef";

    public void Append(params ExportEntry[] entries)
    {
        var export = new MemoryStream();
        foreach (var e in entries)
        {
            Field(export, "__REALTIME_TIMESTAMP", Encoding.ASCII.GetBytes(ExportEntry.Micros(e.Time).ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Field(export, "__MONOTONIC_TIMESTAMP", Encoding.ASCII.GetBytes((_monotonic += 1000).ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Field(export, "_BOOT_ID", Encoding.ASCII.GetBytes(BootId));
            foreach (var (k, v) in e.Fields)
            {
                Field(export, k, v);
            }
            export.WriteByte((byte)'\n');
        }
        var psi = new ProcessStartInfo(JournalTools.Remote!) { RedirectStandardInput = true, RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add("--output=" + File);
        psi.ArgumentList.Add("-");
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        p.StandardInput.BaseStream.Write(export.ToArray());
        p.StandardInput.Close();
        Assert.True(p.WaitForExit(30_000), "systemd-journal-remote did not finish");
        Assert.True(p.ExitCode == 0, "systemd-journal-remote failed: " + err.Result);
    }

    /// <summary>Export format: KEY=value, or KEY, newline, 64-bit little-endian length, bytes for values with control bytes.</summary>
    private static void Field(Stream s, string key, byte[] value)
    {
        s.Write(Encoding.ASCII.GetBytes(key));
        if (value.Any(b => b < 0x20 && b != (byte)'\t'))
        {
            s.WriteByte((byte)'\n');
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)value.Length);
            s.Write(len);
        }
        else
        {
            s.WriteByte((byte)'=');
        }
        s.Write(value);
        s.WriteByte((byte)'\n');
    }

    public void Dispose() => _dir.Dispose();
}

using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Jail2Ban.Server.Logs;

/// <summary>The stat fields fail2ban compares: inode, size and mtime.</summary>
internal readonly record struct FileStatInfo(ulong Inode, long Size, long MTimeSeconds, uint MTimeNanoseconds);

/// <summary>
/// stat()/fstat() through Linux statx(2): .NET exposes no inode number, and struct statx has
/// the same layout on every architecture (unlike struct stat), so one P/Invoke fits all.
/// </summary>
internal static partial class FileStat
{
    private const int AtFdCwd = -100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxBasicStats = 0x7ff;
    private const int StatxSize = 256;

    [DllImport("libc", SetLastError = true, EntryPoint = "statx")]
    private static extern int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, [Out] byte[] buf);

    /// <summary>stat(path); false when it does not exist or cannot be examined.</summary>
    public static bool TryStat(string path, out FileStatInfo info)
    {
        var buf = new byte[StatxSize];
        if (Statx(AtFdCwd, path, 0, StatxBasicStats, buf) != 0)
        {
            info = default;
            return false;
        }
        info = Parse(buf);
        return true;
    }

    /// <summary>fstat() of an open handle.</summary>
    public static FileStatInfo FStat(SafeFileHandle handle)
    {
        var buf = new byte[StatxSize];
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            var fd = (int)handle.DangerousGetHandle();
            if (Statx(fd, string.Empty, AtEmptyPath, StatxBasicStats, buf) != 0)
            {
                throw new IOException($"fstat failed: errno {Marshal.GetLastPInvokeError()}");
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
        return Parse(buf);
    }

    // struct statx offsets: stx_ino @32, stx_size @40, stx_mtime {tv_sec @112, tv_nsec @120}.
    // Fields are in native byte order.
    private static FileStatInfo Parse(ReadOnlySpan<byte> b) => new(
        MemoryMarshal.Read<ulong>(b[32..]),
        MemoryMarshal.Read<long>(b[40..]),
        MemoryMarshal.Read<long>(b[112..]),
        MemoryMarshal.Read<uint>(b[120..]));
}

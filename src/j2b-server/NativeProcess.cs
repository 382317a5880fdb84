using System.Runtime.InteropServices;
using System.Text;

namespace Jail2Ban.ServerHost;

/// <summary>Process settings made at start that .NET has no API for.</summary>
internal static class NativeProcess
{
    private const int PrSetName = 15;

    // glibc's mallopt parameters (malloc.h).
    private const int MTrimThreshold = -1;
    private const int MMmapThreshold = -3;

    /// <summary>Blocks this large or larger get their own mapping, returned to the system on free.</summary>
    internal const int MmapThreshold = 64 * 1024;

    /// <summary>Free memory above this at the top of a malloc heap is returned to the system.</summary>
    internal const int TrimThreshold = 128 * 1024;

    /// <summary>
    /// The runtime keeps up to 16 MB of the JIT's freed working memory for reuse (JitHostMaxSlabCache);
    /// the filter's compiled regexes fill it. 4 MB: daemon bench peak 102-108 -> 98-99 MB, no CPU cost
    /// measured (64 KB: 95-96 MB but ~10% more server CPU); see the commits. The runtime reads it only
    /// from the environment (not runtimeconfig.json, measured), so it is set where the server is
    /// started: the systemd unit and <c>-b</c>; a value already in the environment is kept.
    /// </summary>
    internal const string JitSlabCacheVariable = "DOTNET_JitHostMaxSlabCache";

    /// <summary>The value of <see cref="JitSlabCacheVariable"/> (hexadecimal, as the runtime reads it).</summary>
    internal const string JitSlabCacheValue = "0x400000";

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int Mallopt(int param, int value);

    [DllImport("libc", EntryPoint = "umask")]
    private static extern uint Umask(uint mask);

    [DllImport("libc", EntryPoint = "prctl", SetLastError = true)]
    private static extern int Prctl(int option, byte[] arg2, nint arg3, nint arg4, nint arg5);

    public static void SetUmask(uint mask)
    {
        if (OperatingSystem.IsLinux() || OperatingSystem.IsFreeBSD() || OperatingSystem.IsMacOS())
        {
            Umask(mask);
        }
    }

    /// <summary>--pname: the name ps/top show for the main thread (kernel limit: 15 bytes).</summary>
    public static void SetName(string name)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        var bytes = Encoding.UTF8.GetBytes(name);
        var buf = new byte[16];
        Array.Copy(bytes, buf, Math.Min(15, bytes.Length));
        Prctl(PrSetName, buf, 0, 0, 0);
    }

    /// <summary>
    /// Makes glibc give freed native memory back instead of keeping it for reuse. The JIT compiles a
    /// filter's RegexOptions.Compiled regexes (IL of 5-10 KB each for the Debian sshd filter) in
    /// working memory of several MB that it frees at once; glibc's default (a mmap threshold that
    /// grows to the largest block freed so far, up to 32 MB) kept those blocks in its heaps, so every
    /// regex compile stayed resident. Daemon bench: peak RSS -12 MB (see the commit); the extra
    /// mmap/munmap calls are for blocks of 64 KB and up, which a burst allocates rarely.
    /// An administrator's own MALLOC_*_/GLIBC_TUNABLES settings win.
    /// </summary>
    /// <returns>Whether the settings were applied.</returns>
    public static bool TuneMalloc(Func<string, string?> getEnvironment)
    {
        if (!OperatingSystem.IsLinux()
            || getEnvironment("GLIBC_TUNABLES") is not null
            || getEnvironment("MALLOC_MMAP_THRESHOLD_") is not null
            || getEnvironment("MALLOC_TRIM_THRESHOLD_") is not null)
        {
            return false;
        }
        try
        {
            // mallopt returns 1 on success; a fixed threshold also turns off glibc's growing one.
            var mmap = Mallopt(MMmapThreshold, MmapThreshold) == 1;
            var trim = Mallopt(MTrimThreshold, TrimThreshold) == 1;
            return mmap && trim;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return false; // not glibc (musl has no such knobs): nothing to tune
        }
    }
}

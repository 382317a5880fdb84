using System.Runtime.InteropServices;
using System.Text;

namespace Jail2Ban.ServerHost;

/// <summary>The two process settings fail2ban makes at start that .NET has no API for.</summary>
internal static class NativeProcess
{
    private const int PrSetName = 15;

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
}

using System.Runtime.InteropServices;

namespace Jail2Ban.Server.Actions;

/// <summary>kill(2) for process groups: .NET can only kill a process or its tree by SIGKILL.</summary>
internal static class PosixSignals
{
    public const int SigTerm = 15;
    public const int SigKill = 9;

    // DllImport rather than LibraryImport: the latter needs unsafe blocks enabled in the project.
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int sig);

    /// <summary>Sends <paramref name="signal"/> to process group <paramref name="pgid"/>; false if none.</summary>
    public static bool KillGroup(int pgid, int signal) => pgid > 1 && Kill(-pgid, signal) == 0;

    public static string Name(int signal) => signal switch
    {
        1 => "SIGHUP",
        2 => "SIGINT",
        3 => "SIGQUIT",
        6 => "SIGABRT",
        9 => "SIGKILL",
        13 => "SIGPIPE",
        14 => "SIGALRM",
        15 => "SIGTERM",
        _ => "signal " + signal,
    };
}

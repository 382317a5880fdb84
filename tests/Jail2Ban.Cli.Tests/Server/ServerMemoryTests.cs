using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using Jail2Ban.ServerHost;

namespace Jail2Ban.Cli.Tests.Server;

/// <summary>The daemon's memory settings: runtimeconfig GC knobs and glibc malloc tuning.</summary>
public sealed class ServerMemoryTests
{
    private static JsonElement ConfigProperties()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "j2b-server.runtimeconfig.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties").Clone();
    }

    [Theory]
    [InlineData("System.GC.Gen0MaxBudget", "8388608")]
    [InlineData("System.Runtime.TieredCompilation", "false")]
    [InlineData("System.GC.Concurrent", "false")]
    public void RuntimeConfigCarriesTheDaemonSettings(string key, string expected)
    {
        Assert.True(ConfigProperties().TryGetProperty(key, out var value), key + " missing from j2b-server.runtimeconfig.json");
        Assert.Equal(expected, value.ToString().ToLowerInvariant());
    }

    [Theory]
    [InlineData("GLIBC_TUNABLES")]
    [InlineData("MALLOC_MMAP_THRESHOLD_")]
    [InlineData("MALLOC_TRIM_THRESHOLD_")]
    public void AnAdministratorsMallocSettingWins(string variable)
    {
        Assert.False(NativeProcess.TuneMalloc(name => name == variable ? "1" : null));
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MallInfo2
    {
        public nuint Arena, Ordblks, Smblks, Hblks, Hblkhd, Usmblks, Fsmblks, Uordblks, Fordblks, Keepcost;
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int Mallopt(int param, int value);

    [DllImport("libc", EntryPoint = "mallinfo2")]
    private static extern MallInfo2 Mallinfo2();

    [Fact]
    public void TunedMallocMapsBlocksAboveTheThresholdOnTheirOwn()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        // As glibc's own growing threshold would be after a 1 MB block was freed (M_MMAP_THRESHOLD = -3).
        Assert.Equal(1, Mallopt(-3, 1024 * 1024));
        Assert.True(NativeProcess.TuneMalloc(_ => null));
        // Freed at once, such blocks go back to the system instead of staying in a malloc heap. A block between
        // the two thresholds is mmapped on its own only when no free chunk in the heap can hold it, and the test
        // process's other tests free memory all the time: so keep allocating until the heap's free chunks of that
        // size are used up (with the 1 MB threshold none of them would ever be mapped on its own).
        var size = (nuint)(NativeProcess.MmapThreshold * 8);
        Assert.True(size < 1024 * 1024);
        var blocks = new List<nint>();
        try
        {
            var mapped = false;
            for (int i = 0; i < 256 && !mapped; i++)
            {
                var before = Mallinfo2().Hblkhd;
                blocks.Add(Marshal.AllocHGlobal((nint)size)); // malloc on Unix
                mapped = Mallinfo2().Hblkhd >= before + size;
            }
            Assert.True(mapped, $"none of {blocks.Count} blocks of {size} bytes was mapped on its own");
        }
        finally
        {
            blocks.ForEach(Marshal.FreeHGlobal);
        }
    }

    [Fact]
    public void SystemdUnitSetsTheJitSlabCache()
    {
        var unit = File.ReadAllLines(Path.Combine(ServerFixtures.RepoRoot, "packaging", "systemd", "jail2ban.service.in"));
        Assert.Contains($"Environment={NativeProcess.JitSlabCacheVariable}={NativeProcess.JitSlabCacheValue}", unit);
    }

    [Fact]
    public async Task BackgroundServerRunsWithTheJitSlabCacheSet()
    {
        var dir = Directory.CreateTempSubdirectory("j2b-mem-").FullName;
        var pidPath = Path.Combine(dir, "bg.pid");
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "j2b-server.dll"), "-b", "--async", "-s", Path.Combine(dir, "bg.sock"), "-p", pidPath, "--logtarget", Path.Combine(dir, "bg.log") })
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment.Remove(NativeProcess.JitSlabCacheVariable);
        int? daemon = null;
        try
        {
            using (var p = Process.Start(psi)!)
            {
                await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(40));
                Assert.Equal(0, p.ExitCode);
            }
            daemon = int.Parse(File.ReadAllText(pidPath).Trim());
            var environ = File.ReadAllText($"/proc/{daemon}/environ").Split('\0');
            Assert.Contains($"{NativeProcess.JitSlabCacheVariable}={NativeProcess.JitSlabCacheValue}", environ);
        }
        finally
        {
            if (daemon is { } pid)
            {
                using var k = Process.Start("kill", ["-TERM", pid.ToString()]);
                await k.WaitForExitAsync();
                for (var i = 0; i < 200 && File.Exists(pidPath); i++)
                {
                    await Task.Delay(50);
                }
            }
            Directory.Delete(dir, true);
        }
    }
}

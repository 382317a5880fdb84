namespace Jail2Ban.Server.Tests.Persistence;

/// <summary>
/// Test helpers of the persistence area: the shared-folder lookup of the brief, temp dirs,
/// a manual clock and fail2ban 1.0.2's python module as an oracle (null when not installed).
/// </summary>
internal static class PersistenceFixtures
{

    public const string OracleSkipped = "SKIPPED: fail2ban 1.0.2 (python3 module) is not installed; oracle comparison not run";

    public static string SharedRoot => RepoPaths.Shared;

    /// <summary>Copies a compat database fixture into <paramref name="dir"/> (never touch the original).</summary>
    public static string CopyFixture(string name, string dir)
    {
        var src = Path.Combine(SharedRoot, "compat", "fail2ban", "files", name);
        var dst = Path.Combine(dir, name);
        File.Copy(src, dst);
        return dst;
    }

    public static bool OracleAvailable => PythonOracle.Available("server/database.py");

    public static IReadOnlyList<string>? RunOracle(string script)
    {
        if (!OracleAvailable)
        {
            return null;
        }

        return PythonOracle.Run(script, TimeSpan.FromSeconds(120));
    }

    /// <summary>Python prelude: quiet logging, MyTime pinned, a minimal jail object.</summary>
    public static string Prelude(double now, long jailBanTime = 600, string jail = "sshd") => string.Join('\n',
        "import logging, json; logging.disable(logging.CRITICAL)",
        "from fail2ban.server.database import Fail2BanDb",
        "from fail2ban.server.ticket import FailTicket",
        "from fail2ban.server.mytime import MyTime",
        $"MyTime.setTime({now.ToString(System.Globalization.CultureInfo.InvariantCulture)})",
        "class _A:",
        $"    def getBanTime(self): return {jailBanTime}",
        "class _J:",
        $"    name = '{jail}'",
        "    actions = _A()",
        "    _banExtra = {}",
        $"    def getMaxBanTime(self): return {jailBanTime}",
        "J = _J()",
        "");
}

/// <summary>A temp directory removed on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "j2b-persist-" + Guid.NewGuid().ToString("N"));

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, true);
        }
        catch (IOException)
        {
            // best effort
        }
    }
}

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualTime(double unixSeconds) : TimeProvider
{
    public double Now { get; set; } = unixSeconds;

    public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(Now * 1000));
}

namespace Jail2Ban.Server.Tests.Hosting;

/// <summary>Locates the repository root and the shared compat corpus; makes temp directories.</summary>
internal static class RuntimeFixtures
{
    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Jail2Ban.sln")))
            {
                dir = dir.Parent;
            }
            return dir?.FullName ?? throw new InvalidOperationException("Jail2Ban.sln not found above " + AppContext.BaseDirectory);
        }
    }

    public static string Shared
    {
        get
        {
            var env = Environment.GetEnvironmentVariable("J2B_SHARED");
            if (!string.IsNullOrEmpty(env))
            {
                return env;
            }
            var sibling = Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));
            return Directory.Exists(sibling) ? sibling : "/work/shared";
        }
    }

    public static string Compat(params string[] parts) => Path.Combine([Shared, "compat", .. parts]);
}

/// <summary>A temp directory removed at dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = Directory.CreateTempSubdirectory("j2b-rt-").FullName;
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>A TimeProvider frozen at a given instant, in a given zone.</summary>
internal sealed class FixedTime(DateTimeOffset now, TimeZoneInfo? zone = null) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;

    public override TimeZoneInfo LocalTimeZone => zone ?? TimeZoneInfo.Utc;
}

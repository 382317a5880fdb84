namespace Jail2Ban.Server.Tests.Hosting;

/// <summary>Locates the repository root and the shared compat corpus; makes temp directories.</summary>
internal static class RuntimeFixtures
{
    public static string RepoRoot => RepoPaths.Root;

    public static string Shared => RepoPaths.Shared;

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

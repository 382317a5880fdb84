using System.Text;
using Jail2Ban.Core.Configuration;

namespace Jail2Ban.Core.Tests.Configuration;

/// <summary>An in-memory tree for configuration tests: absolute paths, directories implied by files.</summary>
internal sealed class InMemoryFileSystem : IConfigFileSystem
{
    private readonly Dictionary<string, byte[]> files = new(StringComparer.Ordinal);
    private readonly HashSet<string> dirs = new(StringComparer.Ordinal) { "/" };
    private readonly HashSet<string> danglingLinks = new(StringComparer.Ordinal);

    public InMemoryFileSystem(IEnumerable<KeyValuePair<string, string>>? contents = null)
    {
        foreach (var (p, text) in contents ?? [])
        {
            Add(p, text);
        }
    }

    public InMemoryFileSystem Add(string path, string text) => AddBytes(path, Encoding.UTF8.GetBytes(text));

    public InMemoryFileSystem AddBytes(string path, byte[] bytes)
    {
        files[path] = bytes;
        AddDirs(path);
        return this;
    }

    public InMemoryFileSystem AddDanglingLink(string path)
    {
        danglingLinks.Add(path);
        AddDirs(path);
        return this;
    }

    private void AddDirs(string path)
    {
        var d = path;
        while ((d = Path.GetDirectoryName(d)) is { Length: > 0 })
        {
            dirs.Add(d);
        }
    }

    public bool FileExists(string path) => files.ContainsKey(path);

    public bool DirectoryExists(string path) => dirs.Contains(path.Length > 1 ? path.TrimEnd('/') : path);

    public bool LinkExists(string path) => FileExists(path) || DirectoryExists(path) || danglingLinks.Contains(path);

    public IReadOnlyList<string> ListDirectory(string path, bool directoriesOnly)
    {
        var prefix = path.EndsWith('/') ? path : path + "/";
        var entries = files.Keys.Concat(dirs).Concat(danglingLinks)
            .Where(p => p.StartsWith(prefix, StringComparison.Ordinal) && p.Length > prefix.Length && p.IndexOf('/', prefix.Length) < 0)
            .Where(p => !directoriesOnly || dirs.Contains(p))
            .Select(p => p[prefix.Length..])
            .Distinct()
            .ToList();
        return entries;
    }

    public byte[]? ReadAllBytes(string path) => files.TryGetValue(path, out var b) ? b : null;
}

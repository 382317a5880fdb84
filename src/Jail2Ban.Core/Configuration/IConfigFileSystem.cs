using System.Text;

namespace Jail2Ban.Core.Configuration;

/// <summary>
/// The only file-system access of the configuration reader: reading config files, listing
/// directories for <c>X.d/*.conf</c> and logpath globs. Kept small so tests can use an in-memory tree.
/// Paths are plain strings composed like Python's os.path (no normalisation).
/// </summary>
public interface IConfigFileSystem
{
    /// <summary>True if <paramref name="path"/> is an existing regular file (follows symlinks).</summary>
    bool FileExists(string path);

    /// <summary>True if <paramref name="path"/> is an existing directory (follows symlinks).</summary>
    bool DirectoryExists(string path);

    /// <summary>True if the path exists, without following a final symlink (Python os.path.lexists).</summary>
    bool LinkExists(string path);

    /// <summary>Entry names (not paths) of a directory in directory order; empty if it cannot be listed.</summary>
    IReadOnlyList<string> ListDirectory(string path, bool directoriesOnly);

    /// <summary>Raw bytes of a file, or null if it cannot be opened.</summary>
    byte[]? ReadAllBytes(string path);
}

/// <summary>The real file system.</summary>
public sealed class PhysicalConfigFileSystem : IConfigFileSystem
{
    public static PhysicalConfigFileSystem Instance { get; } = new();

    public bool FileExists(string path) => File.Exists(path);

    public bool DirectoryExists(string path) => Directory.Exists(path);

    public bool LinkExists(string path)
    {
        if (File.Exists(path) || Directory.Exists(path))
        {
            return true;
        }
        try
        {
            // A dangling symlink: FileInfo sees the link itself.
            return new FileInfo(path).LinkTarget is not null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return false;
        }
    }

    public IReadOnlyList<string> ListDirectory(string path, bool directoriesOnly)
    {
        if (!Directory.Exists(path.Length == 0 ? "." : path))
        {
            return []; // the common case (no X.d directory): avoid a thrown DirectoryNotFoundException
        }
        try
        {
            var dir = new DirectoryInfo(path.Length == 0 ? "." : path);
            var names = new List<string>();
            foreach (var entry in dir.EnumerateFileSystemInfos())
            {
                if (directoriesOnly && !Directory.Exists(entry.FullName))
                {
                    continue;
                }
                names.Add(entry.Name);
            }
            return names;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return [];
        }
    }

    public byte[]? ReadAllBytes(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllBytes(path) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}

/// <summary>Python's glob.glob / fnmatch semantics on top of <see cref="IConfigFileSystem"/>.</summary>
internal static class PyGlob
{
    private static bool HasMagic(string s) => s.AsSpan().IndexOfAny('*', '?', '[') >= 0;

    /// <summary>glob.glob(pattern): results in directory order, unsorted; '*' skips dot files; '**' is not recursive.</summary>
    public static List<string> Glob(IConfigFileSystem fs, string pattern, bool dirOnly = false)
    {
        var result = new List<string>();
        var (dirname, basename) = PyPath.Split(pattern);
        if (!HasMagic(pattern))
        {
            if (basename.Length > 0 ? fs.LinkExists(pattern) : fs.DirectoryExists(dirname))
            {
                result.Add(pattern);
            }
            return result;
        }
        if (dirname.Length == 0)
        {
            AddMatches(fs, "", basename, dirOnly, result);
            return result;
        }
        IEnumerable<string> dirs = dirname != pattern && HasMagic(dirname) ? Glob(fs, dirname, dirOnly: true) : [dirname];
        foreach (var d in dirs)
        {
            if (HasMagic(basename))
            {
                var names = new List<string>();
                AddMatches(fs, d, basename, dirOnly, names);
                foreach (var n in names)
                {
                    result.Add(PyPath.Join(d, n));
                }
            }
            else if (basename.Length == 0 ? fs.DirectoryExists(d) : fs.LinkExists(PyPath.Join(d, basename)))
            {
                result.Add(PyPath.Join(d, basename));
            }
        }
        return result;
    }

    private static void AddMatches(IConfigFileSystem fs, string dir, string pattern, bool dirOnly, List<string> into)
    {
        var names = fs.ListDirectory(dir.Length == 0 ? "." : dir, dirOnly);
        if (names.Count == 0)
        {
            return;
        }
        System.Text.RegularExpressions.Regex regex;
        try
        {
            regex = FnmatchRegex(pattern);
        }
        catch (ArgumentException)
        {
            return; // e.g. a reversed range [z-a]: Python drops such ranges; here the pattern simply matches nothing
        }
        var hiddenPattern = pattern.StartsWith('.');
        foreach (var name in names)
        {
            if (!hiddenPattern && name.StartsWith('.'))
            {
                continue;
            }
            if (regex.IsMatch(name))
            {
                into.Add(name);
            }
        }
    }

    /// <summary>fnmatch.translate (POSIX: case-sensitive).</summary>
    internal static System.Text.RegularExpressions.Regex FnmatchRegex(string pat)
    {
        var sb = new StringBuilder("^(?s:");
        int i = 0, n = pat.Length;
        while (i < n)
        {
            var c = pat[i++];
            if (c == '*')
            {
                sb.Append(".*");
                while (i < n && pat[i] == '*')
                {
                    i++;
                }
            }
            else if (c == '?')
            {
                sb.Append('.');
            }
            else if (c == '[')
            {
                var j = i;
                if (j < n && pat[j] == '!')
                {
                    j++;
                }
                if (j < n && pat[j] == ']')
                {
                    j++;
                }
                while (j < n && pat[j] != ']')
                {
                    j++;
                }
                if (j >= n)
                {
                    sb.Append("\\[");
                }
                else
                {
                    var stuff = pat[i..j].Replace("\\", "\\\\");
                    i = j + 1;
                    if (stuff.StartsWith('!'))
                    {
                        stuff = "^" + stuff[1..];
                    }
                    else if (stuff.StartsWith('^'))
                    {
                        stuff = "\\" + stuff;
                    }
                    sb.Append('[').Append(stuff.Replace("[", "\\[")).Append(']');
                }
            }
            else
            {
                sb.Append(System.Text.RegularExpressions.Regex.Escape(c.ToString()));
            }
        }
        sb.Append(")$");
        return new System.Text.RegularExpressions.Regex(sb.ToString(), System.Text.RegularExpressions.RegexOptions.CultureInvariant);
    }
}

/// <summary>The few os.path functions the reader needs, with Python's string semantics.</summary>
internal static class PyPath
{
    public static bool IsAbs(string p) => p.StartsWith('/');

    public static string Join(string a, string b)
    {
        if (IsAbs(b))
        {
            return b;
        }
        if (a.Length == 0 || a.EndsWith('/'))
        {
            return a + b;
        }
        return a + "/" + b;
    }

    public static string DirName(string p) => Split(p).Head;

    /// <summary>os.path.split: head keeps no trailing slash unless it is all slashes.</summary>
    public static (string Head, string Tail) Split(string p)
    {
        var i = p.LastIndexOf('/') + 1;
        var head = p[..i];
        var tail = p[i..];
        if (head.Length > 0 && head.Trim('/').Length > 0)
        {
            head = head.TrimEnd('/');
        }
        return (head, tail);
    }

    /// <summary>os.path.splitext(p)[0].</summary>
    public static string StripExt(string p)
    {
        var slash = p.LastIndexOf('/');
        var dot = p.LastIndexOf('.');
        if (dot > slash)
        {
            // leading dots of the file name do not start an extension
            var nameStart = slash + 1;
            var k = nameStart;
            while (k < dot && p[k] == '.')
            {
                k++;
            }
            if (k < dot)
            {
                return p[..dot];
            }
        }
        return p;
    }
}

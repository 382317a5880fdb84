namespace Jail2Ban.Server.Tests.Builtin;

/// <summary>Locates the repository root (the directory holding Jail2Ban.sln) from the test binary.</summary>
internal static class BuiltinRepo
{
    public static string Root => RepoPaths.Root;

    /// <summary>
    /// The options of one section of an INI file, enough for our own action files: no
    /// interpolation, continuation lines joined with LF, comments dropped.
    /// </summary>
    public static Dictionary<string, string> Section(string path, string section)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string? current = null;
        string? lastKey = null;
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            if (line[0] == '[' && line[^1] == ']')
            {
                current = line[1..^1];
                lastKey = null;
                continue;
            }

            if (current != section)
            {
                continue;
            }

            if (char.IsWhiteSpace(raw[0]) && lastKey is not null)
            {
                result[lastKey] += "\n" + line;
                continue;
            }

            var eq = line.IndexOf('=');
            lastKey = line[..eq].Trim();
            result[lastKey] = line[(eq + 1)..].Trim();
        }

        return result;
    }
}

using Jail2Ban.Core.Configuration;

namespace Jail2Ban.Core.Tests.Configuration;

/// <summary>Small helpers: a tree under /etc/f2b from (relative path, text) pairs; the dump of a read.</summary>
internal static class ConfigTestKit
{
    public const string Base = "/etc/f2b";

    public static InMemoryFileSystem Tree(params (string Path, string Text)[] files)
    {
        var fs = new InMemoryFileSystem();
        foreach (var (p, t) in files)
        {
            fs.Add(p.StartsWith('/') ? p : Base + "/" + p, t);
        }
        return fs;
    }

    public static ConfigStore Store(InMemoryFileSystem fs, string name = "jail")
    {
        var ctx = new ConfigReadContext(fs, Base);
        return ctx.Store(name) ?? throw new InvalidOperationException("nothing read");
    }

    public static ConfigurationResult Read(InMemoryFileSystem fs, bool allowNoFiles = true) =>
        ConfigurationReader.Read(Base, new ConfigurationReadOptions { FileSystem = fs, AllowNoFiles = allowNoFiles });

    /// <summary>The jail commands of a read (without the fail2ban.conf part), as Python repr lines.</summary>
    public static List<string> JailLines(ConfigurationResult r) =>
        (r.Commands ?? throw new InvalidOperationException("read failed: " + string.Join("; ", r.Diagnostics)))
            .Where(c => c.Count > 1 && !(c[0] is "set" && c.Count == 3))
            .Select(c => PyRepr.Repr(c))
            .ToList();

    public static string Get(ConfigStore s, string section, string option) =>
        s.Get(section, option, null) ?? throw new InvalidOperationException("None");
}

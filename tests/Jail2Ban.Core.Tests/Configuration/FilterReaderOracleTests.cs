using Jail2Ban.Core.Configuration;

namespace Jail2Ban.Core.Tests.Configuration;

/// <summary>
/// The public <see cref="FilterReader"/> against fail2ban 1.0.2: for every jail of the all-jails oracle dump,
/// reading the jail's filter with the jail's bracket options and backend must give exactly the filter lines
/// fail2ban printed for that jail (prefregex, maxlines, ignore/failregex, datepattern, journalmatch).
/// </summary>
public class FilterReaderOracleTests
{
    private static readonly HashSet<string> FilterCommands = ["prefregex", "maxlines", "addignoreregex", "addfailregex", "datepattern", "addjournalmatch"];

    [Theory]
    [InlineData("upstream")]
    [InlineData("debian")]
    public void EveryStockFilterAsTheJailsUseIt(string tree)
    {
        var confDir = tree == "upstream" ? ConfigFixtures.UpstreamConfig : ConfigFixtures.DebianConfig;
        // The stock tree plus the oracle's jail.local, in memory (the jail.local only enables jails).
        var fs = new OverlayFileSystem(PhysicalConfigFileSystem.Instance, confDir + "/jail.local",
            File.ReadAllText(Path.Combine(ConfigFixtures.Oracle, $"jail.local.{tree}-all-jails")));
        var config = ConfigurationReader.Read(confDir, new ConfigurationReadOptions { FileSystem = fs, AllowNoFiles = true });
        var oracle = File.ReadAllLines(Path.Combine(ConfigFixtures.Oracle, $"dump.{tree}-all-jails.by-fail2ban-1.0.2.txt"));
        var checkedJails = 0;
        foreach (var jail in config.Jails)
        {
            if (FilterReaderTemplates.Any(t => jail.Options.ContainsKey(t) && t != "usedns"))
            {
                continue; // the jail overrides filter options itself: those lines are the jail's, not the filter's
            }
            var (name, init) = OptionSpec.Parse(jail.FilterSpec);
            var read = FilterReader.Read(confDir, name, init.ToDictionary(kv => kv.Key, kv => kv.Value), jail.Name, jail.Backend, fs);
            var ours = read.Commands.Where(c => FilterCommands.Contains((string)c[2]!)).Select(c => PyRepr.Repr(c)).ToList();
            var prefix = $"['set', '{jail.Name}', ";
            var prefixMulti = $"['multi-set', '{jail.Name}', ";
            var theirs = oracle.Where(l => (l.StartsWith(prefix, StringComparison.Ordinal) || l.StartsWith(prefixMulti, StringComparison.Ordinal))
                && FilterCommands.Any(c => l.Contains($"'{jail.Name}', '{c}'", StringComparison.Ordinal))).ToList();
            Assert.True(theirs.Count > 0, $"jail {jail.Name} not in the oracle");
            Assert.Equal(theirs, ours);
            checkedJails++;
        }
        Assert.True(checkedJails > 80, $"only {checkedJails} jails checked");
    }

    private static readonly string[] FilterReaderTemplates = ["usedns", "prefregex", "ignoreregex", "failregex", "maxlines", "datepattern", "journalmatch"];

    /// <summary>The real tree with one extra (virtual) file.</summary>
    private sealed class OverlayFileSystem(IConfigFileSystem inner, string extraPath, string extraText) : IConfigFileSystem
    {
        public bool FileExists(string path) => path == extraPath || inner.FileExists(path);

        public bool DirectoryExists(string path) => inner.DirectoryExists(path);

        public bool LinkExists(string path) => path == extraPath || inner.LinkExists(path);

        public IReadOnlyList<string> ListDirectory(string path, bool directoriesOnly) => inner.ListDirectory(path, directoriesOnly);

        public byte[]? ReadAllBytes(string path) => path == extraPath ? System.Text.Encoding.UTF8.GetBytes(extraText) : inner.ReadAllBytes(path);
    }
}

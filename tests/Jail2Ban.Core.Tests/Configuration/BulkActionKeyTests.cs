using Jail2Ban.Core.Configuration;
using static Jail2Ban.Core.Tests.Configuration.ConfigTestKit;

namespace Jail2Ban.Core.Tests.Configuration;

/// <summary>
/// Jail2Ban's bulk action keys (actionban_bulk, actionunban_bulk, actionbulk_size) are read from an
/// action file's [Definition] like fail2ban's own command keys, with tags substituted, so that an
/// action.d file can declare its bulk form (fail2ban's reader would drop them).
/// </summary>
public class BulkActionKeyTests
{
    private const string Action = """
[Definition]
actionban = nft add element inet f2b <name> { <ip> }
actionban_bulk = nft add element inet f2b <name> { <ips> }
actionunban_bulk = nft delete element inet f2b <name> { <ips> }
actionbulk_size = 500
[Init]
name = default
""";

    private const string Jail = """
[j]
enabled = true
filter =
failregex = ^x <HOST>$
action = bulk[name=web]
logpath = /tmp/j2b-bulk.log
""";

    [Fact]
    public void BulkKeysAreKeptWithTagsSubstituted()
    {
        var fs = Tree(("jail.conf", Jail), ("action.d/bulk.conf", Action));
        fs.Add("/tmp/j2b-bulk.log", "");
        var r = Read(fs);
        Assert.True(r.Success, string.Join("\n", r.Diagnostics));
        var action = Assert.Single(Assert.Single(r.Jails).Actions);
        var options = action.Options.ToDictionary(kv => kv.Key, kv => kv.Value as string);
        Assert.Equal("nft add element inet f2b web { <ips> }", options["actionban_bulk"]);
        Assert.Equal("nft delete element inet f2b web { <ips> }", options["actionunban_bulk"]);
        Assert.Equal("500", options["actionbulk_size"]);
    }

    [Fact]
    public void StockLikeActionWithoutBulkKeysHasNone()
    {
        var fs = Tree(("jail.conf", Jail), ("action.d/bulk.conf", "[Definition]\nactionban = echo <ip>\n"));
        fs.Add("/tmp/j2b-bulk.log", "");
        var r = Read(fs);
        var action = Assert.Single(Assert.Single(r.Jails).Actions);
        Assert.DoesNotContain(action.Options, kv => kv.Key.Contains("bulk", StringComparison.Ordinal));
    }
}

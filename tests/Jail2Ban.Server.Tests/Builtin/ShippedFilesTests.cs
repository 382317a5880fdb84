using Jail2Ban.Server.Builtin;

namespace Jail2Ban.Server.Tests.Builtin;

/// <summary>The shipped action.d / filter.d files agree with the code and with each other.</summary>
public sealed class ShippedFilesTests : IDisposable
{
    private readonly string _dir = BuiltinFixtures.TempDir();
    private readonly BuiltinActionFactory _factory = new(new UtcTimeProvider());

    public void Dispose()
    {
        _factory.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Theory]
    [InlineData("blocklist-csv")]
    [InlineData("webhook")]
    public async Task ShippedActionFileDefaultsAreAcceptedByTheFactory(string name)
    {
        var init = BuiltinRepo.Section(Path.Combine(BuiltinRepo.Root, "action.d", name + ".conf"), "Init");
        Assert.Equal(name, BuiltinActionFactory.BuiltinNameOf(init));

        // What the jail must supply itself (empty in the file on purpose).
        var options = new Dictionary<string, string>(init)
        {
            ["file"] = Path.Combine(_dir, "b.csv"),
            ["url"] = "http://127.0.0.1:9/",
            ["name"] = "sshd",
            ["actname"] = name,
        };
        var action = _factory.Create("sshd", BuiltinActionFactory.BuiltinNameOf(options)!, options);
        Assert.Equal(name, action.Name);
        await action.StopAsync(default);
    }

    [Fact]
    public void WebhookFileDocumentsEveryField()
    {
        var text = File.ReadAllText(Path.Combine(BuiltinRepo.Root, "action.d", "webhook.conf"));
        Assert.All(WebhookAction.AllFields, f => Assert.Contains(f, text));
    }

    [Fact]
    public void EveryTestedFilterHasASampleLogAndEverySampleAFilter()
    {
        var root = BuiltinRepo.Root;
        var filters = Directory.GetFiles(Path.Combine(root, "filter.d"), "*.conf")
            .Select(Path.GetFileNameWithoutExtension)
            .Where(n => !n!.EndsWith("common", StringComparison.Ordinal))
            .Order()
            .ToList();
        var samples = Directory.GetFiles(Path.Combine(root, "tests", "samples", "logs"))
            .Select(Path.GetFileName)
            .Order()
            .ToList();
        Assert.Equal(filters, samples);
        Assert.True(filters.Count >= 13, string.Join(",", filters));
    }

    [Theory]
    [InlineData("nftables.conf", "actionban_bulk")]
    [InlineData("nftables.conf", "actionunban_bulk")]
    public void NftablesHasBulkCommandsTakingIps(string file, string key)
    {
        var definition = BuiltinRepo.Section(Path.Combine(BuiltinRepo.Root, "action.d", file), "Definition");
        Assert.Contains("<ips>", definition[key]);
    }
}

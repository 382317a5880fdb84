using System.Globalization;
using System.Text.Json;
using Jail2Ban.Core.Actions;

namespace Jail2Ban.Core.Tests.Actions;

/// <summary>One golden file written by tools/make_goldens.py from fail2ban 1.0.2.</summary>
internal sealed class GoldenCase
{
    public required string Name { get; init; }
    public required string Jail { get; init; }
    public required string ActName { get; init; }
    public required double Now { get; init; }
    public required long JailBanTime { get; init; }
    public required ActionDefinition Definition { get; init; }
    public required Dictionary<string, ActionTicket> Tickets { get; init; }
    public required List<GoldenStep> Steps { get; init; }
    public required List<GoldenCall> Calls { get; init; }

    /// <summary>Operation -> the 1-based call numbers (per operation) that fail.</summary>
    public required Dictionary<string, HashSet<int>> Fail { get; init; }

    public static IEnumerable<string> Names() =>
        Directory.GetFiles(ActionsFixtures.GoldenDir, "*.json").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal)!;

    public static GoldenCase Load(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(ActionsFixtures.GoldenDir, name + ".json")));
        var root = doc.RootElement;
        var source = root.GetProperty("source");
        List<KeyValuePair<string, string>> options;
        if (source.GetProperty("kind").GetString() == "compat-dump")
        {
            // The input comes straight from the oracle dump in the compat corpus (read at test time).
            var dump = File.ReadAllLines(Path.Combine(ActionsFixtures.Compat, source.GetProperty("dump").GetString()!));
            options = PyLiteral.ActionOptions(dump, source.GetProperty("jail").GetString()!, source.GetProperty("actname").GetString()!);
        }
        else
        {
            options = root.GetProperty("options").EnumerateArray()
                .Select(kv => new KeyValuePair<string, string>(kv[0].GetString()!, JsonScalar(kv[1]))).ToList();
        }
        var dict = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in options) dict[k] = v;
        var tickets = new Dictionary<string, ActionTicket>();
        foreach (var t in root.GetProperty("tickets").EnumerateObject())
        {
            var e = t.Value;
            tickets[t.Name] = new ActionTicket(
                e.GetProperty("id").GetString()!,
                e.GetProperty("time").GetDouble(),
                e.GetProperty("failures").GetInt32(),
                e.GetProperty("bantime").ValueKind == JsonValueKind.Null ? null : e.GetProperty("bantime").GetInt64(),
                e.GetProperty("bancount").GetInt32(),
                e.GetProperty("restored").GetBoolean(),
                e.GetProperty("matches").EnumerateArray().Select(m => m.GetString()!).ToList(),
                e.GetProperty("data").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!));
        }
        return new GoldenCase
        {
            Name = name,
            Jail = root.GetProperty("jail").GetString()!,
            ActName = root.GetProperty("actname").GetString()!,
            Now = root.GetProperty("now").GetDouble(),
            JailBanTime = root.GetProperty("jailBantime").GetInt64(),
            Definition = new ActionDefinition(root.GetProperty("actname").GetString()!, dict),
            Tickets = tickets,
            Steps = root.GetProperty("steps").EnumerateArray().Select(s => new GoldenStep(
                s.GetProperty("step").GetString()!,
                s.GetProperty("ticket").ValueKind == JsonValueKind.Null ? null : s.GetProperty("ticket").GetString(),
                s.GetProperty("calls").EnumerateArray().Select(c => c.GetInt32()).ToList(),
                s.TryGetProperty("error", out var err) && err.ValueKind == JsonValueKind.String ? err.GetString() : null)).ToList(),
            Fail = root.TryGetProperty("fail", out var fail)
                ? fail.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(n => n.GetInt32()).ToHashSet())
                : [],
            Calls = root.GetProperty("calls").EnumerateArray().Select(c => new GoldenCall(
                c.GetProperty("op").GetString()!,
                c.GetProperty("family").GetString()!,
                c.GetProperty("ticket").GetString()!,
                c.GetProperty("script").GetString()!,
                c.GetProperty("args").EnumerateArray().Select(a => a.GetString()!).ToList(),
                c.GetProperty("timeout").GetDouble())).ToList(),
        };
    }

    private static string JsonScalar(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString()!,
        JsonValueKind.True => "True",
        JsonValueKind.False => "False",
        _ => e.GetRawText(),
    };
}

internal sealed record GoldenStep(string Step, string? Ticket, List<int> Calls, string? Error);

internal sealed record GoldenCall(string Op, string Family, string Ticket, string Script, List<string> Args, double Timeout)
{
    public override string ToString() =>
        $"{Op} [{Family}] ticket={Ticket} timeout={Timeout}\n  script: {PyText.Repr(Script)}\n  args: {PyText.ReprList(Args)}";
}

/// <summary>Compares a produced command with the golden one and shows both in full when they differ.</summary>
internal static class GoldenAssert
{
    public static void Same(GoldenCall expected, string script, IReadOnlyList<string> args, double timeout, string context)
    {
        var actual = expected with { Script = script, Args = args.ToList(), Timeout = timeout };
        if (expected.Script == script && expected.Args.SequenceEqual(args) && expected.Timeout == timeout) return;
        Assert.Fail($"{context}: command differs from fail2ban 1.0.2\n--- expected (golden)\n{expected}\n--- actual\n{actual}");
    }
}

/// <summary>A clock fixed at a Python float epoch time, exact to 100 ns.</summary>
internal sealed class FixedTime(double epochSeconds) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() =>
        DateTimeOffset.UnixEpoch.AddTicks((long)Math.Round(
            decimal.Parse(epochSeconds.ToString("R", CultureInfo.InvariantCulture),
                NumberStyles.Float, CultureInfo.InvariantCulture) * 10_000_000m));
}

/// <summary>Records every command instead of running it; every command succeeds unless told otherwise.</summary>
internal sealed class RecordingRunner : IActionRunner
{
    public List<ActionRunRequest> Requests { get; } = [];

    public Func<ActionRunRequest, bool> Succeeds { get; set; } = _ => true;

    public Task<ActionRunResult> RunAsync(ActionRunRequest request, CancellationToken cancellationToken = default)
    {
        Requests.Add(request);
        return Task.FromResult(Succeeds(request)
            ? ActionRunResult.Ok()
            : new ActionRunResult(1, false, "", "", TimeSpan.Zero));
    }
}

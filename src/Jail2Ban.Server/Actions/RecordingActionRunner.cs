using System.Collections.Concurrent;
using Jail2Ban.Core.Actions;

namespace Jail2Ban.Server.Actions;

/// <summary>
/// An <see cref="IActionRunner"/> for tests: records every request in order and answers with a
/// configurable result (success by default). Nothing is executed.
/// </summary>
internal sealed class RecordingActionRunner : IActionRunner
{
    private readonly ConcurrentQueue<ActionRunRequest> _requests = new();

    /// <summary>Decides the result of each request; default: exit code 0.</summary>
    public Func<ActionRunRequest, ActionRunResult> Respond { get; set; } = _ => ActionRunResult.Ok();

    public IReadOnlyList<ActionRunRequest> Requests => _requests.ToArray();

    /// <summary>"jail action operation: script" lines, handy for assertions.</summary>
    public IReadOnlyList<string> Lines => Requests.Select(r => $"{r.Jail} {r.Action} {r.Operation}: {r.Command}").ToArray();

    /// <summary>Make every command whose operation is <paramref name="operation"/> fail with exit code 1.</summary>
    public void FailOperation(string operation) =>
        Respond = r => r.Operation == operation ? new ActionRunResult(1, false, "", "", TimeSpan.Zero) : ActionRunResult.Ok();

    public void Clear() => _requests.Clear();

    public Task<ActionRunResult> RunAsync(ActionRunRequest request, CancellationToken cancellationToken = default)
    {
        _requests.Enqueue(request);
        return Task.FromResult(Respond(request));
    }
}

using System.Net;

namespace Jail2Ban.Server.Builtin;

/// <summary>
/// An action implemented inside the server instead of as a shell command. The action runner
/// calls it exactly where it would run <c>actionstart</c>, <c>actionban</c>,
/// <c>actionunban</c> and <c>actionstop</c> of a command action. Implementations must never
/// block banning for long: slow work (network) belongs on a queue of their own.
/// </summary>
/// <remarks>
/// Checklist for a new built-in action: (1) a class implementing this interface,
/// (2) a case in <see cref="BuiltinActionFactory.Create"/>, (3) an <c>action.d/&lt;name&gt;.conf</c>
/// whose <c>[Init]</c> has <c>builtin = &lt;name&gt;</c> and documents the options,
/// (4) tests in tests/Jail2Ban.Server.Tests/Builtin.
/// </remarks>
internal interface IBuiltinAction
{
    /// <summary>The action name as written in the jail (e.g. <c>blocklist-csv</c>).</summary>
    string Name { get; }

    Task StartAsync(CancellationToken cancellationToken);

    Task BanAsync(BanEvent ban, CancellationToken cancellationToken);

    Task UnbanAsync(BanEvent ban, CancellationToken cancellationToken);

    /// <summary>Called once when the jail stops; the action releases what it holds for this jail.</summary>
    Task StopAsync(CancellationToken cancellationToken);
}

/// <summary>
/// What a built-in action learns about one ban: the same facts a command action gets through
/// the tags <c>&lt;ip&gt; &lt;fid&gt; &lt;failures&gt; &lt;time&gt; &lt;bantime&gt; &lt;bancount&gt;
/// &lt;restored&gt; &lt;matches&gt;</c>.
/// </summary>
/// <param name="Jail">Jail name.</param>
/// <param name="Id">Failure id as fail2ban shows it in <c>&lt;fid&gt;</c>: an address, a subnet or a raw F-ID.</param>
/// <param name="Address">The banned address when the id is (or carries) one; null for raw ids.</param>
/// <param name="Failures">Failures counted for the ticket (0 for a manual <c>banip</c>).</param>
/// <param name="Time">Start of the ban (the ticket time).</param>
/// <param name="BanTime">Ban duration; null means permanent (fail2ban's -1).</param>
/// <param name="Matches">Matched log lines, oldest first. Hostile text: never trust it.</param>
/// <param name="BanCount">Number of times this id was banned (1 for a first ban).</param>
/// <param name="Restored">True when the ban was restored from the database at start.</param>
internal sealed record BanEvent(
    string Jail,
    string Id,
    IPAddress? Address,
    int Failures,
    DateTimeOffset Time,
    TimeSpan? BanTime,
    IReadOnlyList<string> Matches,
    int BanCount = 1,
    bool Restored = false)
{
    /// <summary>The <c>&lt;ip&gt;</c> tag value: the address if there is one, otherwise the raw id.</summary>
    public string Ip => Address?.ToString() ?? Id;

    /// <summary>When the ban ends; null for a permanent ban.</summary>
    public DateTimeOffset? Expires => BanTime is { } span ? Time + span : null;

    /// <summary>Ban time in whole seconds as fail2ban prints it (-1 = permanent).</summary>
    public long BanTimeSeconds => BanTime is { } span ? (long)span.TotalSeconds : -1;
}

/// <summary>A built-in action was configured wrongly; the message names the action and option.</summary>
internal sealed class BuiltinActionConfigException(string message) : Exception(message);

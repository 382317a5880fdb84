using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jail2Ban.Server.Builtin;

/// <summary>
/// Creates built-in actions from a name and the action's options. One factory per server: it
/// owns the shared CSV writers (one per file path) and the HTTP client used by webhooks.
/// </summary>
/// <remarks>
/// How a jail reaches a built-in action: <c>action.d/blocklist-csv.conf</c> and
/// <c>action.d/webhook.conf</c> are ordinary action files whose <c>[Init]</c> carries
/// <c>builtin = blocklist-csv</c> (resp. <c>webhook</c>) and the documented defaults, and whose
/// command keys are empty (so fail2ban itself reads them and does nothing). The action runner
/// checks <see cref="BuiltinNameOf"/> on the resolved options and, when it is set, calls
/// <see cref="Create"/> with those options instead of running shell commands.
/// </remarks>
internal sealed class BuiltinActionFactory : IDisposable
{
    public const string BlocklistCsv = "blocklist-csv";
    public const string Webhook = "webhook";

    /// <summary>The <c>[Init]</c> option that marks an action file as a built-in action.</summary>
    public const string BuiltinOption = "builtin";

    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly HttpClient _http;
    private readonly string _serverName;

    public BuiltinActionFactory(TimeProvider time, ILoggerFactory? loggers = null, HttpMessageHandler? handler = null)
    {
        _time = time;
        _loggers = loggers ?? NullLoggerFactory.Instance;
        // Per-request timeouts are the webhook's own; the client-wide one is disabled so that it
        // cannot cut a retry short. PooledConnectionLifetime lets DNS changes be noticed.
        _http = new HttpClient(handler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }, disposeHandler: true)
        {
            Timeout = System.Threading.Timeout.InfiniteTimeSpan,
        };
        Csv = new BlocklistCsvRegistry(time, _loggers.CreateLogger("Jail2Ban.Server.Builtin.BlocklistCsv"));
        _serverName = SafeHostName();
    }

    public static IReadOnlyList<string> Names { get; } = [BlocklistCsv, Webhook];

    internal BlocklistCsvRegistry Csv { get; }

    public static bool IsBuiltin(string name) => Names.Contains(name, StringComparer.Ordinal);

    /// <summary>The built-in name an action's resolved options ask for, or null for a command action.</summary>
    public static string? BuiltinNameOf(IReadOnlyDictionary<string, string> options)
    {
        foreach (var (key, value) in options)
        {
            if (string.Equals(key, BuiltinOption, StringComparison.OrdinalIgnoreCase) && value.Trim().Length > 0)
            {
                return value.Trim();
            }
        }

        return null;
    }

    /// <summary>
    /// Builds the action for <paramref name="jail"/>. Options not used by the action (fail2ban's
    /// own <c>name</c>, <c>actname</c>, <c>port</c>, ...) are ignored.
    /// </summary>
    /// <exception cref="BuiltinActionConfigException">Unknown name or an invalid option; the message names it.</exception>
    public IBuiltinAction Create(string jail, string name, IReadOnlyDictionary<string, string> options)
    {
        var typed = new BuiltinOptions(name, options);
        return name switch
        {
            BlocklistCsv => new BlocklistCsvAction(jail, typed, Csv),
            Webhook => new WebhookAction(jail, typed, _http, _time, _loggers.CreateLogger("Jail2Ban.Server.Builtin.Webhook"), _serverName),
            _ => throw new BuiltinActionConfigException(
                $"unknown built-in action '{name}'; built-in actions are: {string.Join(", ", Names)}"),
        };
    }

    public void Dispose() => _http.Dispose();

    private static string SafeHostName()
    {
        try
        {
            return Dns.GetHostName();
        }
        catch (System.Net.Sockets.SocketException)
        {
            return "localhost";
        }
    }
}

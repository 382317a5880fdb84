using System.Diagnostics;
using Jail2Ban.Client.Output;
using Jail2Ban.Client.Transport;
using Jail2Ban.Protocol;
using Jail2Ban.Protocol.Values;

namespace Jail2Ban.Client;

/// <summary>
/// Executes fail2ban-client commands: client-side ones (start, restart, reload, ping with timeout)
/// and everything else forwarded word for word to the server (fail2ban-client never validates the
/// command itself). Prints beautified text or --json; returns 0 or 255 like fail2ban-client.
/// </summary>
internal sealed class ClientRunner(ClientSettings settings, TextWriter stdout, TextWriter stderr, TimeProvider? time = null)
{
    public const int Ok = 0;
    public const int Failed = 255;

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ClientLog _log = new(stderr, settings.Verbosity, time ?? TimeProvider.System);

    /// <summary>Test hook and start implementation: how to launch the server process.</summary>
    public Func<ClientSettings, Process?> StartServerProcess { get; init; } = ServerLauncher.Launch;

    public async Task<int> RunAsync(IReadOnlyList<string> words, CancellationToken ct)
    {
        try
        {
            return await ProcessCommandAsync(words.ToList(), ct).ConfigureAwait(false) ? Ok : Failed;
        }
        catch (OperationCanceledException)
        {
            _log.Warning("Caught signal. Exiting");
            return Failed;
        }
    }

    private async Task<bool> ProcessCommandAsync(List<string> cmd, CancellationToken ct)
    {
        if (cmd is ["start"])
            return await StartServerAsync(ct).ConfigureAwait(false);
        if (cmd.Count >= 1 && cmd[0] == "restart")
        {
            if (cmd.Count > 1)
            {
                cmd[0] = "reload";
                cmd.Insert(1, "--restart");
                return await ProcessCommandAsync(cmd, ct).ConfigureAwait(false);
            }
            await ProcessCmdAsync([["stop"]], showRet: true, timeout: null, ct).ConfigureAwait(false);
            if (!await WaitOnServerAsync(alive: false, ct).ConfigureAwait(false))
            {
                _log.Error("Could not stop server");
                return false;
            }
            return await StartServerAsync(ct).ConfigureAwait(false);
        }
        if (cmd.Count >= 1 && cmd[0] == "reload")
            return await ReloadAsync(cmd, ct).ConfigureAwait(false);
        if (cmd.Count > 1 && cmd[0] == "ping")
        {
            if (!double.TryParse(cmd[1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var t))
            {
                _log.Error($"could not convert string to float: '{cmd[1]}'");
                return false;
            }
            return await ProcessCmdAsync([cmd], showRet: true, timeout: TimeSpan.FromSeconds(t), ct).ConfigureAwait(false);
        }
        return await ProcessCmdAsync([cmd], showRet: true, timeout: null, ct).ConfigureAwait(false);
    }

    private async Task<bool> ReloadAsync(List<string> cmd, CancellationToken ct)
    {
        var opts = new List<object?>();
        while (cmd.Count >= 2)
        {
            if (cmd[1] is "--restart" or "--unban" or "--if-exists")
            {
                opts.Add(cmd[1]);
                cmd.RemoveAt(1);
                continue;
            }
            if (cmd.Count > 2)
            {
                _log.Error($"Unexpected argument(s) for reload: {PyRepr.Repr(cmd.Skip(1).ToList())}");
                return false;
            }
            break;
        }
        if (!await PingAsync(null, ct).ConfigureAwait(false))
        {
            _log.Error("Could not find server");
            return false;
        }
        var jail = cmd.Count == 1 || cmd[1] == "--all" ? "--all" : cmd[1];
        // j2b-server reads the configuration itself: a 3-item reload (no command stream) asks it to.
        // The Python client sends a 4th item with the stream it built; the server accepts both.
        return await ProcessCmdAsync([["reload", jail, opts]], showRet: true, timeout: null, ct, display: ["reload", jail]).ConfigureAwait(false);
    }

    private async Task<bool> PingAsync(TimeSpan? timeout, CancellationToken ct) =>
        await ProcessCmdAsync([["ping"]], showRet: false, timeout ?? TimeSpan.FromSeconds(0.1), ct).ConfigureAwait(false);

    private async Task<bool> StartServerAsync(CancellationToken ct)
    {
        if (await PingAsync(null, ct).ConfigureAwait(false))
        {
            _log.Error("Server already running");
            return false;
        }
        if (!settings.Force && File.Exists(settings.SocketPath))
        {
            _log.Error("Fail2ban seems to be in unexpected state (not running but the socket exists)");
            return false;
        }
        using var process = StartServerProcess(settings);
        if (process is null)
        {
            _log.Error("Could not start server: j2b-server not found next to j2b-client or in PATH");
            return false;
        }
        if (!await WaitOnServerAsync(alive: true, ct).ConfigureAwait(false))
        {
            _log.Error("Could not find server, waiting failed");
            return false;
        }
        return await ProcessCmdAsync([["server-status"]], showRet: true, timeout: null, ct).ConfigureAwait(false);
    }

    private async Task<bool> WaitOnServerAsync(bool alive, CancellationToken ct)
    {
        var start = _time.GetTimestamp();
        var sleep = TimeSpan.FromSeconds(0.00625);
        while (true)
        {
            var up = File.Exists(settings.SocketPath) && await PingAsync(sleep, ct).ConfigureAwait(false);
            if (up == alive)
                return true;
            var waited = _time.GetElapsedTime(start);
            if (waited.TotalSeconds >= settings.Timeout)
            {
                _log.Error("Failed to start server");
                return false;
            }
            sleep = TimeSpan.FromSeconds(Math.Min(sleep.TotalSeconds * 2, waited.TotalSeconds > 0.2 ? 0.5 : 0.1));
            await Task.Delay(sleep, _time, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Sends each command on one connection; prints replies when <paramref name="showRet"/>.</summary>
    private async Task<bool> ProcessCmdAsync(IReadOnlyList<IReadOnlyList<object?>> cmds, bool showRet, TimeSpan? timeout,
        CancellationToken ct, IReadOnlyList<string>? display = null)
    {
        // the timeout runs on the client's clock, like its other waits (a test can hold it)
        using var timer = timeout is { } t ? new CancellationTokenSource(t, _time) : null;
        using var cts = timer is null
            ? CancellationTokenSource.CreateLinkedTokenSource(ct)
            : CancellationTokenSource.CreateLinkedTokenSource(ct, timer.Token);
        ControlConnection? connection = null;
        var ok = true;
        try
        {
            foreach (var c in cmds)
            {
                var words = display ?? c.Select(PyRepr.Str).ToList();
                var first = words.Count > 0 ? words[0] : "";
                ControlReply reply;
                try
                {
                    connection ??= await ControlConnection.ConnectAsync(settings.SocketPath, cts.Token).ConfigureAwait(false);
                    reply = await connection.SendAsync(c, cts.Token).ConfigureAwait(false);
                }
                catch (Exception e) when ((e is ServerUnreachableException or Jail2Ban.Protocol.Json.JsonWireException)
                                          || (e is OperationCanceledException && !ct.IsCancellationRequested))
                {
                    if (showRet || settings.Verbosity > 1)
                    {
                        var message = e is OperationCanceledException ? "timed out" : e.Message;
                        if (settings.Json && showRet)
                            await stdout.WriteLineAsync(JsonOutput.Failure(words, "ConnectionError", message)).ConfigureAwait(false);
                        if (showRet || first != "ping")
                            _log.Error(message);
                    }
                    return false;
                }
                if (!reply.IsError)
                {
                    if (showRet || first is "echo" or "server-status")
                        await PrintAsync(words, reply.Value).ConfigureAwait(false);
                }
                else
                {
                    var error = reply.Error ?? PyException.Builtin("Exception", PyRepr.Str(reply.Value));
                    _log.Error("NOK: " + PyRepr.Repr(new PyTuple(error.Args)));
                    if (showRet)
                    {
                        await stdout.WriteLineAsync(settings.Json
                            ? JsonOutput.Failure(words, error.Name, Beautifier.BeautifyError(error), error.Args)
                            : Beautifier.BeautifyError(error)).ConfigureAwait(false);
                    }
                    ok = false;
                }
            }
        }
        finally
        {
            if (connection is not null)
                await connection.DisposeAsync().ConfigureAwait(false);
            await stdout.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        return ok;
    }

    private Task PrintAsync(IReadOnlyList<string> words, object? value) =>
        stdout.WriteLineAsync(settings.Json
            ? JsonOutput.Success(words, value)
            : Beautifier.Beautify(words, value, unicode: stdout.Encoding.WebName.StartsWith("utf-", StringComparison.Ordinal)));
}

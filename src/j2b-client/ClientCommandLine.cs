using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using Jail2Ban.Client.Config;
using Jail2Ban.Client.Output;

namespace Jail2Ban.Client;

/// <summary>
/// The j2b-client command line: fail2ban-client's options and commands, declared once. Every
/// command handler receives typed values and ends in <see cref="ClientRunner"/>, which prints to
/// the configured writer and returns fail2ban's exit code (0 / 255).
/// </summary>
internal sealed class ClientCommandLine
{
    public const string Version = "0.1.0";

    private readonly DumpHandler? _dump;
    private readonly int _verbosity;
    private readonly TimeProvider _time;

    // Global options (fail2ban-client's, same names and meaning).
    private readonly Option<string> _conf = new("--conf", "-c") { Description = "configuration directory", HelpName = "DIR", DefaultValueFactory = _ => "/etc/fail2ban", Recursive = true };
    private readonly Option<string?> _socket = new("--socket", "-s") { Description = "socket path (default: 'socket' from fail2ban.conf)", HelpName = "FILE", Recursive = true };
    private readonly Option<string?> _pidfile = new("--pidfile", "-p") { Description = "pidfile path", HelpName = "FILE", Recursive = true };
    private readonly Option<string?> _pname = new("--pname") { Description = "name of the server process (accepted for compatibility)", HelpName = "NAME" };
    private readonly Option<string?> _loglevel = new("--loglevel") { Description = "logging level passed to the server on start", HelpName = "LEVEL" };
    private readonly Option<string?> _logtarget = new("--logtarget") { Description = "logging target passed to the server on start (file, STDOUT, STDERR, SYSLOG, SYSOUT)", HelpName = "TARGET" };
    private readonly Option<string?> _syslogsocket = new("--syslogsocket") { Description = "syslog socket passed to the server on start", HelpName = "auto|FILE" };
    private readonly Option<bool> _dumpOpt = new("-d") { Description = "dump configuration. For debugging" };
    private readonly Option<bool> _dumpPretty = new("--dp", "--dump-pretty") { Description = "dump the configuration using more human readable representation" };
    private readonly Option<bool> _test = new("--test", "-t") { Description = "test configuration" };
    private readonly Option<bool> _interactive = new("-i") { Description = "interactive mode" };
    private readonly Option<bool> _verbose = new("-v") { Description = "increase verbosity (repeatable)" };
    private readonly Option<bool> _quiet = new("-q") { Description = "decrease verbosity (repeatable)" };
    private readonly Option<bool> _force = new("-x") { Description = "force execution of the server (remove socket file)" };
    private readonly Option<bool> _background = new("-b") { Description = "start server in background (default)" };
    private readonly Option<bool> _foreground = new("-f") { Description = "start server in foreground" };
    private readonly Option<bool> _async = new("--async") { Description = "for internal usage only" };
    private readonly Option<string?> _timeout = new("--timeout") { Description = "timeout to wait for the server (time abbreviation, default 30)", HelpName = "TIME" };
    private readonly Option<string?> _str2sec = new("--str2sec") { Description = "convert time abbreviation format to seconds", HelpName = "STRING" };
    private readonly Option<bool> _shortVersion = new("-V") { Description = "print the version (machine-readable short format)" };
    private readonly Option<bool> _longVersion = new("--version") { Description = "print the version" };
    private readonly Option<bool> _json = new("--json") { Description = "print the reply as JSON (schema: docs/client-json.md)", Recursive = true };

    private readonly TextReader _stdin;

    private ClientCommandLine(DumpHandler? dump, int verbosity, TimeProvider time, TextReader stdin)
    {
        _stdin = stdin;
        _dump = dump;
        _verbosity = verbosity;
        _time = time;
    }

    /// <summary>Parses and runs; this is all Program.Main does.</summary>
    public static Task<int> RunAsync(string[] argv, TextWriter stdout, TextWriter stderr, DumpHandler? dump, CancellationToken ct,
        TimeProvider? time = null, TextReader? stdin = null)
    {
        var normalized = ArgvNormalizer.Normalize(argv);
        var cli = new ClientCommandLine(dump, normalized.Verbosity, time ?? TimeProvider.System, stdin ?? Console.In);
        var root = cli.BuildRoot();
        var parse = root.Parse(normalized.Args);
        if (parse.Errors.Count > 0 && parse.Action is not HelpAction)
        {
            // fail2ban-client: usage errors exit 255 (System.CommandLine would use 1).
            foreach (var error in parse.Errors)
                stderr.WriteLine(error.Message);
            stderr.WriteLine("Try 'j2b-client --help'.");
            return Task.FromResult(ClientRunner.Failed);
        }
        return parse.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr }, ct);
    }

    private RootCommand BuildRoot()
    {
        var root = new RootCommand(
            "Jail2Ban client: controls j2b-server with fail2ban-client's commands and output.\n" +
            "Options go before the command; every word after a pass-through command (set, get, ...) is sent to the server as is.");
        foreach (var o in root.Options.Where(o => o is VersionOption).ToList())
            root.Options.Remove(o);
        Option[] globals = [_conf, _socket, _pidfile, _pname, _loglevel, _logtarget, _syslogsocket, _dumpOpt, _dumpPretty, _test,
            _interactive, _verbose, _quiet, _force, _background, _foreground, _async, _timeout, _str2sec, _shortVersion, _longVersion, _json];
        foreach (var o in globals)
            root.Options.Add(o);

        _shortVersion.Action = new Terminate(r => Print(r, Version));
        _longVersion.Action = new Terminate(r => Print(r, "Jail2Ban v" + Version));
        _str2sec.Action = new Terminate(Str2SecAction);

        root.SetAction((r, ct) => RootAction(r, ct));

        // Unknown command words are routed here by ArgvNormalizer and forwarded (the server answers
        // "Invalid command", as fail2ban's does). Hidden: it is not a command users type.
        var words = new Argument<string[]>("WORDS") { Arity = ArgumentArity.ZeroOrMore };
        var raw = new Command(ArgvNormalizer.RawCommand) { Hidden = true };
        raw.Arguments.Add(words);
        raw.SetAction((r, ct) => Run(r, r.GetValue(words) ?? [], ct));
        root.Subcommands.Add(raw);

        root.Subcommands.Add(StatusCommand());
        root.Subcommands.Add(UnbanCommand());
        root.Subcommands.Add(BannedCommand());
        root.Subcommands.Add(PingCommand());
        root.Subcommands.Add(StartCommand());
        root.Subcommands.Add(StopCommand());
        root.Subcommands.Add(ReloadCommand());
        root.Subcommands.Add(RestartCommand());
        root.Subcommands.Add(PassThrough("set", "set a server or jail property: set <JAIL> <PROPERTY> <VALUE>... (e.g. set sshd banip 192.0.2.1, set sshd bantime 1h, set loglevel INFO)"));
        root.Subcommands.Add(PassThrough("get", "get a server or jail property: get <JAIL> <PROPERTY> (e.g. get sshd banned, get sshd bantime, get dbfile)"));
        root.Subcommands.Add(PassThrough("echo", "let the server echo the given words"));
        root.Subcommands.Add(PassThrough("add", "create a jail: add <JAIL> [<BACKEND>]"));
        root.Subcommands.Add(PassThrough("version", "print the server's version"));
        root.Subcommands.Add(PassThrough("flushlogs", "reopen the server's log file (for logrotate)"));
        root.Subcommands.Add(PassThrough("stats", "table of failures and bans per jail", "statistic", "statistics"));
        root.Subcommands.Add(PassThrough("server-status", "ask whether the server is ready"));
        return root;
    }

    private Command StatusCommand()
    {
        var jail = new Argument<string?>("JAIL") { Arity = ArgumentArity.ZeroOrOne, Description = "jail to show; without it, the list of jails" };
        var flavor = new Argument<string?>("FLAVOR") { Arity = ArgumentArity.ZeroOrOne, Description = "basic (default), short (no IP list) or cymru" };
        var all = new Option<bool>("--all") { Description = "status of the server and of every jail (fail2ban 1.1)" };
        var cmd = new Command("status",
            "Show the server status, or the status of one jail: failures currently counted and in total, the monitored\n" +
            "files, bans currently active and in total, and the banned addresses.\n\n" +
            "Examples:\n  j2b-client status\n  j2b-client status sshd\n  j2b-client status sshd short\n  j2b-client status --all\n  j2b-client status sshd --json")
        {
            jail, flavor, all,
        };
        cmd.SetAction((r, ct) =>
        {
            List<string> w = ["status"];
            if (r.GetValue(all))
                w.Add("--all");
            if (r.GetValue(jail) is { } j)
                w.Add(j);
            if (r.GetValue(flavor) is { } f)
                w.Add(f);
            return Run(r, w, ct);
        });
        return cmd;
    }

    private Command UnbanCommand()
    {
        var ips = new Argument<string[]>("IP") { Arity = ArgumentArity.ZeroOrMore, Description = "addresses, subnets (CIDR) or raw ids to unban" };
        var all = new Option<bool>("--all") { Description = "unban everything in every jail (and forget the bans in the database)" };
        var cmd = new Command("unban",
            "Unban addresses in every jail. Addresses that are not banned are ignored; a subnet unbans every banned\n" +
            "address it contains. Prints the number of tickets removed. To unban in one jail only use\n" +
            "'set <JAIL> unbanip <IP>...'.\n\n" +
            "Examples:\n  j2b-client unban 192.0.2.10\n  j2b-client unban 192.0.2.10 2001:db8::1\n  j2b-client unban 198.51.100.0/24\n  j2b-client unban --all")
        {
            ips, all,
        };
        cmd.SetAction((r, ct) =>
        {
            var list = r.GetValue(ips) ?? [];
            if (!r.GetValue(all) && list.Length == 0)
            {
                // fail2ban sends a bare "unban", which its server rejects.
                return Run(r, ["unban"], ct);
            }
            List<string> w = ["unban"];
            if (r.GetValue(all))
                w.Add("--all");
            w.AddRange(list);
            return Run(r, w, ct);
        });
        return cmd;
    }

    private Command BannedCommand()
    {
        var ips = new Argument<string[]>("IP") { Arity = ArgumentArity.ZeroOrMore, Description = "addresses to look up" };
        var cmd = new Command("banned", "Without arguments: the banned addresses of every jail. With addresses: for each, the jails that ban it.") { ips };
        cmd.SetAction((r, ct) => Run(r, ["banned", .. r.GetValue(ips) ?? []], ct));
        return cmd;
    }

    private Command PingCommand()
    {
        var timeout = new Argument<string?>("TIMEOUT") { Arity = ArgumentArity.ZeroOrOne, Description = "seconds to wait for the answer" };
        var cmd = new Command("ping", "Check that the server is alive (prints 'Server replied: pong').") { timeout };
        cmd.SetAction((r, ct) => Run(r, r.GetValue(timeout) is { } t ? ["ping", t] : ["ping"], ct));
        return cmd;
    }

    private Command StartCommand()
    {
        var jail = new Argument<string?>("JAIL") { Arity = ArgumentArity.ZeroOrOne, Description = "jail to start; without it, start the server" };
        var cmd = new Command("start", "Start the server (j2b-server) or one jail.") { jail };
        cmd.SetAction((r, ct) => Run(r, r.GetValue(jail) is { } j ? ["start", j] : ["start"], ct));
        return cmd;
    }

    private Command StopCommand()
    {
        var jail = new Argument<string?>("JAIL") { Arity = ArgumentArity.ZeroOrOne, Description = "jail to stop (or --all for every jail); without it, stop the server" };
        var all = new Option<bool>("--all") { Description = "stop every jail but keep the server running" };
        var cmd = new Command("stop", "Stop the server, one jail, or all jails.") { jail, all };
        cmd.SetAction((r, ct) => Run(r, r.GetValue(all) ? ["stop", "--all"] : r.GetValue(jail) is { } j ? ["stop", j] : ["stop"], ct));
        return cmd;
    }

    private Command ReloadCommand()
    {
        var jail = new Argument<string[]>("JAIL") { Arity = ArgumentArity.ZeroOrMore, Description = "jail to reload; without it, everything" };
        var restart = new Option<bool>("--restart") { Description = "restart the jail(s) instead of reconfiguring them in place" };
        var unban = new Option<bool>("--unban") { Description = "unban all addresses of the reloaded jail(s)" };
        var all = new Option<bool>("--all") { Description = "reload every jail (default)" };
        var ifExists = new Option<bool>("--if-exists") { Description = "do nothing for a jail that does not exist" };
        var cmd = new Command("reload", "Re-read the configuration and apply it.") { jail, restart, unban, all, ifExists };
        cmd.SetAction((r, ct) =>
        {
            List<string> w = ["reload"];
            if (r.GetValue(restart)) w.Add("--restart");
            if (r.GetValue(unban)) w.Add("--unban");
            if (r.GetValue(ifExists)) w.Add("--if-exists");
            if (r.GetValue(jail) is { Length: > 0 } j) w.AddRange(j);
            else if (r.GetValue(all)) w.Add("--all");
            return Run(r, w, ct);
        });
        return cmd;
    }

    private Command RestartCommand()
    {
        var jail = new Argument<string[]>("JAIL") { Arity = ArgumentArity.ZeroOrMore, Description = "jail to restart; without it, the server" };
        var unban = new Option<bool>("--unban") { Description = "unban all addresses of the jail" };
        var ifExists = new Option<bool>("--if-exists") { Description = "do nothing for a jail that does not exist" };
        var cmd = new Command("restart", "Restart the server, or one jail (same as 'reload --restart <JAIL>').") { jail, unban, ifExists };
        cmd.SetAction((r, ct) =>
        {
            List<string> w = ["restart"];
            if (r.GetValue(unban)) w.Add("--unban");
            if (r.GetValue(ifExists)) w.Add("--if-exists");
            if (r.GetValue(jail) is { Length: > 0 } j) w.AddRange(j); // extra words: the runner reports them like fail2ban
            return Run(r, w, ct);
        });
        return cmd;
    }

    private Command PassThrough(string name, string description, params string[] aliases)
    {
        var args = new Argument<string[]>("ARGS") { Arity = ArgumentArity.ZeroOrMore, Description = "words sent to the server as they are" };
        var cmd = new Command(name, description) { args };
        foreach (var a in aliases)
            cmd.Aliases.Add(a);
        // the word as typed: fail2ban's client tables "stats"/"statistics" but prints "statistic" raw
        cmd.SetAction((r, ct) => Run(r, [r.CommandResult.IdentifierToken?.Value ?? name, .. r.GetValue(args) ?? []], ct));
        return cmd;
    }

    private async Task<int> RootAction(ParseResult r, CancellationToken ct)
    {
        var stdout = r.InvocationConfiguration.Output;
        var stderr = r.InvocationConfiguration.Error;
        if (r.GetValue(_dumpOpt) || r.GetValue(_dumpPretty))
        {
            if (_dump is null)
            {
                await stderr.WriteLineAsync("ERROR: configuration dump (-d) is not available in this build").ConfigureAwait(false);
                return ClientRunner.Failed;
            }
            return _dump(r.GetValue(_conf) ?? "/etc/fail2ban", stdout, stderr);
        }
        if (r.GetValue(_test))
        {
            // The configuration test reads the whole tree like the dump does, printing only diagnostics.
            if (_dump is null || _dump(r.GetValue(_conf) ?? "/etc/fail2ban", TextWriter.Null, stderr) != ClientRunner.Ok)
            {
                await stderr.WriteLineAsync("ERROR: test configuration failed").ConfigureAwait(false);
                return ClientRunner.Failed;
            }
            await stdout.WriteLineAsync("OK: configuration test is successful").ConfigureAwait(false);
            return ClientRunner.Ok;
        }
        if (r.GetValue(_interactive))
            return await new InteractiveShell(this, r, _stdin).RunAsync(ct).ConfigureAwait(false);
        // fail2ban-client without a command prints its usage and fails.
        new HelpAction().Invoke(r);
        return ClientRunner.Failed;
    }

    internal Task<int> Run(ParseResult r, IReadOnlyList<string> words, CancellationToken ct)
    {
        var runner = new ClientRunner(Settings(r), r.InvocationConfiguration.Output, r.InvocationConfiguration.Error, _time);
        return runner.RunAsync(words, ct);
    }

    /// <summary>Resolves settings: command line first, then fail2ban.conf, then built-in defaults.</summary>
    internal ClientSettings Settings(ParseResult r)
    {
        var conf = r.GetValue(_conf) ?? "/etc/fail2ban";
        IReadOnlyDictionary<string, string> early = new Dictionary<string, string>();
        if (r.GetValue(_socket) is null || r.GetValue(_pidfile) is null)
        {
            try
            {
                early = EarlyOptions.Read(conf);
            }
            catch (IOException)
            {
                // unreadable configuration: fall back to the defaults, as the socket error will explain
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        var timeout = 30.0;
        if (r.GetValue(_timeout) is { } t)
            timeout = Str2Sec.ToSeconds(t);
        return new ClientSettings
        {
            ConfDir = conf,
            SocketPath = r.GetValue(_socket) ?? early.GetValueOrDefault("socket") ?? EarlyOptions.DefaultSocket,
            PidFile = r.GetValue(_pidfile) ?? early.GetValueOrDefault("pidfile") ?? EarlyOptions.DefaultPidFile,
            LogLevel = r.GetValue(_loglevel),
            LogTarget = r.GetValue(_logtarget),
            SyslogSocket = r.GetValue(_syslogsocket),
            Verbosity = _verbosity,
            Force = r.GetValue(_force),
            Foreground = r.GetValue(_foreground),
            Timeout = timeout,
            Json = r.GetValue(_json),
        };
    }

    private int Str2SecAction(ParseResult r)
    {
        var text = r.GetValue(_str2sec) ?? "";
        var stdout = r.InvocationConfiguration.Output;
        try
        {
            var value = Str2Sec.Convert(text);
            stdout.WriteLine(r.GetValue(_json) ? JsonOutput.Local("seconds", value) : Str2Sec.Format(value));
            return ClientRunner.Ok;
        }
        catch (Exception e) when (e is FormatException or OverflowException or DivideByZeroException)
        {
            stdout.WriteLine("ERROR: " + e.Message);
            return ClientRunner.Failed;
        }
    }

    private static int Print(ParseResult r, string text)
    {
        r.InvocationConfiguration.Output.WriteLine(text);
        return ClientRunner.Ok;
    }

    /// <summary>An option action that runs instead of the command (like --help).</summary>
    private sealed class Terminate(Func<ParseResult, int> action) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult) => action(parseResult);
    }
}

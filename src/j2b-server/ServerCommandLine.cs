using System.CommandLine;
using Jail2Ban.Server.Hosting;
using Jail2Ban.Server.Logging;

namespace Jail2Ban.ServerHost;

/// <summary>The outcome of parsing: options, or an error to show with the usage (exit 255).</summary>
/// <param name="ShowUsage">True for syntax errors (getopt), which fail2ban answers with the usage text.</param>
internal sealed record ParsedCommandLine(ServerOptions? Options, string? Error, bool ShowUsage = false);

/// <summary>
/// fail2ban-server's command line (the same option list as the client). Parsing follows Python
/// getopt, which fail2ban uses: options end at the first word that is not an option (the rest is
/// a command), short options bundle (<c>-xf</c>), values may be attached (<c>-c/etc</c>,
/// <c>--conf=/etc</c>), a repeated option's last value wins. The option tokens are then read into
/// typed values with System.CommandLine.
/// </summary>
internal static class ServerCommandLine
{
    // Short options; those followed by ':' take a value (getopt's "hc:s:p:xfbdtviqV").
    private const string ShortSpec = "hc:s:p:xfbdtviqV";

    private static readonly Dictionary<string, bool> LongSpec = new(StringComparer.Ordinal)
    {
        ["loglevel"] = true, ["logtarget"] = true, ["syslogsocket"] = true, ["test"] = false, ["async"] = false,
        ["conf"] = true, ["pidfile"] = true, ["pname"] = true, ["socket"] = true, ["timeout"] = true,
        ["str2sec"] = true, ["help"] = false, ["version"] = false, ["dp"] = false, ["dump-pretty"] = false,
    };

    private static readonly Option<string> Conf = new("--conf", "-c");
    private static readonly Option<string> Socket = new("--socket", "-s");
    private static readonly Option<string> PidFile = new("--pidfile", "-p");
    private static readonly Option<string> PName = new("--pname");
    private static readonly Option<string> LogLevel = new("--loglevel");
    private static readonly Option<string> LogTarget = new("--logtarget");
    private static readonly Option<string> SyslogSocket = new("--syslogsocket");
    private static readonly Option<string> Timeout = new("--timeout");
    private static readonly Option<string> Str2Sec = new("--str2sec");
    private static readonly Option<bool> Force = new("-x");
    private static readonly Option<bool> Foreground = new("-f");
    private static readonly Option<bool> Background = new("-b");
    private static readonly Option<bool> Dump = new("-d");
    private static readonly Option<bool> DumpPretty = new("--dp", "--dump-pretty");
    private static readonly Option<bool> Test = new("--test", "-t");
    private static readonly Option<bool> Interactive = new("-i");
    private static readonly Option<bool> Async = new("--async");
    private static readonly Option<bool> Help = new("--help", "-h");
    private static readonly Option<bool> ShortVersion = new("-V");
    private static readonly Option<bool> LongVersion = new("--version");

    private static Command BuildCommand()
    {
        var cmd = new Command("j2b-server");
        foreach (Option o in new Option[] { Conf, Socket, PidFile, PName, LogLevel, LogTarget, SyslogSocket, Timeout, Str2Sec,
            Force, Foreground, Background, Dump, DumpPretty, Test, Interactive, Async, Help, ShortVersion, LongVersion })
        {
            cmd.Options.Add(o);
        }
        LogLevel.Validators.Add(r =>
        {
            var v = r.GetValueOrDefault<string>();
            if (v is not null && !LogLevels.TryParse(v, out _, out var error))
            {
                r.AddError(error!);
            }
        });
        return cmd;
    }

    public static ParsedCommandLine Parse(IReadOnlyList<string> args)
    {
        if (!Split(args, out var tokens, out var command, out var verbosity, out var background, out var splitError))
        {
            return new ParsedCommandLine(null, splitError, ShowUsage: true);
        }
        var config = new ParserConfiguration { ResponseFileTokenReplacer = null, EnablePosixBundling = false };
        var result = BuildCommand().Parse(tokens, config);
        if (result.Errors.Count > 0)
        {
            return new ParsedCommandLine(null, result.Errors[0].Message);
        }
        var options = new ServerOptions
        {
            ConfDir = result.GetValue(Conf) ?? "/etc/fail2ban",
            Socket = result.GetValue(Socket),
            PidFile = result.GetValue(PidFile),
            PName = result.GetValue(PName),
            LogLevel = result.GetValue(LogLevel),
            LogTarget = result.GetValue(LogTarget),
            SyslogSocket = result.GetValue(SyslogSocket),
            Timeout = result.GetValue(Timeout),
            Str2SecExpression = result.GetValue(Str2Sec),
            Force = result.GetValue(Force),
            Background = background,
            Dump = result.GetValue(DumpPretty) ? 2 : result.GetValue(Dump) ? 1 : 0,
            Test = result.GetValue(Test),
            Interactive = result.GetValue(Interactive),
            Async = result.GetValue(Async),
            Verbosity = verbosity,
            Command = command,
        };
        // The first of these options in the argument list decides, as in fail2ban's option loop.
        var first = tokens.FirstOrDefault(t => t is "--str2sec" or "-h" or "--help" or "-V" or "--version");
        var action = first switch
        {
            "--str2sec" => ServerAction.Str2Sec,
            "-h" or "--help" => ServerAction.Help,
            "-V" => ServerAction.ShortVersion,
            "--version" => ServerAction.Version,
            _ => command.Count == 0 || (command.Count == 1 && command[0] == "start") ? ServerAction.Start : ServerAction.Client,
        };
        return new ParsedCommandLine(options with { Action = action }, null);
    }

    /// <summary>
    /// getopt: canonical option tokens (one option per token, value in the next token; the
    /// last of a repeated option only), the command words, and -v/-q counted.
    /// </summary>
    private static bool Split(IReadOnlyList<string> args, out List<string> tokens, out List<string> command, out int verbosity, out bool background, out string? error)
    {
        var seen = new List<(string Name, string? Value)>();
        command = [];
        verbosity = 0;
        background = true;
        error = null;
        var i = 0;
        for (; i < args.Count; i++)
        {
            var a = args[i];
            if (a == "--")
            {
                i++;
                break;
            }
            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                var eq = a.IndexOf('=');
                var name = eq < 0 ? a[2..] : a[2..eq];
                // getopt accepts an unambiguous prefix of a long option.
                var matches = LongSpec.Keys.Where(k => k == name).ToList();
                if (matches.Count == 0)
                {
                    matches = LongSpec.Keys.Where(k => k.StartsWith(name, StringComparison.Ordinal) && name.Length > 0).ToList();
                }
                if (matches.Count != 1)
                {
                    error = matches.Count == 0 ? $"option --{name} not recognized" : $"option --{name} not a unique prefix";
                    break;
                }
                var full = matches[0];
                if (LongSpec[full])
                {
                    string? value = eq >= 0 ? a[(eq + 1)..] : i + 1 < args.Count ? args[++i] : null;
                    if (value is null)
                    {
                        error = $"option --{full} requires argument";
                        break;
                    }
                    seen.Add(("--" + full, value));
                }
                else if (eq >= 0)
                {
                    error = $"option --{full} must not have an argument";
                    break;
                }
                else
                {
                    seen.Add(("--" + full, null));
                }
                continue;
            }
            if (a.Length > 1 && a[0] == '-')
            {
                for (var j = 1; j < a.Length && error is null; j++)
                {
                    var c = a[j];
                    var at = ShortSpec.IndexOf(c);
                    if (at < 0 || c == ':')
                    {
                        error = $"option -{c} not recognized";
                        break;
                    }
                    if (at + 1 < ShortSpec.Length && ShortSpec[at + 1] == ':')
                    {
                        string? value = j + 1 < a.Length ? a[(j + 1)..] : i + 1 < args.Count ? args[++i] : null;
                        if (value is null)
                        {
                            error = $"option -{c} requires argument";
                            break;
                        }
                        seen.Add(("-" + c, value));
                        break;
                    }
                    switch (c)
                    {
                        case 'v':
                            verbosity++;
                            break;
                        case 'q':
                            verbosity--;
                            break;
                        case 'f' or 'b':
                            background = c == 'b';
                            break;
                        default:
                            seen.Add(("-" + c, null));
                            break;
                    }
                }
                if (error is not null)
                {
                    break;
                }
                continue;
            }
            break; // first non-option word: the command starts here
        }
        tokens = [];
        if (error is not null)
        {
            return false;
        }
        command.AddRange(args.Skip(i));
        // Keep order (first-wins decisions need it) but only the last value of each option.
        var lastIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var k = 0; k < seen.Count; k++)
        {
            lastIndex[Canonical(seen[k].Name)] = k;
        }
        for (var k = 0; k < seen.Count; k++)
        {
            var (name, value) = seen[k];
            if (value is not null && lastIndex[Canonical(name)] != k)
            {
                continue;
            }
            if (value is null && tokens.Contains(name))
            {
                continue;
            }
            tokens.Add(name);
            if (value is not null)
            {
                tokens.Add(value);
            }
        }
        return true;
    }

    private static string Canonical(string name) => name switch
    {
        "-c" => "--conf",
        "-s" => "--socket",
        "-p" => "--pidfile",
        _ => name,
    };
}

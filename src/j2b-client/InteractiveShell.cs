using System.CommandLine;
using System.Text;

namespace Jail2Ban.Client;

/// <summary>fail2ban-client -i: a prompt that runs one command per line until exit/quit/EOF.</summary>
internal sealed class InteractiveShell(ClientCommandLine cli, ParseResult parse, TextReader stdin)
{
    public const string Prompt = "fail2ban> ";

    public async Task<int> RunAsync(CancellationToken ct)
    {
        var stdout = parse.InvocationConfiguration.Output;
        await stdout.WriteLineAsync($"Jail2Ban v{ClientCommandLine.Version} reads log file that contains password failure report").ConfigureAwait(false);
        await stdout.WriteLineAsync("and bans the corresponding IP addresses using firewall rules.").ConfigureAwait(false);
        await stdout.WriteLineAsync().ConfigureAwait(false);
        while (!ct.IsCancellationRequested)
        {
            await stdout.WriteAsync(Prompt).ConfigureAwait(false);
            await stdout.FlushAsync(ct).ConfigureAwait(false);
            var line = await stdin.ReadLineAsync(ct).ConfigureAwait(false);
            if (line is null)
            {
                await stdout.WriteLineAsync().ConfigureAwait(false);
                return ClientRunner.Ok;
            }
            line = line.Trim();
            if (line is "exit" or "quit")
                return ClientRunner.Ok;
            if (line.Length == 0)
                continue;
            if (line == "help")
            {
                await stdout.WriteLineAsync("Commands: status [JAIL], unban IP..., banned, ping, get/set ..., reload, stop, exit").ConfigureAwait(false);
                continue;
            }
            await cli.Run(parse, ShellSplit(line), ct).ConfigureAwait(false);
        }
        return ClientRunner.Ok;
    }

    /// <summary>POSIX-shell-like word splitting (quotes and backslashes), as Python's shlex.split.</summary>
    internal static List<string> ShellSplit(string line)
    {
        var words = new List<string>();
        var sb = new StringBuilder();
        var inWord = false;
        char quote = '\0';
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quote != '\0')
            {
                if (c == quote)
                    quote = '\0';
                else if (c == '\\' && quote == '"' && i + 1 < line.Length && line[i + 1] is '"' or '\\')
                    sb.Append(line[++i]);
                else
                    sb.Append(c);
                continue;
            }
            if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(sb.ToString());
                    sb.Clear();
                    inWord = false;
                }
                continue;
            }
            inWord = true;
            if (c is '\'' or '"')
                quote = c;
            else if (c == '\\' && i + 1 < line.Length)
                sb.Append(line[++i]);
            else
                sb.Append(c);
        }
        if (inWord)
            words.Add(sb.ToString());
        return words;
    }
}

using Jail2Ban.Core.Filtering;
using Jail2Ban.Regex;

// j2b-regex: fail2ban-regex's command line; the logic lives in RegexTool.
var stdout = new StreamWriter(Console.OpenStandardOutput(), new System.Text.UTF8Encoding(false), 1 << 16) { AutoFlush = false };
try
{
    // progress on stderr only for a person at a terminal: never into a pipe or a file
    return RegexCommand.Invoke(args, stdout, Console.Error, TimeProvider.System, new SystemHostResolver(), stderrIsTerminal: !Console.IsErrorRedirected);
}
finally
{
    stdout.Flush();
}

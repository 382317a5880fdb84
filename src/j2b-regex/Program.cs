using Jail2Ban.Core.Filtering;
using Jail2Ban.Regex;

// j2b-regex: fail2ban-regex's command line; the logic lives in RegexTool.
var stdout = new StreamWriter(Console.OpenStandardOutput(), new System.Text.UTF8Encoding(false), 1 << 16) { AutoFlush = false };
try
{
    return RegexCommand.Invoke(args, stdout, Console.Error, TimeProvider.System, new SystemHostResolver());
}
finally
{
    stdout.Flush();
}

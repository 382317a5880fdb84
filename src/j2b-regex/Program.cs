using Jail2Ban.Core.Filtering;
using Jail2Ban.Regex;

// j2b-regex: fail2ban-regex's command line; the logic lives in RegexTool.
// the date templates are built on another core while the command line and the filter are read (~25 ms of start-up);
// a failure there (a broken local time zone) is met again, and reported, by the main thread
new Thread(() =>
{
    try
    {
        Jail2Ban.Core.Filtering.Dates.DateDetector.Prewarm();
    }
    catch (Exception)
    {
    }
}) { IsBackground = true, Name = "j2b-regex prewarm" }.Start();
var stdout = new StreamWriter(Console.OpenStandardOutput(), new System.Text.UTF8Encoding(false), 1 << 16) { AutoFlush = false };
try
{
    // progress on stderr only for a person at a terminal: never into a pipe or a file
    // J2B_REGEX_MATCH_TIMEOUT (seconds): the match timeout, 10 s by default
    TimeSpan? timeout = double.TryParse(Environment.GetEnvironmentVariable("J2B_REGEX_MATCH_TIMEOUT"), System.Globalization.NumberStyles.Float,
        System.Globalization.CultureInfo.InvariantCulture, out double seconds) && seconds > 0 ? TimeSpan.FromSeconds(seconds) : null;
    return RegexCommand.Invoke(args, stdout, Console.Error, TimeProvider.System, new SystemHostResolver(), timeout, stderrIsTerminal: !Console.IsErrorRedirected,
        endOnTimeout: e =>
        {
            // the runaway search keeps its thread: report as the engine's timeout would, and end the process. stdout
            // is left alone (not thread-safe, and the main thread may be writing it): the tool flushed the report's
            // header before the first search
            Console.Error.WriteLine($"ERROR: {e.Message}");
            Environment.Exit(255);
        });
}
finally
{
    stdout.Flush();
}

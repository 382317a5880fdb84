using System.CommandLine;
using System.Globalization;
using Jail2Ban.Core.Filtering;

namespace Jail2Ban.Regex;

/// <summary>The command line of j2b-regex, declared once: fail2ban-regex's options plus --now.</summary>
internal static class RegexCommand
{
    public static RootCommand Create(TextWriter stdout, TextWriter stderr, TimeProvider clock, IHostResolver resolver, TimeSpan? matchTimeout = null, bool stderrIsTerminal = false,
        Action<RegexTimeoutException>? endOnTimeout = null)
    {
        var log = new Argument<string>("LOG") { Description = "a log line, a string with several lines, or a log file path" };
        var regex = new Argument<string>("REGEX") { Description = "a failregex, a filter name with options (sshd[mode=aggressive]) or a filter file" };
        var ignore = new Argument<string?>("IGNOREREGEX") { Description = "an ignoreregex", Arity = ArgumentArity.ZeroOrOne };
        var config = new Option<string>("--config", "-c") { Description = "set alternate config directory", DefaultValueFactory = _ => "/etc/fail2ban" };
        var datepattern = new Option<string?>("--datepattern", "-d") { Description = "set custom pattern used to match date/times" };
        var timezone = new Option<string?>("--timezone", "--TZ") { Description = "set time-zone used by convert time format" };
        var encoding = new Option<string>("--encoding", "-e") { Description = "File encoding. Default: UTF-8", DefaultValueFactory = _ => "UTF-8" };
        var raw = new Option<bool>("--raw", "-r") { Description = "Raw hosts, don't resolve dns" };
        var usedns = new Option<string?>("--usedns") { Description = "DNS specified replacement of tags <HOST> in regexp ('yes' - matches all form of hosts, 'no' - IP addresses only)" };
        var maxlines = new Option<int>("--maxlines", "-L") { Description = "maxlines for multi-line regex." };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Increase verbosity", Arity = ArgumentArity.Zero };
        var verbosity = new Option<int?>("--verbosity") { Description = "Set numerical level of verbosity (0..4)" };
        var noCheckAll = new Option<bool>("--no-check-all") { Description = "Disable check for all regex's" };
        var output = new Option<string?>("--out", "-o") { Description = "Set token to print failure information only (row, id, ip, msg, host, ip4, ip6, dns, matches, json, ...)" };
        var printNoMissed = new Option<bool>("--print-no-missed") { Description = "Do not print any missed lines" };
        var printNoIgnored = new Option<bool>("--print-no-ignored") { Description = "Do not print any ignored lines" };
        var printAllMatched = new Option<bool>("--print-all-matched") { Description = "Print all matched lines" };
        var printAllMissed = new Option<bool>("--print-all-missed") { Description = "Print all missed lines, no matter how many" };
        var printAllIgnored = new Option<bool>("--print-all-ignored") { Description = "Print all ignored lines, no matter how many" };
        var now = new Option<double?>("--now") { Description = "use this time (epoch seconds) as now, for reproducible runs" };

        var root = new RootCommand("Jail2Ban regex tester: tests failregex/ignoreregex and filters against a log, like fail2ban-regex.")
        {
            log, regex, ignore, config, datepattern, timezone, encoding, raw, usedns, maxlines, verbose, verbosity,
            noCheckAll, output, printNoMissed, printNoIgnored, printAllMatched, printAllMissed, printAllIgnored, now,
        };
        root.SetAction((ParseResult pr, CancellationToken ct) =>
        {
            if (pr.GetValue(printNoMissed) && pr.GetValue(printAllMissed))
            {
                stderr.WriteLine("ERROR: --print-no-missed and --print-all-missed are mutually exclusive.");
                return Task.FromResult(255);
            }
            if (pr.GetValue(printNoIgnored) && pr.GetValue(printAllIgnored))
            {
                stderr.WriteLine("ERROR: --print-no-ignored and --print-all-ignored are mutually exclusive.");
                return Task.FromResult(255);
            }
            var options = new RegexToolOptions
            {
                Log = pr.GetValue(log)!,
                Regex = pr.GetValue(regex)!,
                IgnoreRegex = pr.GetValue(ignore),
                Config = pr.GetValue(config)!,
                DatePattern = pr.GetValue(datepattern),
                TimeZone = pr.GetValue(timezone),
                Encoding = pr.GetValue(encoding)!,
                Raw = pr.GetValue(raw),
                UseDns = pr.GetValue(usedns),
                MaxLines = pr.GetValue(maxlines),
                Verbose = pr.GetValue(verbosity) ?? pr.GetResult(verbose)?.IdentifierTokenCount ?? 0,
                CheckAllRegex = !pr.GetValue(noCheckAll),
                Out = pr.GetValue(output),
                PrintNoMissed = pr.GetValue(printNoMissed),
                PrintNoIgnored = pr.GetValue(printNoIgnored),
                PrintAllMatched = pr.GetValue(printAllMatched),
                PrintAllMissed = pr.GetValue(printAllMissed),
                PrintAllIgnored = pr.GetValue(printAllIgnored),
                Now = pr.GetValue(now),
                Progress = stderrIsTerminal,
            };
            return Task.FromResult(new RegexTool(stdout, stderr, clock, resolver, matchTimeout, endOnTimeout).Run(options, ct));
        });
        _ = CultureInfo.InvariantCulture;
        return root;
    }

    /// <summary>
    /// Parses and runs; exit code 255 for usage errors as fail2ban-regex. <paramref name="endOnTimeout"/>: keep the
    /// match timeout with a <see cref="RegexWatchdog"/> (patterns then run without the engine's per-step timeout
    /// checks) and call this when a search runs past it; it must end the process (the search cannot be stopped).
    /// </summary>
    public static int Invoke(string[] args, TextWriter stdout, TextWriter stderr, TimeProvider clock, IHostResolver resolver, TimeSpan? matchTimeout = null,
        bool stderrIsTerminal = false, Action<RegexTimeoutException>? endOnTimeout = null)
    {
        var root = Create(stdout, stderr, clock, resolver, matchTimeout, stderrIsTerminal, endOnTimeout);
        var pr = root.Parse(args, new ParserConfiguration { EnablePosixBundling = true });
        if (pr.Errors.Count > 0)
        {
            foreach (var e in pr.Errors)
            {
                stderr.WriteLine("ERROR: " + e.Message);
            }
            return 255;
        }
        return pr.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr });
    }
}

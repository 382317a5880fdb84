using System.Text;
using Jail2Ban.Protocol.Values;

namespace Jail2Ban.Client.Output;

/// <summary>
/// Turns a server reply into the text fail2ban-client prints (§6.5), byte for byte: the rules follow
/// fail2ban's client beautifier, keyed on the command words that were sent. Anything without a
/// special rendering is printed as Python's <c>str()</c> of the value.
/// </summary>
internal static class Beautifier
{
    /// <summary>Text for a successful reply (without the final newline print() adds).</summary>
    public static string Beautify(IReadOnlyList<string> cmd, object? response, bool unicode = true)
    {
        try
        {
            return PyRepr.Str(Render(cmd, response, unicode));
        }
        catch (Exception e) when (e is InvalidCastException or NullReferenceException or ArgumentException or IndexOutOfRangeException)
        {
            // fail2ban prints repr(msg) + repr(response) when its beautifier trips over a reply.
            return PyRepr.Repr(response) + PyRepr.Repr(response);
        }
    }

    private static object? Render(IReadOnlyList<string> c, object? response, bool unicode)
    {
        var c0 = c.Count > 0 ? c[0] : "";
        switch (c0)
        {
            case "ping": return "Server replied: " + Str(response);
            case "version": return response;
            case "start": return "Jail started";
            case "stop":
                if (response is not null)
                    return response;
                return c.Count == 1 ? "Shutdown successful" : "Jail stopped";
            case "add": return "Added jail " + Str(response);
            case "flushlogs": return "logs: " + Str(response);
            case "echo": return string.Join(' ', List(response).Select(Str));
            case "status":
                if (c.Count > 1 && c[1] == "--all" && response is List<object?> all)
                    return StatusAll(all);
                return c.Count > 1 ? JailStatus(c[1], List(response)) : ServerStatus(List(response));
            // ("statistic" is accepted by the server but fail2ban's client only tables these two.)
            case "stats" or "statistics":
                return StatsTable.Render(response, unicode);
        }
        if (c.Count < 2)
            return response;
        switch (c[1])
        {
            case "syslogsocket": return "Current syslog socket is:\n`- " + Str(response);
            case "logtarget": return "Current logging target is:\n`- " + Str(response);
            case "loglevel": return "Current logging level is " + PyRepr.Repr(response is long l ? LevelName(l) : response);
            case "dbfile":
                return response is null ? "Database currently disabled" : "Current database file is:\n`- " + Str(response);
            case "dbpurgeage":
                return response is null ? "Database currently disabled" : $"Current database purge age is:\n`- {ToInt(response)}seconds";
        }
        if (c.Count < 3)
            return response;
        switch (c[2])
        {
            case "logpath" or "addlogpath" or "dellogpath":
                return Tree(List(response), "No file is currently monitored", "Current monitored log file(s):\n");
            case "logencoding":
                return "Current log encoding is set to:\n" + Str(response);
            case "journalmatch" or "addjournalmatch" or "deljournalmatch":
            {
                var groups = List(response);
                if (groups.Count == 0)
                    return "No journal match filter set";
                return "Current match filter:\n" + string.Join(" + ", groups.Select(g => string.Join(' ', List(g).Select(Str))));
            }
            case "datepattern":
                if (response is null)
                    return "Current date pattern set to: Not set/required";
                var dp = (PyTuple)response;
                return dp[0] is null
                    ? "Current date pattern set to: " + Str(dp[1])
                    : $"Current date pattern set to: {Str(dp[0])} ({Str(dp[1])})";
            case "ignoreip" or "addignoreip" or "delignoreip":
                return Tree(List(response), "No IP address/network is ignored", "These IP addresses/networks are ignored:\n");
            case "failregex" or "addfailregex" or "delfailregex" or "ignoreregex" or "addignoreregex" or "delignoreregex":
            {
                var list = List(response);
                if (list.Count == 0)
                    return "No regular expression is defined";
                var sb = new StringBuilder("The following regular expression are defined:\n");
                for (var i = 0; i < list.Count; i++)
                    sb.Append(i == list.Count - 1 ? "`- [" : "|- [").Append(i).Append("]: ").Append(Str(list[i])).Append(i == list.Count - 1 ? "" : "\n");
                return sb.ToString();
            }
            case "actions":
            {
                var list = List(response);
                return list.Count == 0
                    ? $"No actions for jail {c[1]}"
                    : $"The jail {c[1]} has the following actions:\n" + string.Join(", ", list.Select(Str));
            }
            case "actionproperties" or "actionmethods":
            {
                var what = c[2] == "actionproperties" ? "properties" : "methods";
                var list = List(response);
                var action = c.Count > 3 ? c[3] : throw new ArgumentException("missing action");
                return list.Count == 0
                    ? $"No {what} for jail {c[1]} action {action}"
                    : $"The jail {c[1]} action {action} has the following {what}:\n" + string.Join(", ", list.Select(Str));
            }
            case "banip" when c0 == "get":
                if (response is List<object?> ips)
                {
                    var sep = c.Count <= 3 ? " " : c[3];
                    if (sep == "--with-time")
                        sep = "\n";
                    return string.Join(sep, ips.Select(Str));
                }
                return response;
        }
        return response;
    }

    private static string Tree(List<object?> items, string empty, string header)
    {
        if (items.Count == 0)
            return empty;
        var sb = new StringBuilder(header);
        for (var i = 0; i < items.Count - 1; i++)
            sb.Append("|- ").Append(Str(items[i])).Append('\n');
        sb.Append("`- ").Append(Str(items[^1]));
        return sb.ToString();
    }

    private static string ServerStatus(List<object?> response)
    {
        var lines = new List<string> { "Status" };
        for (var n = 0; n < response.Count; n++)
        {
            var item = (PyTuple)response[n]!;
            var prefix = n == response.Count - 1 ? "`-" : "|-";
            lines.Add($"{prefix} {Str(item[0])}:\t{Value(item[1])}");
        }
        return string.Join('\n', lines);
    }

    private static string JailStatus(string jail, List<object?> response)
    {
        var lines = new List<string> { "Status for the jail: " + jail };
        AppendSections(lines, response, "");
        return string.Join('\n', lines);
    }

    /// <summary>The two-level tree of a jail status: sections ("Filter", "Actions") with key/value lines.</summary>
    private static void AppendSections(List<string> lines, List<object?> sections, string indent)
    {
        for (var n = 0; n < sections.Count; n++)
        {
            var section = (PyTuple)sections[n]!;
            var last = n == sections.Count - 1;
            lines.Add($"{indent}{(last ? "`-" : "|-")} {Str(section[0])}");
            var inner = indent + (last ? "   " : "|  ");
            var entries = List(section[1]);
            for (var m = 0; m < entries.Count; m++)
            {
                var entry = (PyTuple)entries[m]!;
                lines.Add($"{inner}{(m == entries.Count - 1 ? "`-" : "|-")} {Str(entry[0])}:\t{Value(entry[1])}");
            }
        }
    }

    /// <summary>
    /// fail2ban 1.1's "status --all": the server status items, then (as the last item) a dict
    /// {jail: jail status} rendered as a third top-level branch.
    /// </summary>
    private static string StatusAll(List<object?> response)
    {
        var jails = response.Count > 0 ? response[^1] as PyDict : null;
        var items = jails is null ? response : response[..^1];
        var lines = new List<string> { "Status" };
        for (var n = 0; n < items.Count; n++)
        {
            var item = (PyTuple)items[n]!;
            var prefix = jails is null && n == items.Count - 1 ? "`-" : "|-";
            lines.Add($"{prefix} {Str(item[0])}:\t{Value(item[1])}");
        }
        if (jails is { Count: > 0 })
        {
            lines.Add("`- Status for the jails:");
            for (var j = 0; j < jails.Count; j++)
            {
                var lastJail = j == jails.Count - 1;
                lines.Add($"   {(lastJail ? "`-" : "|-")} Jail: {Str(jails.Items[j].Key)}");
                AppendSections(lines, List(jails.Items[j].Value), lastJail ? "      " : "   |  ");
            }
        }
        return string.Join('\n', lines);
    }

    private static string Value(object? v) => v is List<object?> list ? string.Join(' ', list.Select(Str)) : Str(v);

    private static string Str(object? v) => PyRepr.Str(v);

    private static List<object?> List(object? v) => v switch
    {
        List<object?> l => l,
        PyTuple t => t.Items.ToList(),
        _ => throw new InvalidCastException("expected a list"),
    };

    private static long ToInt(object? v) => v switch
    {
        long l => l,
        double d => (long)Math.Truncate(d),
        bool b => b ? 1 : 0,
        _ => throw new InvalidCastException("expected a number"),
    };

    private static string LevelName(long level) => level switch
    {
        50 => "CRITICAL",
        40 => "ERROR",
        30 => "WARNING",
        25 => "NOTICE",
        20 => "INFO",
        18 => "MSG",
        10 => "DEBUG",
        7 => "TRACEDEBUG",
        5 => "HEAVYDEBUG",
        _ => $"Level {level}",
    };

    /// <summary>stdout text for a failed command (fail2ban's beautifyError).</summary>
    public static string BeautifyError(PyException e) => e.Name switch
    {
        "UnknownJailException" => $"Sorry but the jail '{Str(e.Args.Count > 0 ? e.Args[0] : "")}' does not exist",
        "IndexError" => "Sorry but the command is invalid",
        "DuplicateJailException" => $"The jail '{Str(e.Args.Count > 0 ? e.Args[0] : "")}' already exists",
        _ => e.Message,
    };
}

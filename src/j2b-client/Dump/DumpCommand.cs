using Jail2Ban.Core.Configuration;

namespace Jail2Ban.Client.Dump;

/// <summary><c>j2b-client -c DIR -d</c>: prints the resolved configuration exactly as <c>fail2ban-client -d</c>.</summary>
public static class DumpCommand
{
    /// <summary>
    /// Reads <paramref name="confDir"/> and prints one command per line as Python repr (fail2ban 1.0.2 output).
    /// Warnings and errors go to <paramref name="stderr"/> with file:line. Returns 0 when the configuration
    /// is usable (at least one jail read, or no jail failed), 255 otherwise, like fail2ban-client.
    /// </summary>
    public static int Run(string confDir, TextWriter stdout, TextWriter stderr) =>
        Run(confDir, stdout, stderr, new ConfigurationReadOptions { AllowNoFiles = true });

    internal static int Run(string confDir, TextWriter stdout, TextWriter stderr, ConfigurationReadOptions options)
    {
        ConfigurationResult result;
        try
        {
            result = ConfigurationReader.Read(confDir, options with { AllowNoFiles = true });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"ERROR: {e.Message}");
            return 255;
        }
        foreach (var d in result.Diagnostics)
        {
            if (d.Severity == DiagnosticSeverity.Notice)
            {
                continue; // fail2ban-client shows WARNING and above by default
            }
            var prefix = d.Severity == DiagnosticSeverity.Error ? "ERROR" : "WARNING";
            stderr.WriteLine(d.Location is null ? $"{prefix}   {d.Message}" : $"{prefix}   {d.Location}: {d.Message}");
        }
        if (result.Commands is null)
        {
            stdout.WriteLine("ERROR: The configuration stream failed because of the invalid syntax.");
            return 255;
        }
        foreach (var cmd in result.Commands)
        {
            stdout.WriteLine(PyRepr.Repr(cmd));
        }
        return result.Success ? 0 : 255;
    }
}

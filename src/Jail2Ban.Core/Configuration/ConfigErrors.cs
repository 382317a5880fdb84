namespace Jail2Ban.Core.Configuration;

/// <summary>Where a configuration value or problem comes from (file and 1-based line).</summary>
public sealed record SourceLocation(string File, int Line)
{
    public override string ToString() => $"{File}:{Line}";
}

/// <summary>Severity of a configuration diagnostic.</summary>
public enum DiagnosticSeverity
{
    Notice,
    Warning,
    Error,
}

/// <summary>One problem found while reading the configuration; names the file and line when known.</summary>
public sealed record ConfigDiagnostic(DiagnosticSeverity Severity, string Message, SourceLocation? Location = null)
{
    public override string ToString() =>
        Location is null ? $"{Severity}: {Message}" : $"{Severity}: {Location}: {Message}";
}

/// <summary>
/// A configuration error that stops reading (fail2ban raises an exception in the same places).
/// The message starts with "file:line: " when the location is known.
/// </summary>
public class ConfigException : Exception
{
    public ConfigException(string message, SourceLocation? location = null)
        : base(location is null ? message : $"{location}: {message}")
    {
        Location = location;
        Detail = message;
    }

    public SourceLocation? Location { get; }

    /// <summary>The message without the location prefix.</summary>
    public string Detail { get; }
}

/// <summary>Python's NoSectionError: only used internally to steer fallbacks.</summary>
internal sealed class NoSectionException(string section) : ConfigException($"No section: '{section}'")
{
    public string Section { get; } = section;
}

/// <summary>Python's NoOptionError: only used internally to steer fallbacks.</summary>
internal sealed class NoOptionException(string section, string option)
    : ConfigException($"No option '{option}' in section: '{section}'")
{
    public string Option { get; } = option;
}

/// <summary>fail2ban's JailDefError: the jail is rejected with a config-error entry, other jails go on.</summary>
internal sealed class JailDefinitionException(string message, SourceLocation? location = null)
    : ConfigException(message, location);

using System.Text;
using System.Text.RegularExpressions;

namespace Jail2Ban.Core.Configuration;

/// <summary>A raw (not interpolated) option value and where it was written.</summary>
internal sealed record ConfigEntry(string Value, SourceLocation? Origin);

/// <summary>One parsed file: its own [DEFAULT] and sections, in file order.</summary>
internal sealed class ParsedIniFile
{
    public required string Path { get; init; }

    public OrderedDictionary<string, ConfigEntry> Defaults { get; } = new(StringComparer.Ordinal);

    public OrderedDictionary<string, OrderedDictionary<string, ConfigEntry>> Sections { get; } = new(StringComparer.Ordinal);
}

/// <summary>
/// Parses one file the way Python 3's configparser (strict mode, inline comment prefix ';',
/// empty lines kept in values, no valueless keys) does it as fail2ban configures it (spec §1.3).
/// Unlike general INI libraries, a line indented deeper than the option line is always a
/// continuation, even if it contains '=' or looks like a section header.
/// </summary>
internal static partial class IniFileParser
{
    public const string DefaultSection = "DEFAULT";

    [GeneratedRegex(@"^\[(?<header>.+)\]")]
    private static partial Regex SectionHeader();

    /// <summary>Decodes UTF-8 strictly (Python raises UnicodeDecodeError, fail2ban then skips the file).</summary>
    public static string? Decode(byte[] bytes)
    {
        try
        {
            return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    /// <summary>Python's universal-newline line split: \r\n, \r and \n end a line.</summary>
    internal static List<string> SplitLines(string text)
    {
        var lines = new List<string>();
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\n' || c == '\r')
            {
                lines.Add(text[start..i]);
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                {
                    i++;
                }
                start = i + 1;
            }
        }
        if (start < text.Length)
        {
            lines.Add(text[start..]);
        }
        return lines;
    }

    public static ParsedIniFile Parse(string path, string text)
    {
        var file = new ParsedIniFile { Path = path };
        var added = new HashSet<string>(StringComparer.Ordinal);
        OrderedDictionary<string, ConfigEntry>? cursect = null;
        OrderedDictionary<string, List<string>>? curPieces = null;
        string? sectname = null;
        string? optname = null;
        var indentLevel = 0;
        var pieces = new Dictionary<OrderedDictionary<string, ConfigEntry>, OrderedDictionary<string, List<string>>>(ReferenceEqualityComparer.Instance);
        var badLines = new List<string>();
        SourceLocation? firstBad = null;

        var lines = SplitLines(text);
        for (var idx = 0; idx < lines.Count; idx++)
        {
            var lineno = idx + 1;
            var line = lines[idx];
            var commentStart = FindInlineComment(line);
            var stripped = line.Trim();
            if (stripped.StartsWith('#') || stripped.StartsWith(';'))
            {
                commentStart = 0;
            }
            var value = (commentStart is int cs ? line[..cs] : line).Trim();
            if (value.Length == 0)
            {
                // Empty lines are kept inside a value, but not when the line carried a comment.
                if (commentStart is null && curPieces is not null && optname is not null)
                {
                    curPieces[optname].Add("");
                }
                continue;
            }
            var curIndent = FirstNonSpace(line);
            if (cursect is not null && optname is not null && curIndent > indentLevel)
            {
                curPieces![optname].Add(value);
                continue;
            }
            indentLevel = curIndent;
            var header = SectionHeader().Match(value);
            if (header.Success)
            {
                sectname = header.Groups["header"].Value;
                if (file.Sections.TryGetValue(sectname, out var existing))
                {
                    if (added.Contains(sectname))
                    {
                        throw new ConfigException($"section '{sectname}' already exists (duplicate section)", new SourceLocation(path, lineno));
                    }
                    cursect = existing;
                    added.Add(sectname);
                }
                else if (sectname == DefaultSection)
                {
                    // configparser does not track [DEFAULT] for duplicates: it may appear twice.
                    cursect = file.Defaults;
                }
                else
                {
                    cursect = new OrderedDictionary<string, ConfigEntry>(StringComparer.Ordinal);
                    file.Sections.Add(sectname, cursect);
                    added.Add(sectname);
                }
                if (!pieces.TryGetValue(cursect, out curPieces))
                {
                    curPieces = new OrderedDictionary<string, List<string>>(StringComparer.Ordinal);
                    pieces[cursect] = curPieces;
                }
                optname = null;
                continue;
            }
            if (cursect is null)
            {
                throw new ConfigException($"file contains no section headers; line: '{line}'", new SourceLocation(path, lineno));
            }
            // configparser's OPTCRE '(?P<option>.*?)\s*(?P<vi>=|:)\s*(?P<value>.*)$' = split at the first '=' or ':'
            // (done by hand: the lazy pattern backtracks quadratically on long lines without a delimiter).
            var delim = value.AsSpan().IndexOfAny('=', ':');
            var rawName = delim < 0 ? "" : value[..delim].TrimEnd();
            if (rawName.Length == 0)
            {
                // configparser collects every bad line and raises one ParsingError at the end of the file.
                firstBad ??= new SourceLocation(path, lineno);
                badLines.Add($"[line {lineno,2}]: '{line}'");
                if (delim < 0)
                {
                    continue;
                }
            }
            optname = PyStr.Lower(rawName);
            if (added.Contains(sectname + "\u0000" + optname))
            {
                throw new ConfigException($"option '{optname}' in section '{sectname}' already exists (duplicate key)", new SourceLocation(path, lineno));
            }
            added.Add(sectname + "\u0000" + optname);
            cursect[optname] = new ConfigEntry("", new SourceLocation(path, lineno));
            curPieces![optname] = [value[(delim + 1)..].Trim()];
        }

        // join continuation pieces: '\n'.join(pieces).rstrip()
        foreach (var (sect, opts) in pieces)
        {
            foreach (var (name, list) in opts)
            {
                var joined = string.Join('\n', list).TrimEnd();
                sect[name] = sect[name] with { Value = joined };
            }
        }
        if (firstBad is not null)
        {
            throw new ConfigException("source contains parsing errors: " + string.Join(", ", badLines), firstBad);
        }
        return file;
    }

    /// <summary>Inline comments: only ';', and only at the line start or after whitespace.</summary>
    private static int? FindInlineComment(string line)
    {
        var from = 0;
        while (true)
        {
            var i = line.IndexOf(';', from);
            if (i < 0)
            {
                return null;
            }
            if (i == 0 || char.IsWhiteSpace(line[i - 1]))
            {
                return i;
            }
            from = i + 1;
        }
    }

    private static int FirstNonSpace(string line)
    {
        for (var i = 0; i < line.Length; i++)
        {
            if (!char.IsWhiteSpace(line[i]))
            {
                return i;
            }
        }
        return 0;
    }
}

using System.Text;

namespace Jail2Ban.Server.Builtin;

/// <summary>
/// RFC 4180 field writing. A field is quoted when it contains a comma, a quote, CR or LF, or
/// leading/trailing spaces; quotes are doubled. Because log-derived text (matches, raw ids) goes
/// through here, no value can end a row or add a column.
/// </summary>
internal static class Csv
{
    public static void AppendRow(StringBuilder sb, IReadOnlyList<string> fields)
    {
        for (var i = 0; i < fields.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }

            AppendField(sb, fields[i]);
        }

        // CRLF as RFC 4180 says; CsvHelper, Python's csv and spreadsheets all accept it.
        sb.Append("\r\n");
    }

    public static void AppendField(StringBuilder sb, string value)
    {
        if (!NeedsQuotes(value))
        {
            sb.Append(value);
            return;
        }

        sb.Append('"');
        foreach (var c in value)
        {
            if (c == '"')
            {
                sb.Append('"');
            }

            sb.Append(c);
        }

        sb.Append('"');
    }

    private static bool NeedsQuotes(string value)
    {
        if (value.Length == 0)
        {
            return false;
        }

        if (value[0] == ' ' || value[^1] == ' ')
        {
            return true;
        }

        foreach (var c in value)
        {
            if (c is ',' or '"' or '\r' or '\n')
            {
                return true;
            }
        }

        return false;
    }
}

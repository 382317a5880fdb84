using System.Globalization;
using System.Text;

namespace Jail2Ban.Core.Tests.Actions;

/// <summary>
/// A tiny parser for the Python literals that <c>fail2ban-client -d</c> prints (lists, str, int,
/// float, True/False/None): enough to read the oracle dumps in tests.
/// </summary>
internal sealed class PyLiteral
{
    private readonly string _s;
    private int _i;

    private PyLiteral(string s) => _s = s;

    public static object? Parse(string text)
    {
        var p = new PyLiteral(text);
        var v = p.Value();
        p.Ws();
        if (p._i != p._s.Length) throw new FormatException($"trailing text at {p._i}");
        return v;
    }

    /// <summary>Action options of <paramref name="actname"/> in jail <paramref name="jail"/> from a dump, in order.</summary>
    public static List<KeyValuePair<string, string>> ActionOptions(IEnumerable<string> dumpLines, string jail, string actname)
    {
        var result = new List<KeyValuePair<string, string>>();
        foreach (var line in dumpLines)
        {
            if (!line.StartsWith("['set', ", StringComparison.Ordinal) && !line.StartsWith("['multi-set', ", StringComparison.Ordinal))
                continue;
            if (Parse(line) is not List<object?> cmd || cmd.Count < 5 || (string?)cmd[1] != jail
                || (string?)cmd[2] != "action" || (string?)cmd[3] != actname)
                continue;
            if ((string?)cmd[0] == "multi-set")
            {
                foreach (var kv in (List<object?>)cmd[4]!)
                {
                    var pair = (List<object?>)kv!;
                    result.Add(new(Str(pair[0]), Str(pair[1])));
                }
            }
            else
            {
                result.Add(new(Str(cmd[4]), Str(cmd[5])));
            }
        }
        return result;
    }

    /// <summary>Python's str() of a parsed literal value (bools as True/False).</summary>
    public static string Str(object? v) => v switch
    {
        null => "None",
        bool b => b ? "True" : "False",
        string s => s,
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        _ => throw new FormatException("not a scalar: " + v),
    };

    private void Ws()
    {
        while (_i < _s.Length && char.IsWhiteSpace(_s[_i])) _i++;
    }

    private object? Value()
    {
        Ws();
        var c = _s[_i];
        if (c == '[') return List();
        if (c is '\'' or '"') return String();
        if (Word("True")) return true;
        if (Word("False")) return false;
        if (Word("None")) return null;
        var start = _i;
        while (_i < _s.Length && (char.IsAsciiDigit(_s[_i]) || _s[_i] is '-' or '+' or '.' or 'e' or 'E')) _i++;
        var num = _s[start.._i];
        if (long.TryParse(num, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) return l;
        return double.Parse(num, CultureInfo.InvariantCulture);
    }

    private bool Word(string w)
    {
        if (string.CompareOrdinal(_s, _i, w, 0, w.Length) != 0) return false;
        _i += w.Length;
        return true;
    }

    private List<object?> List()
    {
        var list = new List<object?>();
        _i++;
        while (true)
        {
            Ws();
            if (_s[_i] == ']') { _i++; return list; }
            list.Add(Value());
            Ws();
            if (_s[_i] == ',') _i++;
        }
    }

    private string String()
    {
        var q = _s[_i++];
        var sb = new StringBuilder();
        while (_s[_i] != q)
        {
            var c = _s[_i++];
            if (c != '\\') { sb.Append(c); continue; }
            var e = _s[_i++];
            switch (e)
            {
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case '\\': sb.Append('\\'); break;
                case '\'': sb.Append('\''); break;
                case '"': sb.Append('"'); break;
                case 'x':
                    sb.Append((char)Convert.ToInt32(_s.Substring(_i, 2), 16));
                    _i += 2;
                    break;
                case 'u':
                    sb.Append((char)Convert.ToInt32(_s.Substring(_i, 4), 16));
                    _i += 4;
                    break;
                default:
                    // Python keeps unknown escapes verbatim.
                    sb.Append('\\').Append(e);
                    break;
            }
        }
        _i++;
        return sb.ToString();
    }
}

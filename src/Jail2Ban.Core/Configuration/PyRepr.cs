using System.Collections;
using System.Globalization;
using System.Text;

namespace Jail2Ban.Core.Configuration;

/// <summary>Python's repr() of command-stream values (what fail2ban-client -d prints).</summary>
public static class PyRepr
{
    public static string Repr(object? value)
    {
        var sb = new StringBuilder();
        Append(sb, value);
        return sb.ToString();
    }

    public static void Append(StringBuilder sb, object? value)
    {
        switch (value)
        {
            case null:
                sb.Append("None");
                break;
            case string s:
                Jail2Ban.Shared.PyStringRepr.Append(sb, s);
                break;
            case bool b:
                sb.Append(b ? "True" : "False");
                break;
            case long or int:
                sb.Append(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
            case IDictionary dict:
                {
                    sb.Append('{');
                    var first = true;
                    foreach (DictionaryEntry e in dict)
                    {
                        if (!first)
                        {
                            sb.Append(", ");
                        }
                        first = false;
                        Append(sb, e.Key);
                        sb.Append(": ");
                        Append(sb, e.Value);
                    }
                    sb.Append('}');
                    break;
                }
            case IEnumerable list:
                {
                    sb.Append('[');
                    var first = true;
                    foreach (var item in list)
                    {
                        if (!first)
                        {
                            sb.Append(", ");
                        }
                        first = false;
                        Append(sb, item);
                    }
                    sb.Append(']');
                    break;
                }
            default:
                Jail2Ban.Shared.PyStringRepr.Append(sb, value.ToString() ?? "");
                break;
        }
    }
}

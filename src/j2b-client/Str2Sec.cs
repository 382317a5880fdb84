using System.Globalization;
using System.Text.RegularExpressions;
using Jail2Ban.Protocol.Values;

namespace Jail2Ban.Client;

/// <summary>
/// fail2ban's time abbreviation format (§0.1) for <c>--str2sec</c> and <c>--timeout</c>: unit words
/// become <c>*factor</c>, adjacent numbers are added, and the result is evaluated as arithmetic.
/// Python's <c>eval</c> is replaced by a small evaluator (+ - * / // % ** parentheses) that keeps
/// Python's int/float distinction, so <c>1d</c> prints <c>86400</c> and <c>1y 6mo</c> prints
/// <c>47336400.0</c>.
/// </summary>
internal static partial class Str2Sec
{
    public static object Convert(string text)
    {
        var val = LetterDigit().Replace(text, " $1");
        val = Days().Replace(val, "*86400");
        val = Weeks().Replace(val, "*604800");
        val = Months().Replace(val, "*2629800.0");
        val = Years().Replace(val, "*31557600.0");
        val = Seconds().Replace(val, "*1");
        val = Minutes().Replace(val, "*60");
        val = Hours().Replace(val, "*3600");
        val = Adjacent().Replace(val, "$1+$2");
        return new Parser(val).Parse();
    }

    /// <summary>Seconds as a double (for timeouts).</summary>
    public static double ToSeconds(string text) => Convert(text) switch
    {
        long l => l,
        double d => d,
        _ => throw new FormatException($"invalid time value '{text}'"),
    };

    public static string Format(object value) => PyRepr.Str(value);

    [GeneratedRegex(@"(?i)(?<=[a-z])(\d)")] private static partial Regex LetterDigit();
    [GeneratedRegex(@"(?i)(?<=[\d\s])(days?|da|dd?)\b")] private static partial Regex Days();
    [GeneratedRegex(@"(?i)(?<=[\d\s])(weeks?|wee?|ww?)\b")] private static partial Regex Weeks();
    [GeneratedRegex(@"(?i)(?<=[\d\s])(months?|mon?)\b")] private static partial Regex Months();
    [GeneratedRegex(@"(?i)(?<=[\d\s])(years?|yea?|yy?)\b")] private static partial Regex Years();
    [GeneratedRegex(@"(?i)(?<=[\d\s])(seconds?|sec?|ss?)\b")] private static partial Regex Seconds();
    [GeneratedRegex(@"(?i)(?<=[\d\s])(minutes?|min?|mm?)\b")] private static partial Regex Minutes();
    [GeneratedRegex(@"(?i)(?<=[\d\s])(hours?|hou?|hh?)\b")] private static partial Regex Hours();
    [GeneratedRegex(@"(\d)\s+(\d)")] private static partial Regex Adjacent();

    private sealed class Parser(string text)
    {
        private int _pos;

        public object Parse()
        {
            var v = Sum();
            Skip();
            if (_pos != text.Length)
                throw new FormatException($"invalid syntax in time expression '{text}'");
            return v;
        }

        private void Skip()
        {
            while (_pos < text.Length && char.IsWhiteSpace(text[_pos]))
                _pos++;
        }

        private bool Eat(string op)
        {
            Skip();
            if (string.CompareOrdinal(text, _pos, op, 0, op.Length) != 0)
                return false;
            _pos += op.Length;
            return true;
        }

        private object Sum()
        {
            var v = Product();
            while (true)
            {
                if (Eat("+")) v = Arith(v, Product(), '+');
                else if (Eat("-")) v = Arith(v, Product(), '-');
                else return v;
            }
        }

        private object Product()
        {
            var v = Unary();
            while (true)
            {
                Skip();
                if (_pos + 1 < text.Length && text[_pos] == '*' && text[_pos + 1] == '*')
                    return v; // handled in Power
                if (Eat("*")) v = Arith(v, Unary(), '*');
                else if (Eat("//")) v = Arith(v, Unary(), 'f');
                else if (Eat("/")) v = Arith(v, Unary(), '/');
                else if (Eat("%")) v = Arith(v, Unary(), '%');
                else return v;
            }
        }

        private object Unary()
        {
            if (Eat("-"))
                return Arith(0L, Unary(), '-');
            if (Eat("+"))
                return Unary();
            return Power();
        }

        private object Power()
        {
            var b = Atom();
            if (Eat("**"))
                return Arith(b, Unary(), '^');
            return b;
        }

        private object Atom()
        {
            Skip();
            if (Eat("("))
            {
                var v = Sum();
                if (!Eat(")"))
                    throw new FormatException("unbalanced parenthesis in time expression");
                return v;
            }
            var start = _pos;
            while (_pos < text.Length && (char.IsAsciiDigit(text[_pos]) || text[_pos] == '.' || text[_pos] == '_'))
                _pos++;
            if (_pos < text.Length && (text[_pos] == 'e' || text[_pos] == 'E') && _pos > start)
            {
                _pos++;
                if (_pos < text.Length && (text[_pos] == '+' || text[_pos] == '-'))
                    _pos++;
                while (_pos < text.Length && char.IsAsciiDigit(text[_pos]))
                    _pos++;
            }
            var token = text[start.._pos].Replace("_", "", StringComparison.Ordinal);
            if (token.Length == 0)
                throw new FormatException($"invalid syntax in time expression at '{text[start..]}'");
            if (token.IndexOfAny(['.', 'e', 'E']) >= 0)
                return double.Parse(token, CultureInfo.InvariantCulture);
            return long.Parse(token, CultureInfo.InvariantCulture);
        }

        private static object Arith(object a, object b, char op)
        {
            if (a is long x && b is long y && op != '/')
            {
                // (object) arms: otherwise C# would type the whole switch as double.
                return op switch
                {
                    '+' => (object)checked(x + y),
                    '-' => checked(x - y),
                    '*' => checked(x * y),
                    'f' => y == 0 ? throw new DivideByZeroException("integer division or modulo by zero") : FloorDiv(x, y),
                    '%' => y == 0 ? throw new DivideByZeroException("integer division or modulo by zero") : ((x % y) + y) % y,
                    '^' => y >= 0 ? (object)(long)Math.Pow(x, y) : Math.Pow(x, y),
                    _ => throw new FormatException("bad operator"),
                };
            }
            var dx = System.Convert.ToDouble(a, CultureInfo.InvariantCulture);
            var dy = System.Convert.ToDouble(b, CultureInfo.InvariantCulture);
            return op switch
            {
                '+' => dx + dy,
                '-' => dx - dy,
                '*' => dx * dy,
                '/' => dy == 0 ? throw new DivideByZeroException("division by zero") : dx / dy,
                'f' => Math.Floor(dx / dy),
                '%' => dx - (dy * Math.Floor(dx / dy)),
                '^' => Math.Pow(dx, dy),
                _ => throw new FormatException("bad operator"),
            };
        }

        private static long FloorDiv(long x, long y)
        {
            var q = x / y;
            return (x % y != 0) && ((x < 0) != (y < 0)) ? q - 1 : q;
        }
    }
}

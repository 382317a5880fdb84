using System.Globalization;

namespace Jail2Ban.Core.Time;

/// <summary>
/// A small evaluator for the subset of Python expressions fail2ban feeds to <c>eval</c>:
/// time values after unit substitution (<c>1*86400+12*3600</c>) and the
/// <c>bantime.factor</c> / <c>bantime.formula</c> options.
/// Supported: int/float literals, names given by the caller (e.g. <c>ban.Time</c>,
/// <c>ban.Count</c>, <c>banFactor</c>), <c>math.e</c>, <c>math.pi</c>, <c>True</c>/<c>False</c>;
/// operators <c>+ - * / // % ** &lt;&lt; &gt;&gt; ~</c>, comparisons (chained), <c>and or not</c>,
/// <c>x if c else y</c>, parentheses; calls <c>float int abs min max round pow</c> and
/// <c>math.exp log log2 log10 sqrt pow floor ceil</c>.
/// Everything else (attribute access on other objects, strings, lambdas, imports...) is
/// rejected at parse time with a message naming the construct — fail2ban would eval it, we
/// refuse it rather than guess.
/// To extend: add the name to <see cref="Functions"/> or the constant table.
/// </summary>
public sealed class PythonExpression
{
    private readonly Func<IReadOnlyDictionary<string, PyNumber>, PyNumber> _eval;

    private PythonExpression(string text, Func<IReadOnlyDictionary<string, PyNumber>, PyNumber> eval)
    {
        Text = text;
        _eval = eval;
    }

    public string Text { get; }

    /// <summary>Parses <paramref name="text"/>; names other than <paramref name="variables"/>
    /// and the built-in constants/functions are an error.</summary>
    /// <exception cref="FormatException">syntax error or unsupported construct.</exception>
    public static PythonExpression Parse(string text, IEnumerable<string>? variables = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parser = new Parser(text, new HashSet<string>(variables ?? [], StringComparer.Ordinal));
        var eval = parser.ParseAll();
        return new PythonExpression(text, eval);
    }

    /// <exception cref="ArithmeticException">division by zero, math domain error.</exception>
    public PyNumber Evaluate(IReadOnlyDictionary<string, PyNumber>? variables = null) =>
        _eval(variables ?? EmptyVars);

    public static PyNumber Evaluate(string text) => Parse(text).Evaluate();

    private static readonly IReadOnlyDictionary<string, PyNumber> EmptyVars = new Dictionary<string, PyNumber>();

    private static readonly Dictionary<string, PyNumber> Constants = new(StringComparer.Ordinal)
    {
        ["True"] = PyNumber.Int(1),
        ["False"] = PyNumber.Int(0),
        ["math.e"] = PyNumber.Float(Math.E),
        ["math.pi"] = PyNumber.Float(Math.PI),
        ["math.inf"] = PyNumber.Float(double.PositiveInfinity),
    };

    private static readonly Dictionary<string, (int Min, int Max, Func<PyNumber[], PyNumber> Fn)> Functions = new(StringComparer.Ordinal)
    {
        ["float"] = (1, 1, a => PyNumber.Float(a[0].Value)),
        ["int"] = (1, 1, a => PyNumber.Int(CheckedLong(Math.Truncate(a[0].Value)))),
        ["abs"] = (1, 1, a => a[0] with { Value = Math.Abs(a[0].Value) }),
        ["min"] = (2, 64, a => a.Aggregate((x, y) => y.Value < x.Value ? y : x)),
        ["max"] = (2, 64, a => a.Aggregate((x, y) => y.Value > x.Value ? y : x)),
        ["round"] = (1, 2, Round),
        ["pow"] = (2, 2, a => Ops.Pow(a[0], a[1])),
        ["math.exp"] = (1, 1, a => PyNumber.Float(Domain(Math.Exp(a[0].Value)))),
        ["math.log"] = (1, 2, a => PyNumber.Float(Domain(a.Length == 1 ? Math.Log(a[0].Value) : Math.Log(a[0].Value) / Math.Log(a[1].Value)))),
        ["math.log2"] = (1, 1, a => PyNumber.Float(Domain(Math.Log2(a[0].Value)))),
        ["math.log10"] = (1, 1, a => PyNumber.Float(Domain(Math.Log10(a[0].Value)))),
        ["math.sqrt"] = (1, 1, a => PyNumber.Float(Domain(Math.Sqrt(a[0].Value)))),
        ["math.pow"] = (2, 2, a => PyNumber.Float(Domain(Math.Pow(a[0].Value, a[1].Value)))),
        ["math.floor"] = (1, 1, a => PyNumber.Int(CheckedLong(Math.Floor(a[0].Value)))),
        ["math.ceil"] = (1, 1, a => PyNumber.Int(CheckedLong(Math.Ceiling(a[0].Value)))),
    };

    private static PyNumber Round(PyNumber[] a)
    {
        if (a.Length == 1)
        {
            return PyNumber.Int(CheckedLong(Math.Round(a[0].Value, MidpointRounding.ToEven)));
        }

        var digits = (int)a[1].Value;
        var v = digits >= 0 && digits <= 15
            ? Math.Round(a[0].Value, digits, MidpointRounding.ToEven)
            : a[0].Value;
        return a[0] with { Value = v };
    }

    private static double Domain(double v) =>
        double.IsNaN(v) ? throw new ArithmeticException("math domain error") : v;

    private static long CheckedLong(double v) =>
        double.IsNaN(v) || double.IsInfinity(v) || Math.Abs(v) > 9.2e18
            ? throw new ArithmeticException("cannot convert float to integer")
            : (long)v;

    private static class Ops
    {
        public static PyNumber Add(PyNumber a, PyNumber b) => IntOp(a, b, (x, y) => checked(x + y), (x, y) => x + y);

        public static PyNumber Sub(PyNumber a, PyNumber b) => IntOp(a, b, (x, y) => checked(x - y), (x, y) => x - y);

        public static PyNumber Mul(PyNumber a, PyNumber b) => IntOp(a, b, (x, y) => checked(x * y), (x, y) => x * y);

        public static PyNumber TrueDiv(PyNumber a, PyNumber b) =>
            b.Value == 0 ? throw new DivideByZeroException("division by zero") : PyNumber.Float(a.Value / b.Value);

        public static PyNumber FloorDiv(PyNumber a, PyNumber b)
        {
            if (b.Value == 0)
            {
                throw new DivideByZeroException("integer division or modulo by zero");
            }

            if (!a.IsFloat && !b.IsFloat)
            {
                var x = (long)a.Value;
                var y = (long)b.Value;
                var q = x / y;
                if ((x % y != 0) && ((x < 0) != (y < 0)))
                {
                    q--;
                }

                return PyNumber.Int(q);
            }

            return PyNumber.Float(Math.Floor(a.Value / b.Value));
        }

        public static PyNumber Mod(PyNumber a, PyNumber b)
        {
            if (b.Value == 0)
            {
                throw new DivideByZeroException("integer division or modulo by zero");
            }

            var r = a.Value % b.Value;
            if (r != 0 && (r < 0) != (b.Value < 0))
            {
                r += b.Value;
            }

            return new PyNumber(r, a.IsFloat || b.IsFloat);
        }

        public static PyNumber Pow(PyNumber a, PyNumber b)
        {
            if (!a.IsFloat && !b.IsFloat && b.Value >= 0)
            {
                long result = 1;
                var bas = (long)a.Value;
                try
                {
                    for (long i = 0; i < (long)b.Value; i++)
                    {
                        result = checked(result * bas);
                        if (result == 0 || result == 1)
                        {
                            break;
                        }
                    }

                    return PyNumber.Int(result);
                }
                catch (OverflowException)
                {
                    return PyNumber.Float(Math.Pow(a.Value, b.Value));
                }
            }

            if (a.Value == 0 && b.Value < 0)
            {
                throw new DivideByZeroException("0.0 cannot be raised to a negative power");
            }

            return PyNumber.Float(Domain(Math.Pow(a.Value, b.Value)));
        }

        public static PyNumber Shift(PyNumber a, PyNumber b, bool left)
        {
            if (a.IsFloat || b.IsFloat)
            {
                throw new ArithmeticException("unsupported operand type(s) for shift: 'float'");
            }

            var n = (long)b.Value;
            if (n < 0)
            {
                throw new ArithmeticException("negative shift count");
            }

            var x = (long)a.Value;
            if (!left)
            {
                return PyNumber.Int(n >= 63 ? (x < 0 ? -1 : 0) : x >> (int)n);
            }

            if (x == 0)
            {
                return PyNumber.Int(0);
            }

            // Python ints do not overflow; beyond 62 bits we fall back to a float.
            return n < 62 && Math.Abs(x) < (1L << (int)(62 - n))
                ? PyNumber.Int(x << (int)n)
                : PyNumber.Float(x * Math.Pow(2, n));
        }

        private static PyNumber IntOp(PyNumber a, PyNumber b, Func<long, long, long> i, Func<double, double, double> f)
        {
            if (!a.IsFloat && !b.IsFloat)
            {
                try
                {
                    return PyNumber.Int(i((long)a.Value, (long)b.Value));
                }
                catch (OverflowException)
                {
                    return PyNumber.Float(f(a.Value, b.Value));
                }
            }

            return PyNumber.Float(f(a.Value, b.Value));
        }
    }

    private sealed class Parser(string text, HashSet<string> variables)
    {
        private readonly List<(string Kind, string Value, int Pos)> _tokens = Tokenize(text);
        private int _i;

        private (string Kind, string Value, int Pos) Peek => _tokens[_i];

        public Func<IReadOnlyDictionary<string, PyNumber>, PyNumber> ParseAll()
        {
            if (Peek.Kind == "end")
            {
                throw Error("empty expression");
            }

            var e = ParseTest();
            if (Peek.Kind != "end")
            {
                throw Error($"unexpected '{Peek.Value}'");
            }

            return e;
        }

        private FormatException Error(string what) =>
            new($"invalid expression '{text}' at position {Peek.Pos}: {what}");

        private bool Accept(string value)
        {
            if (Peek.Kind is "op" or "name" && Peek.Value == value)
            {
                _i++;
                return true;
            }

            return false;
        }

        private void Expect(string value)
        {
            if (!Accept(value))
            {
                throw Error($"expected '{value}'");
            }
        }

        private Func<IReadOnlyDictionary<string, PyNumber>, PyNumber> ParseTest()
        {
            var body = ParseOr();
            if (Accept("if"))
            {
                var cond = ParseOr();
                Expect("else");
                var other = ParseTest();
                return v => cond(v).Value != 0 ? body(v) : other(v);
            }

            return body;
        }

        private Func<IReadOnlyDictionary<string, PyNumber>, PyNumber> ParseOr()
        {
            var left = ParseAnd();
            while (Accept("or"))
            {
                var l = left;
                var r = ParseAnd();
                left = v =>
                {
                    var x = l(v);
                    return x.Value != 0 ? x : r(v);
                };
            }

            return left;
        }

        private Func<IReadOnlyDictionary<string, PyNumber>, PyNumber> ParseAnd()
        {
            var left = ParseNot();
            while (Accept("and"))
            {
                var l = left;
                var r = ParseNot();
                left = v =>
                {
                    var x = l(v);
                    return x.Value == 0 ? x : r(v);
                };
            }

            return left;
        }

        private Func<IReadOnlyDictionary<string, PyNumber>, PyNumber> ParseNot()
        {
            if (Accept("not"))
            {
                var x = ParseNot();
                return v => PyNumber.Int(x(v).Value == 0 ? 1 : 0);
            }

            return ParseComparison();
        }

        private Func<IReadOnlyDictionary<string, PyNumber>, PyNumber> ParseComparison()
        {
            var first = ParseShift();
            var ops = new List<(string Op, Func<IReadOnlyDictionary<string, PyNumber>, PyNumber> Right)>();
            while (Peek.Kind == "op" && Peek.Value is "<" or ">" or "<=" or ">=" or "==" or "!=")
            {
                var op = Peek.Value;
                _i++;
                ops.Add((op, ParseShift()));
            }

            if (ops.Count == 0)
            {
                return first;
            }

            return v =>
            {
                var left = first(v).Value;
                foreach (var (op, rightF) in ops)
                {
                    var right = rightF(v).Value;
                    var ok = op switch
                    {
                        "<" => left < right,
                        ">" => left > right,
                        "<=" => left <= right,
                        ">=" => left >= right,
                        "==" => left == right,
                        _ => left != right,
                    };
                    if (!ok)
                    {
                        return PyNumber.Int(0);
                    }

                    left = right;
                }

                return PyNumber.Int(1);
            };
        }

        private Func<IReadOnlyDictionary<string, PyNumber>, PyNumber> ParseShift()
        {
            var left = ParseArith();
            while (Peek.Kind == "op" && Peek.Value is "<<" or ">>")
            {
                var isLeft = Peek.Value == "<<";
                _i++;
                var l = left;
                var r = ParseArith();
                left = v => Ops.Shift(l(v), r(v), isLeft);
            }

            return left;
        }

        private Func<IReadOnlyDictionary<string, PyNumber>, PyNumber> ParseArith()
        {
            var left = ParseTerm();
            while (Peek.Kind == "op" && Peek.Value is "+" or "-")
            {
                var op = Peek.Value;
                _i++;
                var l = left;
                var r = ParseTerm();
                left = op == "+" ? v => Ops.Add(l(v), r(v)) : v => Ops.Sub(l(v), r(v));
            }

            return left;
        }

        private Func<IReadOnlyDictionary<string, PyNumber>, PyNumber> ParseTerm()
        {
            var left = ParseFactor();
            while (Peek.Kind == "op" && Peek.Value is "*" or "/" or "//" or "%")
            {
                var op = Peek.Value;
                _i++;
                var l = left;
                var r = ParseFactor();
                left = op switch
                {
                    "*" => v => Ops.Mul(l(v), r(v)),
                    "/" => v => Ops.TrueDiv(l(v), r(v)),
                    "//" => v => Ops.FloorDiv(l(v), r(v)),
                    _ => v => Ops.Mod(l(v), r(v)),
                };
            }

            return left;
        }

        private Func<IReadOnlyDictionary<string, PyNumber>, PyNumber> ParseFactor()
        {
            if (Peek.Kind == "op" && Peek.Value is "+" or "-" or "~")
            {
                var op = Peek.Value;
                _i++;
                var x = ParseFactor();
                return op switch
                {
                    "+" => x,
                    "-" => v => x(v) is var n && n.IsFloat ? PyNumber.Float(-n.Value) : Ops.Sub(PyNumber.Int(0), n),
                    _ => v => x(v) is var n && n.IsFloat
                        ? throw new ArithmeticException("bad operand type for unary ~: 'float'")
                        : PyNumber.Int(~(long)n.Value),
                };
            }

            return ParsePower();
        }

        private Func<IReadOnlyDictionary<string, PyNumber>, PyNumber> ParsePower()
        {
            var atom = ParseAtom();
            if (Accept("**"))
            {
                // Right-associative and binds tighter than a unary minus on its left.
                var exp = ParseFactor();
                return v => Ops.Pow(atom(v), exp(v));
            }

            return atom;
        }

        private Func<IReadOnlyDictionary<string, PyNumber>, PyNumber> ParseAtom()
        {
            var t = Peek;
            switch (t.Kind)
            {
                case "num":
                    _i++;
                    var n = ParseNumber(t.Value);
                    return _ => n;
                case "op" when t.Value == "(":
                    _i++;
                    var inner = ParseTest();
                    Expect(")");
                    return inner;
                case "name":
                    _i++;
                    return ParseName(t.Value);
                default:
                    throw Error(t.Kind == "end" ? "unexpected end" : $"unexpected '{t.Value}'");
            }
        }

        private Func<IReadOnlyDictionary<string, PyNumber>, PyNumber> ParseName(string name)
        {
            if (name is "if" or "else" or "and" or "or" or "not" or "lambda" or "import")
            {
                throw Error($"unexpected '{name}'");
            }

            if (Accept("("))
            {
                if (!Functions.TryGetValue(name, out var fn))
                {
                    throw Error($"unsupported function '{name}'");
                }

                var args = new List<Func<IReadOnlyDictionary<string, PyNumber>, PyNumber>>();
                if (!Accept(")"))
                {
                    do
                    {
                        args.Add(ParseTest());
                    }
                    while (Accept(","));
                    Expect(")");
                }

                if (args.Count < fn.Min || args.Count > fn.Max)
                {
                    throw Error($"wrong number of arguments for '{name}'");
                }

                var argArray = args.ToArray();
                return v => fn.Fn(Array.ConvertAll(argArray, a => a(v)));
            }

            if (Constants.TryGetValue(name, out var c))
            {
                return _ => c;
            }

            if (variables.Contains(name))
            {
                return v => v.TryGetValue(name, out var value)
                    ? value
                    : throw new ArithmeticException($"name '{name}' is not defined");
            }

            throw Error($"unsupported name '{name}'");
        }

        private PyNumber ParseNumber(string s)
        {
            var clean = s.Replace("_", string.Empty, StringComparison.Ordinal);
            if (clean.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            {
                return long.TryParse(clean[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex)
                    ? PyNumber.Int(hex)
                    : throw Error($"invalid number '{s}'");
            }

            if (clean.IndexOfAny(['.', 'e', 'E']) >= 0)
            {
                return double.TryParse(clean, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
                    ? PyNumber.Float(d)
                    : throw Error($"invalid number '{s}'");
            }

            // Python 3 rejects leading zeros in decimal ints ("010") as a syntax error.
            if (clean.Length > 1 && clean[0] == '0' && clean.Any(ch => ch != '0'))
            {
                throw Error($"invalid number '{s}' (leading zeros)");
            }

            if (long.TryParse(clean, NumberStyles.None, CultureInfo.InvariantCulture, out var l))
            {
                return PyNumber.Int(l);
            }

            return double.TryParse(clean, NumberStyles.None, CultureInfo.InvariantCulture, out var big)
                ? PyNumber.Float(big)
                : throw Error($"invalid number '{s}'");
        }

        private static List<(string Kind, string Value, int Pos)> Tokenize(string s)
        {
            var list = new List<(string, string, int)>();
            var i = 0;
            while (i < s.Length)
            {
                var ch = s[i];
                if (char.IsWhiteSpace(ch))
                {
                    i++;
                    continue;
                }

                var start = i;
                if (char.IsAsciiDigit(ch) || (ch == '.' && i + 1 < s.Length && char.IsAsciiDigit(s[i + 1])))
                {
                    if (ch == '0' && i + 1 < s.Length && (s[i + 1] == 'x' || s[i + 1] == 'X'))
                    {
                        i += 2;
                        while (i < s.Length && (char.IsAsciiHexDigit(s[i]) || s[i] == '_'))
                        {
                            i++;
                        }
                    }
                    else
                    {
                        while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '_' || s[i] == '.'))
                        {
                            i++;
                        }

                        if (i < s.Length && (s[i] == 'e' || s[i] == 'E'))
                        {
                            var j = i + 1;
                            if (j < s.Length && (s[j] == '+' || s[j] == '-'))
                            {
                                j++;
                            }

                            if (j < s.Length && char.IsAsciiDigit(s[j]))
                            {
                                i = j;
                                while (i < s.Length && char.IsAsciiDigit(s[i]))
                                {
                                    i++;
                                }
                            }
                        }
                    }

                    list.Add(("num", s[start..i], start));
                    continue;
                }

                if (char.IsAsciiLetter(ch) || ch == '_')
                {
                    // Dotted names are one token: "ban.Time", "math.exp".
                    while (i < s.Length && (char.IsAsciiLetterOrDigit(s[i]) || s[i] == '_' ||
                           (s[i] == '.' && i + 1 < s.Length && (char.IsAsciiLetter(s[i + 1]) || s[i + 1] == '_'))))
                    {
                        i++;
                    }

                    list.Add(("name", s[start..i], start));
                    continue;
                }

                var two = i + 1 < s.Length ? s.Substring(i, 2) : string.Empty;
                if (two is "**" or "//" or "<<" or ">>" or "<=" or ">=" or "==" or "!=")
                {
                    list.Add(("op", two, start));
                    i += 2;
                    continue;
                }

                if ("+-*/%()<>,~".Contains(ch, StringComparison.Ordinal))
                {
                    list.Add(("op", ch.ToString(), start));
                    i++;
                    continue;
                }

                throw new FormatException($"invalid expression '{s}' at position {i}: unexpected character '{ch}'");
            }

            list.Add(("end", string.Empty, s.Length));
            return list;
        }
    }
}

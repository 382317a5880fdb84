using System.Globalization;
using System.Text.RegularExpressions;

namespace Jail2Ban.Core.Actions;

/// <summary>
/// fail2ban's <c>MyTime.str2seconds</c> for the action `timeout` (spec §0.1): unit words become
/// <c>*factor</c>, whitespace-separated numbers are summed, and the result is evaluated as a small
/// arithmetic expression (+ - * / and parentheses; the only Python syntax the format produces).
/// Kept local to Actions until a shared time-format helper exists.
/// </summary>
internal static partial class ActionTime
{
    public static bool TryParseSeconds(string value, out double seconds) =>
        TryParseSeconds(value, out seconds, out _);

    /// <param name="rendered">The value as Python's str() prints it (int, or float when the expression
    /// involves a decimal point, months/years or a division) — what the &lt;timeout&gt; tag shows.</param>
    public static bool TryParseSeconds(string value, out double seconds, out string rendered)
    {
        seconds = 0;
        rendered = "";
        var v = value.Trim();
        if (long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole))
        {
            seconds = whole;
            rendered = whole.ToString(CultureInfo.InvariantCulture);
            return true;
        }
        v = LetterDigit().Replace(v, " $1");
        v = Days().Replace(v, "*86400");
        v = Weeks().Replace(v, "*604800");
        v = Months().Replace(v, "*2629800.0");
        v = Years().Replace(v, "*31557600.0");
        v = Seconds().Replace(v, "*1");
        v = Minutes().Replace(v, "*60");
        v = Hours().Replace(v, "*3600");
        // One pass, like Python's re.sub: "1 2 3" becomes "1+2 3", which fails to evaluate there too.
        v = DigitSpaceDigit().Replace(v, "$1+$2");
        var p = new Expr(v);
        try
        {
            seconds = p.ParseSum();
            p.SkipSpace();
            if (!p.AtEnd) return false;
            var isFloat = v.Contains('.') || v.Contains('/');
            rendered = isFloat ? PyText.Float(seconds) : ((long)seconds).ToString(CultureInfo.InvariantCulture);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>Recursive-descent evaluator for the expressions str2seconds produces.</summary>
    private sealed class Expr(string text)
    {
        private int _pos;

        public bool AtEnd => _pos >= text.Length;

        public void SkipSpace()
        {
            while (_pos < text.Length && char.IsWhiteSpace(text[_pos])) _pos++;
        }

        public double ParseSum()
        {
            var v = ParseProduct();
            while (true)
            {
                SkipSpace();
                if (AtEnd || (text[_pos] != '+' && text[_pos] != '-')) return v;
                var op = text[_pos++];
                var r = ParseProduct();
                v = op == '+' ? v + r : v - r;
            }
        }

        private double ParseProduct()
        {
            var v = ParseUnary();
            while (true)
            {
                SkipSpace();
                if (AtEnd || (text[_pos] != '*' && text[_pos] != '/')) return v;
                var op = text[_pos++];
                var r = ParseUnary();
                v = op == '*' ? v * r : v / r;
            }
        }

        private double ParseUnary()
        {
            SkipSpace();
            if (AtEnd) throw new FormatException();
            if (text[_pos] is '-' or '+')
            {
                var neg = text[_pos++] == '-';
                var u = ParseUnary();
                return neg ? -u : u;
            }
            if (text[_pos] == '(')
            {
                _pos++;
                var inner = ParseSum();
                SkipSpace();
                if (AtEnd || text[_pos] != ')') throw new FormatException();
                _pos++;
                return inner;
            }
            var start = _pos;
            while (_pos < text.Length && (char.IsAsciiDigit(text[_pos]) || text[_pos] == '.')) _pos++;
            if (start == _pos) throw new FormatException();
            return double.Parse(text.AsSpan(start, _pos - start), NumberStyles.Float, CultureInfo.InvariantCulture);
        }
    }

    [GeneratedRegex(@"(?<=[a-z])(\d)", RegexOptions.IgnoreCase)]
    private static partial Regex LetterDigit();

    [GeneratedRegex(@"(?<=[\d\s])(days?|da|dd?)\b", RegexOptions.IgnoreCase)]
    private static partial Regex Days();

    [GeneratedRegex(@"(?<=[\d\s])(weeks?|wee?|ww?)\b", RegexOptions.IgnoreCase)]
    private static partial Regex Weeks();

    [GeneratedRegex(@"(?<=[\d\s])(months?|mon?)\b", RegexOptions.IgnoreCase)]
    private static partial Regex Months();

    [GeneratedRegex(@"(?<=[\d\s])(years?|yea?|yy?)\b", RegexOptions.IgnoreCase)]
    private static partial Regex Years();

    [GeneratedRegex(@"(?<=[\d\s])(seconds?|sec?|ss?)\b", RegexOptions.IgnoreCase)]
    private static partial Regex Seconds();

    [GeneratedRegex(@"(?<=[\d\s])(minutes?|min?|mm?)\b", RegexOptions.IgnoreCase)]
    private static partial Regex Minutes();

    [GeneratedRegex(@"(?<=[\d\s])(hours?|hou?|hh?)\b", RegexOptions.IgnoreCase)]
    private static partial Regex Hours();

    [GeneratedRegex(@"(\d)\s+(\d)")]
    private static partial Regex DigitSpaceDigit();
}

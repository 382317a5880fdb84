using System.Text;
using Jail2Ban.Protocol.Values;

namespace Jail2Ban.Client.Output;

/// <summary>
/// The box table of fail2ban 1.1's <c>stats</c> command (§6.5). The layout is the one the released
/// fail2ban 1.1.0 client prints (recorded in Client/Golden110): the spec's example, taken from a later
/// development version, has one more leading space per line; the released program wins.
/// </summary>
internal static class StatsTable
{
    private static readonly string[] MinHeaderTop = ["", "", "Filter", "Actions"];

    public static string Render(object? response, bool unicode)
    {
        var dict = response as PyDict ?? throw new InvalidCastException("expected a dict");
        if (dict.Count == 0)
            return "No jails found.";
        // box glyphs: vertical double, horizontal double, left tee, cross, double cross, bottom tee, inner vertical, inner horizontal
        var (vd, hd, lt, cr, dc, bt, vi, hi) = unicode
            ? ("║", "═", "╟", "╫", "╬", "╩", "│", "─")
            : ("|", "-", "|", "x", "x", "-", "|", "-");
        // one row per jail, in the server's order (both servers send them sorted by name):
        // jail, backend, failed cur/tot, banned cur/tot
        var rows = dict.Items
            .Select(p =>
            {
                var v = (List<object?>)p.Value!;
                var f = (PyTuple)v[1]!;
                var b = (PyTuple)v[2]!;
                return new[] { PyRepr.Str(p.Key), PyRepr.Str(v[0]), PyRepr.Str(f[0]), PyRepr.Str(f[1]), PyRepr.Str(b[0]), PyRepr.Str(b[1]) };
            })
            .ToList();
        int[] minimum = [8, 8, 3, 3, 3, 3];
        var w = Enumerable.Range(0, 6).Select(i => Math.Max(minimum[i], rows.Max(r => r[i].Length))).ToArray();
        int[] groups = [w[0], w[1], 3 + w[2] + w[3], 3 + w[4] + w[5]];
        string Cell(string s, int i) => i >= 2 ? s.PadLeft(w[i]) : s.PadRight(w[i]);
        string Line(string[] cells) =>
            $"{Cell(cells[0], 0)} {vd} {Cell(cells[1], 1)} {vd} {Cell(cells[2], 2)} {vi} {Cell(cells[3], 3)} {vd} {Cell(cells[4], 4)} {vi} {Cell(cells[5], 5)}";
        string Rule(string joint) => string.Join(hd + joint + hd, groups.Select(g => Repeat(hd, g))) + hd;

        var sb = new StringBuilder();
        sb.Append(string.Join($" {vd} ", MinHeaderTop.Select((s, i) => s.PadRight(groups[i])))).Append('\n');
        sb.Append("Jail".PadRight(w[0])).Append($" {vd} ").Append("Backend".PadRight(w[1]))
            .Append($" {lt}{hi}").Append(string.Join(hi + cr + hi, groups.Skip(2).Select(g => Repeat(hi, g)))).Append(hi).Append('\n');
        sb.Append(Line(["", "", "cur", "tot", "cur", "tot"])).Append('\n');
        sb.Append(Rule(dc)).Append('\n');
        foreach (var r in rows)
            sb.Append(Line(r)).Append('\n');
        // ASCII mode: the closing line is plain dashes without column joints.
        var last = Rule(bt);
        sb.Append(unicode ? last : Repeat("-", last.Length));
        return sb.ToString();
    }

    private static string Repeat(string s, int n) => string.Concat(Enumerable.Repeat(s, n));
}

using System.Text;
using Jail2Ban.Protocol.Values;

namespace Jail2Ban.Client.Output;

/// <summary>The box table of fail2ban 1.1's <c>stats</c> command (§6.5).</summary>
internal static class StatsTable
{
    public static string Render(object? response, bool unicode)
    {
        var dict = response as PyDict ?? throw new InvalidCastException("expected a dict");
        if (dict.Count == 0)
            return "No jails found.";
        // box glyphs: vertical double, horizontal double, left tee, cross, double cross, bottom tee, inner vertical, inner horizontal
        var (vd, hd, lt, cr, dc, bt, vi, hi) = unicode
            ? ("║", "═", "╟", "╫", "╬", "╩", "│", "─")
            : ("|", "-", "|", "x", "x", "-", "|", "-");
        var rows = dict.Items
            .Select(p =>
            {
                var v = (List<object?>)p.Value!;
                var f = (PyTuple)v[1]!;
                var b = (PyTuple)v[2]!;
                return (Jail: PyRepr.Str(p.Key), Backend: PyRepr.Str(v[0]),
                    Counts: new[] { PyRepr.Str(f[0]), PyRepr.Str(f[1]), PyRepr.Str(b[0]), PyRepr.Str(b[1]) });
            })
            .ToList(); // in the server's order (j2b-server and fail2ban send them sorted by name)
        var wj = Math.Max(8, rows.Max(r => r.Jail.Length));
        var wb = Math.Max(8, rows.Max(r => r.Backend.Length));
        var wc = Enumerable.Range(0, 4).Select(i => Math.Max(3, rows.Max(r => r.Counts[i].Length))).ToArray();
        var g1 = 3 + wc[0] + wc[1];
        var g2 = 3 + wc[2] + wc[3];
        var sb = new StringBuilder();
        sb.Append(' ').Append(new string(' ', wj)).Append($" {vd} ").Append(new string(' ', wb))
            .Append($" {vd} ").Append("Filter".PadRight(g1)).Append($" {vd} ").Append("Actions".PadRight(g2)).Append('\n');
        sb.Append(' ').Append("Jail".PadRight(wj)).Append($" {vd} ").Append("Backend".PadRight(wb))
            .Append($" {lt}").Append(Repeat(hi, g1 + 2)).Append(cr).Append(Repeat(hi, g2 + 2)).Append('\n');
        sb.Append(' ').Append(new string(' ', wj)).Append($" {vd} ").Append(new string(' ', wb))
            .Append($" {vd} ").Append("cur".PadLeft(wc[0])).Append($" {vi} ").Append("tot".PadLeft(wc[1]))
            .Append($" {vd} ").Append("cur".PadLeft(wc[2])).Append($" {vi} ").Append("tot".PadLeft(wc[3])).Append('\n');
        var widths = new[] { wj, wb, g1, g2 };
        sb.Append(string.Join(dc, widths.Select(w => Repeat(hd, w + 2)))).Append('\n');
        foreach (var r in rows)
        {
            sb.Append(' ').Append(r.Jail.PadRight(wj)).Append($" {vd} ").Append(r.Backend.PadRight(wb))
                .Append($" {vd} ").Append(r.Counts[0].PadLeft(wc[0])).Append($" {vi} ").Append(r.Counts[1].PadLeft(wc[1]))
                .Append($" {vd} ").Append(r.Counts[2].PadLeft(wc[2])).Append($" {vi} ").Append(r.Counts[3].PadLeft(wc[3])).Append('\n');
        }
        // ASCII mode (observed): the closing line is plain dashes without column joints.
        sb.Append(unicode ? string.Join(bt, widths.Select(w => Repeat(hd, w + 2))) : Repeat("-", widths.Sum(w => w + 2) + 3));
        return sb.ToString();
    }

    private static string Repeat(string s, int n) => string.Concat(Enumerable.Repeat(s, n));
}

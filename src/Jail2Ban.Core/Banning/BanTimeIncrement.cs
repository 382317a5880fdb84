using System.Globalization;
using Jail2Ban.Core.Time;

namespace Jail2Ban.Core.Banning;

/// <summary>A row of ban history for an ID (DB <c>bips</c>, per jail or summed over all jails).</summary>
public sealed record BanHistory(int BanCount, long TimeOfBan, double LastBanTime);

/// <summary>
/// <c>bantime.increment</c> and friends (spec §3.9) as an immutable, validated setting.
/// Build with <see cref="Create"/>; every option is the raw jail value (null/empty = unset).
/// Formulas/factors are evaluated with <see cref="PythonExpression"/> (names: <c>ban.Time</c>,
/// <c>ban.Count</c>, <c>banFactor</c>, <c>math.*</c>); anything outside that subset is rejected
/// when the option is set, with the option named in the message.
/// </summary>
public sealed class BanTimeIncrement
{
    /// <summary>fail2ban's default formula.</summary>
    public const string DefaultFormula = "ban.Time * (1<<(ban.Count if ban.Count<20 else 20)) * banFactor";

    private static readonly string[] FormulaNames = ["ban.Time", "ban.Count", "banFactor"];

    private readonly PythonExpression? _formula;
    private readonly Func<double> _random;

    private BanTimeIncrement(bool enabled, string? factorText, PyNumber factor, string? formulaText, PythonExpression? formula,
        IReadOnlyList<long> multipliers, string? multipliersText, PyNumber? maxTime, PyNumber? rndTime, bool overallJails, Func<double> random)
    {
        Enabled = enabled;
        FactorText = factorText;
        Factor = factor;
        FormulaText = formulaText;
        _formula = formula;
        Multipliers = multipliers;
        MultipliersText = multipliersText;
        MaxTime = maxTime;
        RndTime = rndTime;
        OverallJails = overallJails;
        _random = random;
    }

    /// <summary>Increment off, everything unset.</summary>
    public static BanTimeIncrement Disabled { get; } = Create();

    public bool Enabled { get; }

    /// <summary>Option texts as set (for <c>get &lt;jail&gt; bantime.&lt;opt&gt;</c>).</summary>
    public string? FactorText { get; }

    public PyNumber Factor { get; }

    public string? FormulaText { get; }

    public IReadOnlyList<long> Multipliers { get; }

    public string? MultipliersText { get; }

    public PyNumber? MaxTime { get; }

    public PyNumber? RndTime { get; }

    public bool OverallJails { get; }

    /// <summary>Validates and compiles the options.</summary>
    /// <param name="random">uniform [0,1) source for rndtime (inject for tests).</param>
    /// <exception cref="FormatException">an option value is invalid; the message names it.</exception>
    public static BanTimeIncrement Create(bool enabled = false, string? factor = null, string? formula = null,
        string? multipliers = null, string? maxTime = null, string? rndTime = null, bool overallJails = false,
        Func<double>? random = null)
    {
        factor = string.IsNullOrEmpty(factor) ? null : factor;
        formula = string.IsNullOrEmpty(formula) ? null : formula;
        multipliers = string.IsNullOrEmpty(multipliers) ? null : multipliers;

        PyNumber factorValue;
        try
        {
            factorValue = PythonExpression.Parse(factor ?? "1").Evaluate();
        }
        catch (Exception e) when (e is FormatException or ArithmeticException)
        {
            throw new FormatException($"bantime.factor: {e.Message}", e);
        }

        var mults = new List<long>();
        if (multipliers is not null)
        {
            // fail2ban splits on single spaces and int()s each part.
            foreach (var part in multipliers.Split(' '))
            {
                if (!long.TryParse(part.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var m))
                {
                    throw new FormatException($"bantime.multipliers: invalid literal for int() with base 10: '{part}'");
                }

                mults.Add(m);
            }
        }

        PythonExpression? compiled = null;
        if (mults.Count == 0)
        {
            try
            {
                compiled = PythonExpression.Parse(formula ?? DefaultFormula, FormulaNames);
            }
            catch (FormatException e)
            {
                throw new FormatException($"bantime.formula: {e.Message}", e);
            }
        }

        return new BanTimeIncrement(enabled, factor, factorValue, formula, compiled, mults, multipliers,
            ParseTime("bantime.maxtime", maxTime), ParseTime("bantime.rndtime", rndTime), overallJails,
            random ?? Random.Shared.NextDouble);
    }

    private static PyNumber? ParseTime(string option, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        try
        {
            return TimeSpec.ToSeconds(value);
        }
        catch (FormatException e)
        {
            throw new FormatException($"{option}: {e.Message}", e);
        }
    }

    /// <summary>
    /// The increased bantime for base <paramref name="banTime"/> and <paramref name="banCount"/>
    /// previous bans: multipliers (<c>time × factor × mult[min(count, len−1)]</c>) or
    /// <c>max(time, formula)</c>; then capped by maxtime; then + random × rndtime.
    /// </summary>
    /// <exception cref="ArithmeticException">the formula fails (overflow, domain error).</exception>
    public PyNumber Calculate(PyNumber banTime, int banCount)
    {
        PyNumber result;
        if (Multipliers.Count > 0)
        {
            var m = Multipliers[banCount < Multipliers.Count ? banCount : Multipliers.Count - 1];
            result = Mul(Mul(banTime, Factor), PyNumber.Int(m));
        }
        else
        {
            var vars = new Dictionary<string, PyNumber>(StringComparer.Ordinal)
            {
                ["ban.Time"] = banTime,
                ["ban.Count"] = PyNumber.Int(banCount),
                ["banFactor"] = Factor,
            };
            var f = _formula!.Evaluate(vars);
            // Python's max() returns the first argument on ties.
            result = f.Value > banTime.Value ? f : banTime;
        }

        if (MaxTime is { } max && max.Value < result.Value)
        {
            result = max;
        }

        if (RndTime is { } rnd)
        {
            result = PyNumber.Float(result.Value + (_random() * rnd.Value));
        }

        return result;
    }

    private static PyNumber Mul(PyNumber a, PyNumber b) =>
        !a.IsFloat && !b.IsFloat && Math.Abs(a.Value * b.Value) < 9e18
            ? PyNumber.Int((long)a.Value * (long)b.Value)
            : PyNumber.Float(a.Value * b.Value);

    /// <summary>Maximal bantime a restored ticket may keep: maxtime with increment (−1 = no cap), else the jail bantime.</summary>
    public double GetMaxBanTime(long jailBanTime) =>
        Enabled ? (MaxTime?.Value ?? -1) : jailBanTime;

    /// <summary>
    /// Failure boost for known bad IPs (observer <c>failureFound</c>): the retry count a
    /// failure of an ID with <paramref name="banCount"/> previous bans counts as —
    /// 2^min(n,20)/2 + 1 capped at <paramref name="maxRetry"/>. fail2ban computes it as a float
    /// and logs it that way (<c>-&gt; 2.0</c>); the value is always integral.
    /// </summary>
    public static int BoostedRetry(int banCount, int maxRetry)
    {
        var n = banCount < 20 ? banCount : 20;
        var retry = n < 0 ? 1 : (int)((1L << n) / 2.0 + 1);
        return Math.Min(retry, maxRetry);
    }
}

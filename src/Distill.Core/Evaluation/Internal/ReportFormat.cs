using System.Globalization;

namespace Distill.Evaluation.Internal;

/// <summary>
/// How report.md writes numbers: invariant culture, percentages with one decimal, sizes and counts in SI units
/// with three significant digits, durations in the two largest units.
/// </summary>
internal static class ReportFormat
{
    public const string Missing = "—";

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>A fraction as a percentage with one decimal: 0.9123 → <c>91.2</c>.</summary>
    public static string Percent(double fraction) => (fraction * 100).ToString("0.0", Invariant);

    /// <summary><c>88.1 ± 0.4</c> over several seeds, <c>88.1</c> for one; <see cref="Missing"/> for none.</summary>
    public static string Percent(Spread? spread) => spread is null
        ? Missing
        : spread.Count > 1 ? $"{Percent(spread.Mean)} ± {Percent(spread.Std)}" : Percent(spread.Mean);

    /// <summary>Percentage points with a sign: <c>+2.9</c>, <c>-0.4</c>, <c>+0.0</c>.</summary>
    public static string Points(double points)
    {
        var text = Math.Abs(points).ToString("0.0", Invariant);
        return (points < 0 && text != "0.0" ? "-" : "+") + text;
    }

    /// <summary>Three significant digits, at most two decimals: <c>123</c>, <c>45.3</c>, <c>3.12</c>, <c>0.41</c>.</summary>
    public static string Significant(double value) =>
        Math.Abs(value) >= 99.95 ? value.ToString("0", Invariant) : Math.Abs(value) >= 9.995 ? value.ToString("0.0", Invariant) : value.ToString("0.00", Invariant);

    /// <summary>A count in SI units: <c>850</c>, <c>14.0 k</c>, <c>4.39 M</c>, <c>1.10 B</c>.</summary>
    public static string Count(double? value) => value switch
    {
        null => Missing,
        >= 999.5e6 => $"{Significant(value.Value / 1e9)} B",
        >= 999.5e3 => $"{Significant(value.Value / 1e6)} M",
        >= 999.5 => $"{Significant(value.Value / 1e3)} k",
        _ => value.Value.ToString("0", Invariant),
    };

    /// <summary>A size in SI units: <c>512 B</c>, <c>17.6 kB</c>, <c>438 MB</c>, <c>1.34 GB</c>.</summary>
    public static string Bytes(double? value) => value switch
    {
        null => Missing,
        >= 999.5e6 => $"{Significant(value.Value / 1e9)} GB",
        >= 999.5e3 => $"{Significant(value.Value / 1e6)} MB",
        >= 999.5 => $"{Significant(value.Value / 1e3)} kB",
        _ => $"{value.Value.ToString("0", Invariant)} B",
    };

    /// <summary><c>45.3 ms</c>.</summary>
    public static string Milliseconds(double? value) => value is { } ms ? $"{Significant(ms)} ms" : Missing;

    /// <summary><c>2,130 rows/s</c>; below 100, three significant digits.</summary>
    public static string RowsPerSecond(double? value) => value switch
    {
        null => Missing,
        >= 99.5 => $"{value.Value.ToString("#,##0", Invariant)} rows/s",
        _ => $"{Significant(value.Value)} rows/s",
    };

    /// <summary><c>×4.21</c>.</summary>
    public static string Times(double? value) => value is { } v ? $"×{Significant(v)}" : Missing;

    /// <summary><c>45.2 s</c>, <c>12 min 3 s</c>, <c>1 h 2 min</c>.</summary>
    public static string Duration(TimeSpan? value)
    {
        if (value is not { } time)
        {
            return Missing;
        }

        var seconds = time.TotalSeconds;
        if (seconds < 59.95)
        {
            return $"{seconds.ToString("0.0", Invariant)} s";
        }

        var whole = (long)Math.Round(seconds);
        return whole < 3600 ? $"{whole / 60} min {whole % 60} s" : $"{whole / 3600} h {whole % 3600 / 60} min";
    }

    /// <summary>Three decimals, for calibration errors: <c>0.031</c>.</summary>
    public static string Fraction(double value) => value.ToString("0.000", Invariant);

    /// <summary><c>0.031 ± 0.004</c> over several seeds, <c>0.031</c> for one.</summary>
    public static string Fraction(Spread? spread) => spread is null
        ? Missing
        : spread.Count > 1 ? $"{Fraction(spread.Mean)} ± {Fraction(spread.Std)}" : Fraction(spread.Mean);
}

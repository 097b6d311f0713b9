using System.Globalization;

namespace Distill.Benchmarks;

/// <summary>
/// Formats the last line every benchmark prints: <c>RESULT &lt;name&gt; key=value ...</c>. A ratio measured in
/// alternating pairs is the median of the per-pair ratios, followed by <c>spread=&lt;min&gt;..&lt;max&gt;</c> of those
/// ratios (<c>&lt;ratio&gt;_spread=</c> for a line's further ratios).
/// </summary>
internal static class BenchmarkResult
{
    public static string Line(string name, params (string Key, object Value)[] values) =>
        $"RESULT {name} " + string.Join(" ", values.Select(v => $"{v.Key}={Format(v.Value)}"));

    private static string Format(object value) => value switch
    {
        double d => d.ToString("0.###", CultureInfo.InvariantCulture),
        float f => f.ToString("0.###", CultureInfo.InvariantCulture),
        Spread spread => spread.ToString(),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty,
    };
}

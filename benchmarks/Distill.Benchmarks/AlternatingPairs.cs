using System.Globalization;
using Distill.Platform;

namespace Distill.Benchmarks;

/// <summary>The per-pair ratios of an <see cref="AlternatingPairs"/> measurement and the times they came from.</summary>
/// <param name="ATimes">Seconds of side A in each timed pair, in order.</param>
/// <param name="BTimes">Seconds of side B in each timed pair, in order.</param>
internal sealed record PairedRatios(IReadOnlyList<double> ATimes, IReadOnlyList<double> BTimes)
{
    /// <summary>A time / B time of each pair, in order.</summary>
    public IReadOnlyList<double> Ratios { get; } = ATimes.Zip(BTimes, (a, b) => a / b).ToList();

    /// <summary>The median of the per-pair ratios (the mean of the middle two for an even count).</summary>
    public double Median => Stats.Median(Ratios);

    /// <summary>The smallest and the largest per-pair ratio.</summary>
    public Spread Spread => Spread.Of(Ratios);

    /// <summary>The median time of side A.</summary>
    public double MedianA => Stats.Median(ATimes);

    /// <summary>The median time of side B.</summary>
    public double MedianB => Stats.Median(BTimes);

    /// <summary>The median, over the pairs, of a quantity computed from each pair's index and A and B times.</summary>
    public double MedianOf(Func<int, double, double, double> perPair) =>
        Stats.Median(Enumerable.Range(0, ATimes.Count).Select(i => perPair(i, ATimes[i], BTimes[i])).ToList());
}

/// <summary>The smallest and largest of a set of values; a RESULT line shows it as <c>min..max</c>.</summary>
internal readonly record struct Spread(double Min, double Max)
{
    public static Spread Of(IReadOnlyCollection<double> values) => new(values.Min(), values.Max());

    public override string ToString() =>
        $"{Min.ToString("0.###", CultureInfo.InvariantCulture)}..{Max.ToString("0.###", CultureInfo.InvariantCulture)}";
}

internal static class Stats
{
    public static double Median(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0)
        {
            throw new ArgumentException("the median of no values");
        }

        var sorted = values.Order().ToArray();
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}

/// <summary>
/// Times two sides of a comparison in alternation, A B A B ..., so that load from elsewhere on a shared machine falls
/// on both sides alike, and gives the ratio A / B of each pair. Each side is a function that does one unit of work and
/// returns the seconds it took (so it can leave its own setup out); both sides must do the same unit every time they
/// are called. The managed and native garbage of one side is collected before the other starts (not timed), and the
/// first <c>warmupPairs</c> pairs are run and thrown away.
/// </summary>
internal static class AlternatingPairs
{
    /// <summary>Runs <paramref name="warmupPairs"/> discarded pairs, then <paramref name="pairs"/> timed ones.</summary>
    /// <param name="a">Side A (the numerator of each ratio): one unit of work, returning its seconds.</param>
    /// <param name="b">Side B (the denominator): one unit of work, returning its seconds.</param>
    /// <param name="pairs">Timed pairs, ≥ 1.</param>
    /// <param name="warmupPairs">Pairs run first and not counted.</param>
    /// <param name="report">Sees each timed pair as it ends: its index, A seconds, B seconds.</param>
    /// <param name="betweenPairs">Runs before each timed pair (not timed as either side), e.g. a gemm-peak sample.</param>
    public static PairedRatios Measure(Func<double> a, Func<double> b, int pairs, int warmupPairs = 1,
        Action<int, double, double>? report = null, Action<int>? betweenPairs = null)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentOutOfRangeException.ThrowIfLessThan(pairs, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(warmupPairs);
        for (var w = 0; w < warmupPairs; w++)
        {
            Side(a);
            Side(b);
        }

        var aTimes = new List<double>();
        var bTimes = new List<double>();
        for (var p = 0; p < pairs; p++)
        {
            betweenPairs?.Invoke(p);
            aTimes.Add(Side(a));
            bTimes.Add(Side(b));
            report?.Invoke(p, aTimes[p], bTimes[p]);
        }

        return new PairedRatios(aTimes, bTimes);
    }

    private static double Side(Func<double> side)
    {
        NativeGarbage.Drain();
        var seconds = side();
        if (!(seconds > 0) || double.IsInfinity(seconds))
        {
            throw new InvalidOperationException($"a benchmark side returned {seconds} seconds; it must return the positive time it took");
        }

        return seconds;
    }
}

namespace Distill.Evaluation;

/// <summary>Mean and spread of one number over the seeds of a run.</summary>
/// <param name="Mean">The mean.</param>
/// <param name="Std">The sample standard deviation (divided by n − 1); 0 for a single value.</param>
/// <param name="Min">The smallest value.</param>
/// <param name="Max">The largest value.</param>
/// <param name="Count">How many values (seeds) there are.</param>
public sealed record Spread(double Mean, double Std, double Min, double Max, int Count)
{
    /// <summary>The spread of <paramref name="values"/>; null when there are none.</summary>
    public static Spread? Of(IEnumerable<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var list = values.ToList();
        if (list.Count == 0)
        {
            return null;
        }

        var mean = list.Average();
        var std = list.Count == 1 ? 0 : Math.Sqrt(list.Sum(v => (v - mean) * (v - mean)) / (list.Count - 1));
        return new Spread(mean, std, list.Min(), list.Max(), list.Count);
    }
}

namespace Distill.Metrics;

/// <summary>
/// How well a classifier's confidence matches how often it is right (Guo et al. 2017, arXiv 1706.04599). Rows are
/// put into equal-width bins by their top-class probability; the expected calibration error is the row-weighted mean
/// gap between each bin's accuracy and mean confidence, ECE = Σ_b (n_b / n)·|acc_b − conf_b|, and the maximum
/// calibration error is the largest gap of a non-empty bin. A perfectly calibrated model has both at 0.
/// </summary>
public sealed record CalibrationMetrics
{
    /// <summary>Number of bins of <see cref="Compute"/> unless told otherwise.</summary>
    public const int DefaultBins = 15;

    /// <summary>Rows evaluated.</summary>
    public required int Rows { get; init; }

    /// <summary>Expected calibration error, in [0, 1].</summary>
    public required double ExpectedCalibrationError { get; init; }

    /// <summary>Maximum calibration error: the largest |accuracy − confidence| of a non-empty bin, in [0, 1].</summary>
    public required double MaxCalibrationError { get; init; }

    /// <summary>The bins, from confidence 0 up to 1, empty ones included: the data of a reliability diagram.</summary>
    public required IReadOnlyList<CalibrationBin> Bins { get; init; }

    /// <summary>
    /// Bins the rows of <paramref name="probabilities"/> (one row per example, one column per class) by their
    /// top-class probability into <paramref name="bins"/> equal-width bins over [0, 1] and compares each bin's accuracy
    /// against <paramref name="labels"/> with its mean confidence. The top class is the first largest probability,
    /// as in <see cref="ClassificationMetrics"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The row counts differ or are 0, a label is outside the classes, or <paramref name="bins"/> &lt; 1.</exception>
    public static CalibrationMetrics Compute(IReadOnlyList<int> labels, IReadOnlyList<float[]> probabilities, int bins = DefaultBins)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(probabilities);
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 1);
        if (labels.Count != probabilities.Count || labels.Count == 0)
        {
            throw new ArgumentException($"labels and probabilities must have the same, non-zero number of rows (were {labels.Count} and {probabilities.Count})");
        }

        var counts = new int[bins];
        var confidenceSums = new double[bins];
        var correct = new int[bins];
        for (var i = 0; i < labels.Count; i++)
        {
            var row = probabilities[i];
            if ((uint)labels[i] >= (uint)row.Length)
            {
                throw new ArgumentException($"labels[{i}] = {labels[i]} is outside the {row.Length} classes");
            }

            var predicted = ClassificationMetrics.ArgMax(row);
            double confidence = row[predicted];
            var bin = BinOf(confidence, bins);
            counts[bin]++;
            confidenceSums[bin] += confidence;
            correct[bin] += predicted == labels[i] ? 1 : 0;
        }

        var result = new CalibrationBin[bins];
        double expected = 0;
        double maximum = 0;
        for (var b = 0; b < bins; b++)
        {
            var n = counts[b];
            result[b] = new CalibrationBin((double)b / bins, (double)(b + 1) / bins, n,
                n == 0 ? 0 : confidenceSums[b] / n, n == 0 ? 0 : (double)correct[b] / n);
            expected += (double)n / labels.Count * result[b].Gap;
            maximum = Math.Max(maximum, result[b].Gap);
        }

        return new CalibrationMetrics { Rows = labels.Count, ExpectedCalibrationError = expected, MaxCalibrationError = maximum, Bins = result };
    }

    // Bins are (lower, upper]: a confidence on an edge counts with the bin below it, and 0 joins the first bin.
    // Clamped because probabilities a softmax rounds to slightly above 1 (or below 0) still belong to the end bins.
    private static int BinOf(double confidence, int bins) =>
        Math.Clamp((int)Math.Ceiling(confidence * bins) - 1, 0, bins - 1);
}

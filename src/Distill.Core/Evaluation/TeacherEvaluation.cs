using Distill.Cache;
using Distill.Metrics;

namespace Distill.Evaluation;

/// <summary>The teacher's own scores, read from its cache: no second run of the teacher.</summary>
public static class TeacherEvaluation
{
    /// <summary>
    /// The teacher's metrics on <paramref name="rows"/> (id, augmentation id) whose true classes are
    /// <paramref name="labels"/>, and its class probabilities per row (for calibration and plots).
    /// </summary>
    /// <exception cref="KeyNotFoundException">The cache has no such row.</exception>
    public static (ClassificationMetrics Metrics, float[][] Probabilities) FromCache(TeacherCache cache, IReadOnlyList<(long RowId, int AugmentationId)> rows,
        IReadOnlyList<int> labels)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(labels);
        var probabilities = cache.ClassProbabilities(rows);
        return (ClassificationMetrics.Compute(labels, probabilities), probabilities);
    }
}

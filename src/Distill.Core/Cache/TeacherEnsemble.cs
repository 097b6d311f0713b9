using Distill.Cache.Internal;
using Distill.Losses;
using static TorchSharp.torch;

namespace Distill.Cache;

/// <summary>
/// Several teachers seen as one: each keeps its own cache, and the ensemble combines their class probabilities row by
/// row, as a mean or with given weights. The result is probabilities, not logits: train against it with
/// <c>KdLossOptions.TeacherGivesProbabilities</c>, which tempers the mixture as softmax(log p / T).
/// </summary>
public sealed class TeacherEnsemble
{
    private readonly IReadOnlyList<TeacherCache> _caches;
    private readonly double[] _weights;
    private readonly int[][] _positions;

    /// <summary>
    /// Combines <paramref name="caches"/> (one per teacher, over the same rows) with <paramref name="weights"/>
    /// (default equal; any non-negative numbers, normalised to sum to 1).
    /// </summary>
    /// <exception cref="DistillException">The caches hold different rows or class counts, or the weights are wrong.</exception>
    public TeacherEnsemble(IReadOnlyList<TeacherCache> caches, IReadOnlyList<double>? weights = null)
    {
        ArgumentNullException.ThrowIfNull(caches);
        if (caches.Count == 0)
        {
            throw CacheErrors.NoTeachers();
        }

        weights ??= Enumerable.Repeat(1.0, caches.Count).ToArray();
        if (weights.Count != caches.Count || weights.Any(w => !(w >= 0) || double.IsInfinity(w)) || weights.Sum() <= 0)
        {
            throw CacheErrors.EnsembleWeights(caches.Count, weights);
        }

        var classes = caches.Select(c => c.Manifest.Tensor(CachedTensorSpec.LogitsName).Dims[0]).Distinct().ToList();
        if (classes.Count > 1)
        {
            throw CacheErrors.EnsembleClassCounts(caches);
        }

        _caches = caches;
        _weights = weights.Select(w => w / weights.Sum()).ToArray();
        Classes = (int)classes[0];

        // Each teacher's cache may order the rows differently; rows are matched by (row id, augmentation id).
        var first = caches[0];
        _positions = caches.Select(cache =>
        {
            if (cache.Rows != first.Rows)
            {
                throw CacheErrors.EnsembleRowCounts(cache, first);
            }

            return Enumerable.Range(0, first.Rows).Select(p =>
            {
                var (id, augmentation, _) = first.RowInfo(p);
                try
                {
                    return cache.PositionOf(id, augmentation);
                }
                catch (KeyNotFoundException)
                {
                    throw CacheErrors.EnsembleRowMissing(cache, id, augmentation);
                }
            }).ToArray();
        }).ToArray();
    }

    /// <summary>Number of classes.</summary>
    public int Classes { get; }

    /// <summary>The teachers' caches, in the order given.</summary>
    public IReadOnlyList<TeacherCache> Caches => _caches;

    /// <summary>The normalised weight of each teacher.</summary>
    public IReadOnlyList<double> Weights => _weights;

    /// <summary>
    /// The ensemble's class probabilities for rows at <paramref name="positions"/> (positions of the first cache),
    /// [rows, classes]: Σ_k w_k·softmax(z_k).
    /// </summary>
    public Tensor ReadProbabilities(IReadOnlyList<int> positions)
    {
        using var scope = NewDisposeScope();
        Tensor? mixture = null;
        for (var k = 0; k < _caches.Count; k++)
        {
            var logits = _caches[k].ReadBatch(positions.Select(p => _positions[k][p]).ToList(), CachedTensorSpec.LogitsName);
            var weighted = logits.softmax(-1).Times(_weights[k]);
            mixture = mixture is null ? weighted : mixture.Plus(weighted);
        }

        return mixture!.MoveToOuterDisposeScope();
    }
}

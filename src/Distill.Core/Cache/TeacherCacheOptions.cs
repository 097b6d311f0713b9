namespace Distill.Cache;

/// <summary>Settings of a cache build. Every setting that changes what is stored is part of the cache key.</summary>
public sealed record TeacherCacheOptions
{
    /// <summary>The tensors to keep: only what the configured losses need. Logits alone by default.</summary>
    public required IReadOnlyList<CachedTensorSpec> Tensors { get; init; }

    /// <summary>Storage precision. Default float16.</summary>
    public CacheElementType ElementType { get; init; } = CacheElementType.Float16;

    /// <summary>
    /// Rows per shard, ≥ 1. Default 2048. A shard is the unit of atomic commit, of resume and of <c>--shard i/n</c>
    /// splitting: a killed build loses at most the shard it was writing.
    /// </summary>
    public int RowsPerShard { get; init; } = 2048;

    /// <summary>
    /// Rows per teacher batch, ≥ 1. Default 64. Rows of a shard are sorted by length before they are cut into batches,
    /// so each batch is padded only to its own longest row. Not part of the key: it changes how fast, not what.
    /// </summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>
    /// Per-row shape the teacher takes float features in, e.g. [3, 224, 224] for an image teacher; rows hold them
    /// flat. Null feeds them as [features]. Part of the key.
    /// </summary>
    public IReadOnlyList<int>? FeatureShape { get; init; }

    /// <summary>Returns every problem with these settings; empty when they are valid.</summary>
    public IEnumerable<string> Validate()
    {
        if (Tensors is null || Tensors.Count == 0)
        {
            yield return "cache.tensors must name at least one tensor (the logits, usually)";
        }
        else
        {
            foreach (var name in Tensors.GroupBy(t => t.Name).Where(g => g.Count() > 1).Select(g => g.Key))
            {
                yield return $"cache.tensors names '{name}' twice";
            }
        }

        if (RowsPerShard < 1)
        {
            yield return $"cache.rows_per_shard must be >= 1 (was {RowsPerShard})";
        }

        if (BatchSize < 1)
        {
            yield return $"cache.batch_size must be >= 1 (was {BatchSize})";
        }
    }
}

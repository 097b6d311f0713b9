namespace Distill.Cache.Internal;

/// <summary>
/// Which rows each shard holds: the rows sorted by length (ties by position), cut into runs of RowsPerShard. Shards
/// are thus length buckets, and their batches pad as little as a globally sorted loop's; the assignment depends on the
/// rows alone, so every build (resumed, split or not) gives each shard the same rows.
/// </summary>
internal static class ShardLayout
{
    public static int[] Order(IReadOnlyList<TeacherRow> rows) =>
        Enumerable.Range(0, rows.Count).OrderBy(p => rows[p].Length).ThenBy(p => p).ToArray();

    public static int Rows(TeacherCacheManifest manifest, int shard) =>
        Math.Min(manifest.RowsPerShard, manifest.Rows - shard * manifest.RowsPerShard);

    public static ReadOnlyMemory<int> Slice(int[] order, TeacherCacheManifest manifest, int shard) =>
        order.AsMemory(shard * manifest.RowsPerShard, Rows(manifest, shard));
}

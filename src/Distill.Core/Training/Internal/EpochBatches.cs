namespace Distill.Training.Internal;

/// <summary>
/// The batches of one epoch, as example indices: the examples shuffled, cut into windows of
/// <c>bucketBatches × batchSize</c>, each window sorted by length and cut into batches, and the batches shuffled. Rows
/// of a batch have similar lengths (little padding) while the order still changes every epoch. The order is a pure
/// function of (seed, stage, epoch), so a resumed run replays the epoch it stopped in exactly.
/// </summary>
internal static class EpochBatches
{
    public static IReadOnlyList<int[]> For(IReadOnlyList<StudentExample> examples, int batchSize, int bucketBatches, int seed, int stage, int epoch)
    {
        // A plain arithmetic mix, not HashCode (randomised per process): the order must be the same in every process.
        var random = new Random(unchecked((seed * 1_000_003) + (stage * 10_007) + epoch) & int.MaxValue);
        var order = Enumerable.Range(0, examples.Count).ToArray();
        random.Shuffle(order);
        var batches = new List<int[]>();
        foreach (var window in order.Chunk(batchSize * bucketBatches))
        {
            batches.AddRange(window.OrderBy(i => examples[i].Length).Chunk(batchSize));
        }

        var shuffled = batches.ToArray();
        random.Shuffle(shuffled);
        return shuffled;
    }

    /// <summary>Batches per epoch (the last may be short).</summary>
    public static int Count(int examples, int batchSize, int bucketBatches)
    {
        var windows = examples / (batchSize * bucketBatches);
        var rest = examples % (batchSize * bucketBatches);
        return windows * bucketBatches + (rest + batchSize - 1) / batchSize;
    }
}

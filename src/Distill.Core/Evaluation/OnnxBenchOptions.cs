namespace Distill.Evaluation;

/// <summary>Settings of <see cref="OnnxBench"/>: the inputs it makes up and how many runs it times.</summary>
public sealed record OnnxBenchOptions
{
    /// <summary>
    /// Tokens per row for text models, and the size of any other dynamic dimension besides the batch and an image's
    /// height and width; ≥ 1. A dimension the model fixes keeps its size. Default 64.
    /// </summary>
    public int SequenceLength { get; init; } = 64;

    /// <summary>Height and width of images (the last two dimensions of a rank-4 float input) when the model leaves them dynamic; ≥ 1. Default 224.</summary>
    public int ImageSize { get; init; } = 224;

    /// <summary>Rows per batch of the throughput measurement, ≥ 1. Default 32.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Timed batch-1 runs; the latency is their median. ≥ 1, default 20.</summary>
    public int Repeats { get; init; } = 20;

    /// <summary>Timed runs at <see cref="BatchSize"/>; the throughput comes from their median. ≥ 1, default 5.</summary>
    public int BatchRepeats { get; init; } = 5;

    /// <summary>Untimed runs at each batch size before timing, so that allocations and lazy initialisation are done; ≥ 0. Default 3.</summary>
    public int WarmupRuns { get; init; } = 3;

    /// <summary>ONNX Runtime intra-op threads; 0 lets ONNX Runtime choose (one per physical core). Default 0.</summary>
    public int Threads { get; init; }

    /// <summary>
    /// Token ids are drawn from [1, this); ≥ 2. Default null: the rows of the embedding table the token ids index,
    /// read from the graph, or 100 when the graph does not show one.
    /// </summary>
    public int? VocabularySize { get; init; }

    /// <summary>Seed of the random inputs, so that repeated benchmarks feed the same values. Default 0.</summary>
    public int Seed { get; init; }

    /// <summary>Every problem with these settings, each naming the setting and its value; empty when valid.</summary>
    public IEnumerable<string> Validate()
    {
        if (SequenceLength < 1)
        {
            yield return $"bench sequence length must be >= 1 (was {SequenceLength})";
        }

        if (ImageSize < 1)
        {
            yield return $"bench image size must be >= 1 (was {ImageSize})";
        }

        if (BatchSize < 1)
        {
            yield return $"bench batch size must be >= 1 (was {BatchSize})";
        }

        if (Repeats < 1)
        {
            yield return $"bench repeats must be >= 1 (was {Repeats})";
        }

        if (BatchRepeats < 1)
        {
            yield return $"bench batch repeats must be >= 1 (was {BatchRepeats})";
        }

        if (WarmupRuns < 0)
        {
            yield return $"bench warm-up runs must be >= 0 (was {WarmupRuns})";
        }

        if (Threads < 0)
        {
            yield return $"bench threads must be >= 0, 0 for ONNX Runtime's choice (was {Threads})";
        }

        if (VocabularySize is < 2)
        {
            yield return $"bench vocabulary size must be >= 2 (was {VocabularySize})";
        }
    }
}

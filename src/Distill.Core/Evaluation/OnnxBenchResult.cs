namespace Distill.Evaluation;

/// <summary>What <see cref="OnnxBench"/> measured for one ONNX model, on the CPU, in ONNX Runtime.</summary>
public sealed record OnnxBenchResult
{
    /// <summary>The model file.</summary>
    public required string Path { get; init; }

    /// <summary>Size of the model file, in bytes (external-data files not counted).</summary>
    public required long Bytes { get; init; }

    /// <summary>Median time of one batch-1 run, in milliseconds.</summary>
    public required double LatencyMs { get; init; }

    /// <summary>Rows per second at <see cref="OnnxBenchOptions.BatchSize"/>: the batch size over the median batch time.</summary>
    public required double ThroughputRowsPerSecond { get; init; }

    /// <summary>The settings used.</summary>
    public required OnnxBenchOptions Settings { get; init; }

    /// <summary>
    /// The length given to dynamic sequence dimensions (<see cref="OnnxBenchOptions.SequenceLength"/>), or the fixed
    /// length of a model that declares one; null when the model has no such dimension (an image or tabular model).
    /// </summary>
    public int? SequenceLength { get; init; }

    /// <summary>What each input was fed at batch 1, e.g. <c>input_ids: int64 [1, 64] random ids in [1, 30522)</c>.</summary>
    public required IReadOnlyList<string> Inputs { get; init; }
}

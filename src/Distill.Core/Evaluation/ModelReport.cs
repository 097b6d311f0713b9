using Distill.Metrics;

namespace Distill.Evaluation;

/// <summary>
/// What a run measured of one model (the teacher, or one seed of a student): its dev and test metrics, the class
/// probabilities they came from, and its size and speed. Probabilities are in the dev (test) set's row order, one
/// column per label; they give the calibration and the reliability diagram.
/// </summary>
public abstract record ModelReport
{
    /// <summary>Metrics on the dev set.</summary>
    public required ClassificationMetrics Dev { get; init; }

    /// <summary>Class probabilities on the dev set, one row per <see cref="RunReport.DevLabels"/> entry; null when not kept.</summary>
    public IReadOnlyList<float[]>? DevProbabilities { get; init; }

    /// <summary>Metrics on the test set; null when the run had none.</summary>
    public ClassificationMetrics? Test { get; init; }

    /// <summary>Class probabilities on the test set, one row per <see cref="RunReport.TestLabels"/> entry; null when not kept.</summary>
    public IReadOnlyList<float[]>? TestProbabilities { get; init; }

    /// <summary>Number of weights (parameters); null when not known (an ONNX teacher, say).</summary>
    public long? Parameters { get; init; }

    /// <summary>Size of the model's ONNX file, in bytes; null when there is none.</summary>
    public long? OnnxBytes { get; init; }

    /// <summary>Median batch-1 latency in ONNX Runtime on the CPU, in milliseconds (<see cref="OnnxBenchResult.LatencyMs"/>); null when not measured.</summary>
    public double? LatencyMs { get; init; }

    /// <summary>Rows per second at the bench's batch size (<see cref="OnnxBenchResult.ThroughputRowsPerSecond"/>); null when not measured.</summary>
    public double? ThroughputRowsPerSecond { get; init; }
}

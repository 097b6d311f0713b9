using Distill.Training;

namespace Distill.Evaluation;

/// <summary>
/// One seed of a student (distilled, or the label-only baseline): the metrics of the weights it ended with (the best
/// dev checkpoint), its evaluation after each epoch, its metrics log, training time, size and speed.
/// </summary>
public sealed record StudentRunReport : ModelReport
{
    /// <summary>The seed of this run.</summary>
    public required int Seed { get; init; }

    /// <summary>
    /// The dev evaluations after each epoch, in order (<see cref="TrainingResult.Evaluations"/>). When empty, the
    /// report reads the <c>eval</c> lines of <see cref="MetricsLog"/> instead.
    /// </summary>
    public IReadOnlyList<EpochEvaluation> Evaluations { get; init; } = [];

    /// <summary>
    /// The run's metrics log, <c>metrics.jsonl</c> (<see cref="TrainingResult.MetricsLog"/>); its <c>step</c> lines give
    /// the loss plot. Null when not kept.
    /// </summary>
    public string? MetricsLog { get; init; }

    /// <summary>Training time (<see cref="TrainingResult.Elapsed"/>).</summary>
    public TimeSpan TrainingTime { get; init; }

    /// <summary>The exported student's ONNX file; null when it was not exported.</summary>
    public string? OnnxPath { get; init; }
}

using System.Text.Json.Serialization;

namespace Distill.Training;

/// <summary>A <c>step</c> line of the metrics log: the loss of an optimizer step and each of its terms.</summary>
public sealed record MetricsLogStep : MetricsLogLine
{
    /// <summary>The weighted total loss of the step (the mean over its accumulated batches); NaN when the line has none.</summary>
    [JsonPropertyName("loss")]
    public double Loss { get; init; } = double.NaN;

    /// <summary>The learning rate of the step; NaN when the line has none.</summary>
    [JsonPropertyName("learning_rate")]
    public double LearningRate { get; init; } = double.NaN;

    /// <summary>Training rows per second so far; NaN when the line has none.</summary>
    [JsonPropertyName("rows_per_second")]
    public double RowsPerSecond { get; init; } = double.NaN;

    /// <summary>Each loss term's unweighted value in the step, by the term's name; empty when the line has none.</summary>
    [JsonPropertyName("terms")]
    public IReadOnlyDictionary<string, double> Terms { get; init; } = new Dictionary<string, double>();
}

using Distill.Metrics;

namespace Distill.Training;

/// <summary>Where a run stands, reported after every logged step and every evaluation.</summary>
public sealed record TrainingProgress
{
    /// <summary>The stage's name.</summary>
    public required string Stage { get; init; }

    /// <summary>The epoch within the stage, from 0.</summary>
    public required int Epoch { get; init; }

    /// <summary>Optimizer steps done in the stage.</summary>
    public required long Step { get; init; }

    /// <summary>Optimizer steps the stage will take.</summary>
    public required long TotalSteps { get; init; }

    /// <summary>The weighted total loss of the last step.</summary>
    public double Loss { get; init; }

    /// <summary>Each term's unweighted value in the last step, by name.</summary>
    public IReadOnlyDictionary<string, double> Terms { get; init; } = new Dictionary<string, double>();

    /// <summary>The learning rate of the last step.</summary>
    public double LearningRate { get; init; }

    /// <summary>Training rows per second since the stage started (or resumed).</summary>
    public double RowsPerSecond { get; init; }

    /// <summary>Estimated time to the end of the stage.</summary>
    public TimeSpan? Remaining { get; init; }

    /// <summary>Set on reports made right after an evaluation.</summary>
    public ClassificationMetrics? Evaluation { get; init; }
}

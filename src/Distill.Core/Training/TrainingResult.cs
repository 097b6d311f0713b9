using Distill.Metrics;
using Distill.Students;

namespace Distill.Training;

/// <summary>One evaluation on the dev set, after an epoch.</summary>
/// <param name="Stage">The stage's name.</param>
/// <param name="Epoch">The epoch within the stage, from 0.</param>
/// <param name="Step">Optimizer steps done in the stage at that point.</param>
/// <param name="Metrics">The dev metrics.</param>
public sealed record EpochEvaluation(string Stage, int Epoch, long Step, ClassificationMetrics Metrics);

/// <summary>What a training run did.</summary>
public sealed record TrainingResult
{
    /// <summary>The student: with the best dev checkpoint's weights when there was a dev set, else as trained.</summary>
    public required StudentModel Student { get; init; }

    /// <summary>Every evaluation, in order.</summary>
    public required IReadOnlyList<EpochEvaluation> Evaluations { get; init; }

    /// <summary>The best evaluation (by the selection metric); null without a dev set.</summary>
    public EpochEvaluation? Best { get; init; }

    /// <summary>Folder of the best student checkpoint (Distill's format); null without a dev set.</summary>
    public string? BestCheckpoint { get; init; }

    /// <summary>The metrics log: one JSON object per line, per logged step and per evaluation.</summary>
    public required string MetricsLog { get; init; }

    /// <summary>Optimizer steps taken, all stages together (those before a resume included).</summary>
    public required long Steps { get; init; }

    /// <summary>True when early stopping ended a stage.</summary>
    public bool StoppedEarly { get; init; }

    /// <summary>True when the run continued from a checkpoint.</summary>
    public bool Resumed { get; init; }

    /// <summary>Training time of this process (not counting an earlier, interrupted one).</summary>
    public TimeSpan Elapsed { get; init; }
}

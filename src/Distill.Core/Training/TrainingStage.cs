using Distill.Losses;

namespace Distill.Training;

/// <summary>
/// One stage of a run, with its own loss terms and schedule: TinyBERT, say, distils the intermediate layers in a first
/// stage and the predictions in a second. Each stage has its own optimizer and learning-rate schedule; the student,
/// and the learned projections of terms the stages share, carry over.
/// </summary>
public sealed record TrainingStage
{
    /// <summary>Name in logs and checkpoints, e.g. <c>intermediate</c> or <c>prediction</c>.</summary>
    public string Name { get; init; } = "train";

    /// <summary>The objective.</summary>
    public required WeightedLossSum Loss { get; init; }

    /// <summary>Epochs, ≥ 1. Default 3.</summary>
    public int Epochs { get; init; } = 3;

    /// <summary>Optimizer steps to stop after, if fewer than the epochs give; null = run every epoch.</summary>
    public long? MaxSteps { get; init; }

    /// <summary>Peak learning rate of AdamW, &gt; 0. Default 5e-5.</summary>
    public double LearningRate { get; init; } = 5e-5;

    /// <summary>Fraction of the stage's steps spent warming the learning rate up linearly from 0, in [0, 1). Default 0.1.</summary>
    public double WarmupFraction { get; init; } = 0.1;

    /// <summary>Decay after the warm-up. Default linear.</summary>
    public LearningRateDecay Decay { get; init; } = LearningRateDecay.Linear;

    /// <summary>AdamW weight decay, ≥ 0. Default 0.01.</summary>
    public double WeightDecay { get; init; } = 0.01;

    /// <summary>Evaluate on the dev set after each epoch (and keep the best checkpoint). Default true.</summary>
    public bool Evaluate { get; init; } = true;

    /// <summary>Every problem with this stage; empty when it is valid.</summary>
    public IEnumerable<string> Validate()
    {
        if (Loss is null || Loss.Terms.Count == 0)
        {
            yield return $"stage '{Name}': loss must have at least one term";
        }

        if (Epochs < 1)
        {
            yield return $"stage '{Name}': epochs must be >= 1 (was {Epochs})";
        }

        if (MaxSteps is < 1)
        {
            yield return $"stage '{Name}': max_steps must be >= 1 (was {MaxSteps})";
        }

        if (!(LearningRate > 0) || double.IsInfinity(LearningRate))
        {
            yield return $"stage '{Name}': learning_rate must be > 0 (was {LearningRate})";
        }

        if (!(WarmupFraction >= 0 && WarmupFraction < 1))
        {
            yield return $"stage '{Name}': warmup must be in [0, 1) (was {WarmupFraction})";
        }

        if (!(WeightDecay >= 0))
        {
            yield return $"stage '{Name}': weight_decay must be >= 0 (was {WeightDecay})";
        }
    }
}

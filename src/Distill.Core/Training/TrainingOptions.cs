using Distill.Platform;

namespace Distill.Training;

/// <summary>Settings of a training run that hold across its stages.</summary>
public sealed record TrainingOptions
{
    /// <summary>Where checkpoints, the best student and the metrics log go.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>Rows per optimizer step (before accumulation), ≥ 1. Default 32.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Batches whose gradients add up before one optimizer step, ≥ 1. Default 1.</summary>
    public int GradientAccumulation { get; init; } = 1;

    /// <summary>Largest total gradient norm (clipped above it); 0 turns clipping off. Default 1.</summary>
    public double MaxGradNorm { get; init; } = 1.0;

    /// <summary>Seed of initialisation order, shuffling and dropout: the same seed on the same machine gives the same run.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>How many batches, in sort order, make one length bucket that is shuffled as a unit. Default 50.</summary>
    public int BucketBatches { get; init; } = 50;

    /// <summary>Log a metrics line every this many optimizer steps, ≥ 1. Default 10.</summary>
    public int LogEverySteps { get; init; } = 10;

    /// <summary>Write a resumable checkpoint every this many optimizer steps (and at each epoch's end), ≥ 1. Default 500.</summary>
    public int CheckpointEverySteps { get; init; } = 500;

    /// <summary>Stop a stage after this many evaluations without improvement; null never stops early.</summary>
    public int? EarlyStoppingPatience { get; init; }

    /// <summary>The dev metric that picks the best checkpoint: accuracy (default) or macro_f1, higher is better.</summary>
    public string SelectionMetric { get; init; } = "accuracy";

    /// <summary>
    /// Student parameters that stay as they are: each entry is a state-dict key or the start of keys (a module path such
    /// as <c>bert.embeddings.word_embeddings</c>). Freezing a pretrained model's word embeddings saves most of a small
    /// model's optimizer work (they are most of its parameters, and a batch touches few of their rows) at little cost in
    /// accuracy. Default none.
    /// </summary>
    public IReadOnlyList<string> Freeze { get; init; } = [];

    /// <summary>Continue from the last checkpoint in <see cref="OutputDirectory"/> if there is one. Default true.</summary>
    public bool Resume { get; init; } = true;

    /// <summary>Where the student trains: auto, cpu, cuda or cuda:N.</summary>
    public DeviceSetting Device { get; init; } = DeviceSetting.Auto;

    /// <summary>Every problem with these settings; empty when they are valid.</summary>
    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(OutputDirectory))
        {
            yield return "training.output must name a folder";
        }

        if (BatchSize < 1)
        {
            yield return $"training.batch_size must be >= 1 (was {BatchSize})";
        }

        if (GradientAccumulation < 1)
        {
            yield return $"training.gradient_accumulation must be >= 1 (was {GradientAccumulation})";
        }

        if (!(MaxGradNorm >= 0))
        {
            yield return $"training.max_grad_norm must be >= 0 (was {MaxGradNorm})";
        }

        if (BucketBatches < 1)
        {
            yield return $"training.bucket_batches must be >= 1 (was {BucketBatches})";
        }

        if (LogEverySteps < 1)
        {
            yield return $"training.log_every must be >= 1 (was {LogEverySteps})";
        }

        if (CheckpointEverySteps < 1)
        {
            yield return $"training.checkpoint_every must be >= 1 (was {CheckpointEverySteps})";
        }

        if (SelectionMetric is not ("accuracy" or "macro_f1"))
        {
            yield return $"training.selection_metric must be accuracy or macro_f1 (was '{SelectionMetric}')";
        }

        if (EarlyStoppingPatience is < 1)
        {
            yield return $"training.patience must be >= 1 (was {EarlyStoppingPatience})";
        }
    }
}

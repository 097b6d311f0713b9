namespace Distill.Recipes;

/// <summary>Settings of training that hold across stages (key <c>training</c>).</summary>
public sealed record TrainingSettings
{
    /// <summary>Key <c>batch_size</c>, default 32.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Key <c>gradient_accumulation</c>, default 1.</summary>
    public int GradientAccumulation { get; init; } = 1;

    /// <summary>Key <c>max_grad_norm</c>, default 1.</summary>
    public double MaxGradNorm { get; init; } = 1.0;

    /// <summary>Key <c>patience</c> (evaluations without improvement before a stage stops); default none.</summary>
    public int? Patience { get; init; }

    /// <summary>accuracy or macro_f1. Key <c>selection_metric</c>, default accuracy.</summary>
    public string SelectionMetric { get; init; } = "accuracy";

    /// <summary>Key <c>checkpoint_every</c> (optimizer steps), default 500.</summary>
    public int CheckpointEvery { get; init; } = 500;

    /// <summary>Key <c>log_every</c> (optimizer steps), default 10.</summary>
    public int LogEvery { get; init; } = 10;

    /// <summary>Student parameters to keep as they are: state-dict keys or module paths. Key <c>freeze</c>, default none.</summary>
    public IReadOnlyList<string> Freeze { get; init; } = [];
}

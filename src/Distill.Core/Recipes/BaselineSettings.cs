namespace Distill.Recipes;

/// <summary>
/// The label-only baseline (key <c>baseline</c>): the same student, trained with cross-entropy alone on the labelled
/// rows, so that the report shows what distillation gained.
/// </summary>
public sealed record BaselineSettings
{
    /// <summary>Key <c>epochs</c>, default 3.</summary>
    public int Epochs { get; init; } = 3;

    /// <summary>Key <c>learning_rate</c>, default 5e-5.</summary>
    public double LearningRate { get; init; } = 5e-5;

    /// <summary>Key <c>warmup</c>, default 0.1.</summary>
    public double Warmup { get; init; } = 0.1;
}

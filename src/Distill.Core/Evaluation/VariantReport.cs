namespace Distill.Evaluation;

/// <summary>
/// Another way of distilling the same student, reported beside the distilled student and the baseline (a recipe's
/// <c>variants</c>): its name, its objective per stage, and its students, one per seed.
/// </summary>
public sealed record VariantReport
{
    /// <summary>The variant's name.</summary>
    public required string Name { get; init; }

    /// <summary>The objective of each of its stages, e.g. <c>kd: L = KD(T=2)</c>.</summary>
    public IReadOnlyList<string> Stages { get; init; } = [];

    /// <summary>Its students, one per seed; at least one.</summary>
    public required IReadOnlyList<StudentRunReport> Runs { get; init; }
}

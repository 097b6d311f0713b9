namespace Distill.Students.Checkpoints;

/// <summary>
/// What the caller needs a checkpoint to be (for example what a recipe says), checked against its manifest before any
/// weights are read. Every property is optional: null means "not checked". All mismatches are reported together.
/// </summary>
public sealed record StudentCheckpointExpectations
{
    /// <summary>The class names, in logit order. Default null (not checked).</summary>
    public IReadOnlyList<string>? Labels { get; init; }

    /// <summary>The tokenizer vocabulary's hash (<see cref="Text.VocabularyHash"/>). Default null (not checked).</summary>
    public string? VocabularyHash { get; init; }

    /// <summary>The architecture. Default null (not checked).</summary>
    public StudentKind? Architecture { get; init; }

    /// <summary>
    /// Settings the checkpoint must have: its architecture and every setting of these options, compared one by one
    /// as they appear in JSON. Default null (not checked).
    /// </summary>
    public StudentOptions? Options { get; init; }
}

namespace Distill.Students.Checkpoints;

/// <summary>
/// What a checkpoint records beside the weights and settings: what the outputs mean and which vocabulary the inputs
/// come from. Given to <see cref="StudentCheckpoint.Save"/>; handed back by <see cref="StudentCheckpoint.Load"/>.
/// </summary>
public sealed record StudentCheckpointInfo
{
    /// <summary>Class names, one per logit, in logit order; as many as the student's <c>num_labels</c>, no repeats.</summary>
    public required IReadOnlyList<string> Labels { get; init; }

    /// <summary>
    /// The tokenizer vocabulary's <see cref="Text.VocabularyHash"/> (<c>sha256:...</c>) for text students; null for
    /// students of float features. Default null.
    /// </summary>
    public string? VocabularyHash { get; init; }

    /// <inheritdoc />
    public bool Equals(StudentCheckpointInfo? other) =>
        other is not null && Labels.SequenceEqual(other.Labels) && VocabularyHash == other.VocabularyHash;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Labels.Count, VocabularyHash);
}

namespace Distill.Teacher;

/// <summary>
/// One padded batch for a teacher: token ids, mask and segment ids ([rows, length] each, row-major) for text
/// teachers, or float features ([rows, ...feature dims]) for the others.
/// </summary>
public sealed class TeacherBatch
{
    /// <summary>Number of rows.</summary>
    public required int Rows { get; init; }

    /// <summary>Padded sequence length (text), or 0.</summary>
    public int Length { get; init; }

    /// <summary>Token ids, rows × length, padded with 0.</summary>
    public long[]? InputIds { get; init; }

    /// <summary>1 for tokens, 0 for padding, rows × length.</summary>
    public long[]? AttentionMask { get; init; }

    /// <summary>Segment ids, rows × length (0 where the encoder gave none).</summary>
    public long[]? TokenTypeIds { get; init; }

    /// <summary>Float features, rows × the product of <see cref="FeatureDims"/>.</summary>
    public float[]? Features { get; init; }

    /// <summary>Dims of one row's features, e.g. [1, 28, 28].</summary>
    public long[]? FeatureDims { get; init; }
}

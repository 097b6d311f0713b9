namespace Distill.Teacher;

/// <summary>What Distill's encoder produces for a batch, and so what it can feed a teacher input.</summary>
public enum TeacherInputKind
{
    /// <summary>Token ids, [batch, sequence] (int64; int32 where the model asks for it).</summary>
    InputIds,

    /// <summary>1 for tokens, 0 for padding, [batch, sequence].</summary>
    AttentionMask,

    /// <summary>Segment ids, [batch, sequence]: 0 for the first text, 1 for the second; zeros when Distill has none.</summary>
    TokenTypeIds,

    /// <summary>One float tensor: tabular features or images, in the shape the model declares.</summary>
    Features,
}

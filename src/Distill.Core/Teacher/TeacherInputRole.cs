namespace Distill.Teacher;

/// <summary>What Distill feeds into a teacher input.</summary>
public enum TeacherInputRole
{
    /// <summary>Token ids (int64 [batch, sequence]).</summary>
    InputIds,

    /// <summary>1 for tokens, 0 for padding (int64 [batch, sequence]).</summary>
    AttentionMask,

    /// <summary>Segment ids (int64 [batch, sequence]); zeros when the data has no second text.</summary>
    TokenTypeIds,

    /// <summary>The float tensor of a vision or tabular teacher ([batch, ...]).</summary>
    Features,
}

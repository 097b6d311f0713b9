namespace Distill.Teacher;

/// <summary>One model input and what Distill feeds it.</summary>
/// <param name="Input">The model input, as the model declares it (name, element type, shape).</param>
/// <param name="Kind">What Distill feeds it.</param>
/// <param name="Zeros">True when Distill has no such data and feeds zeros of the token ids' shape: token type ids
/// for single-text inputs, which BERT-family models treat as all zeros anyway.</param>
public sealed record BoundTeacherInput(TeacherTensorInfo Input, TeacherInputKind Kind, bool Zeros)
{
    /// <summary>E.g. <c>segment_ids ← token_type_ids</c> or <c>token_type_ids ← zeros</c>.</summary>
    public override string ToString() => $"{Input.Name} ← {(Zeros ? "zeros" : TeacherInputNames.Of(Kind))}";
}

using Distill.Losses.Internal;
using static TorchSharp.torch;

namespace Distill.Losses;

/// <summary>Settings of <see cref="ValueRelationLoss"/>.</summary>
public sealed record ValueRelationLossOptions
{
    /// <summary>Student layer → teacher layer map. Default <see cref="LayerMap.Last"/>, as in MiniLM.</summary>
    public LayerMap LayerMap { get; init; } = LayerMap.Last;

    /// <summary>
    /// Number of relation heads R. Null (the default) takes the student's head count, which is MiniLM's value
    /// relation exactly when the teacher has as many heads. Both sides' heads·head-size must be divisible by R.
    /// </summary>
    public int? RelationHeads { get; init; }

    /// <summary>Returns every problem with these settings; empty when they are valid.</summary>
    public IEnumerable<string> Validate() => new[]
    {
        RelationHeads is < 1 ? $"relation_heads must be >= 1 (was {RelationHeads})" : null,
    }.OfType<string>();
}

/// <summary>
/// MiniLM's value-relation transfer (Wang et al. 2020, arXiv 2002.10957), with MiniLMv2's relation heads (Wang et
/// al. 2021, arXiv 2012.15828) so that student and teacher head counts and sizes may differ. Each side's value
/// vectors [batch, heads, sequence, head size] are concatenated over heads and split again into R relation heads
/// of size d_r; the relation of each head is <c>VR = softmax(V_r·V_rᵀ / √d_r)</c> and
/// <code>L_VR = (1 / (R·|x|)) Σ_r Σ_(query i) KL(VR^T_(r,i) ‖ VR^S_(r,i))</code>
/// averaged over relation heads and over queries that are tokens; padded keys are left out of each distribution. A
/// batch without a single token gives 0.
/// </summary>
public sealed class ValueRelationLoss : ILossTerm
{
    /// <summary>Creates the term; throws if the options are invalid.</summary>
    public ValueRelationLoss(ValueRelationLossOptions? options = null)
    {
        Options = options ?? new ValueRelationLossOptions();
        LossOptionChecks.ThrowIfInvalid("value_relation", Options.Validate());
    }

    /// <summary>The term's settings.</summary>
    public ValueRelationLossOptions Options { get; }

    /// <inheritdoc />
    public string Key => "value_relation";

    /// <inheritdoc />
    public string Formula =>
        $"Σ_layers mean_(r,i) KL(softmax(V_t·V_tᵀ/√d) ‖ softmax(V_s·V_sᵀ/√d)) [relation heads={(Options.RelationHeads?.ToString() ?? "student heads")}, layers={Options.LayerMap}]";

    /// <summary>The loss for one layer; returns a scalar.</summary>
    /// <param name="studentValues">Student value vectors, [batch, heads, sequence, head size].</param>
    /// <param name="teacherValues">Teacher value vectors, [batch, heads', sequence, head size'].</param>
    /// <param name="attentionMask">Token mask, [batch, sequence] (1 = token), or null when nothing is padded.</param>
    public Tensor Compute(Tensor studentValues, Tensor teacherValues, Tensor? attentionMask = null)
    {
        AttentionChecks.PerHead(studentValues, teacherValues, "[batch, heads, sequence, head size]", nameof(studentValues), nameof(teacherValues));
        var relationHeads = Options.RelationHeads ?? (int)studentValues.shape[1];

        using var scope = NewDisposeScope();
        var student = RelationLogits(Divergence.AtLeastFloat32(studentValues), relationHeads, nameof(studentValues));
        var teacher = RelationLogits(Divergence.AtLeastFloat32(teacherValues).to(student.dtype).detach(), relationHeads, nameof(teacherValues));
        var mask = attentionMask is null ? null : Guard.Mask(attentionMask, student.shape[0], student.shape[2], student.device);
        return Divergence.MaskedRowKl(student, teacher, teacherIsProbabilities: false, mask).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public Tensor Compute(LossInputs inputs)
    {
        var student = inputs.Require(inputs.StudentValues, Key, nameof(LossInputs.StudentValues), "ask the student for its value vectors");
        var teacher = inputs.Require(inputs.TeacherValues, Key, nameof(LossInputs.TeacherValues), "cache the teacher's value taps");
        return Layerwise.Sum(student, teacher, Options.LayerMap, 0, false, Key, nameof(LossInputs.TeacherValues),
            (s, t) => Compute(s, t, inputs.AttentionMask));
    }

    /// <inheritdoc />
    public override string ToString() => Formula;

    /// <summary>[batch, heads, L, d] → relation logits [batch, R, L, L] = V_r·V_rᵀ / √d_r.</summary>
    private static Tensor RelationLogits(Tensor values, int relationHeads, string name)
    {
        var (batch, heads, length, size) = (values.shape[0], values.shape[1], values.shape[2], values.shape[3]);
        var width = heads * size;
        if (width % relationHeads != 0)
        {
            throw new ArgumentException(
                $"{name}: heads × head size = {heads} × {size} = {width} is not divisible by {relationHeads} relation heads; " +
                "choose relation_heads that divides both sides' heads × head size", name);
        }

        var relationSize = width / relationHeads;
        var split = values.permute(0, 2, 1, 3).reshape(batch, length, relationHeads, relationSize).permute(0, 2, 1, 3);
        return split.matmul(split.transpose(-1, -2)).DividedBy(Math.Sqrt(relationSize));
    }
}

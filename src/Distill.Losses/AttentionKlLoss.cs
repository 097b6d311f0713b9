using Distill.Losses.Internal;
using static TorchSharp.torch;

namespace Distill.Losses;

/// <summary>Settings of <see cref="AttentionKlLoss"/>.</summary>
public sealed record AttentionKlLossOptions
{
    /// <summary>Student layer → teacher layer map. Default <see cref="LayerMap.Last"/>, as in MiniLM.</summary>
    public LayerMap LayerMap { get; init; } = LayerMap.Last;
}

/// <summary>
/// MiniLM's self-attention distribution transfer (Wang et al. 2020, "MiniLM: Deep Self-Attention Distillation for
/// Task-Agnostic Compression of Pre-Trained Transformers", arXiv 2002.10957):
/// <code>L_AT = (1 / (H·|x|)) Σ_h Σ_(query i) KL(A^T_(h,i) ‖ A^S_(h,i))</code>
/// the KL divergence between the teacher's and the student's attention distribution of each query, averaged over
/// heads and over the queries that are tokens. Padded keys are left out of each distribution and padded queries out
/// of the mean (a batch without a single token gives 0). The student side is taken from its scores (before softmax) so that its log-probabilities are exact;
/// the teacher side is its attention probabilities (the tapped Softmax output).
/// Head counts: when the teacher has k times the student's heads, the distributions of each run of k consecutive
/// teacher heads are averaged (a mixture, still a distribution); for other head counts use
/// <see cref="ValueRelationLoss"/>, whose relation heads work with any counts.
/// </summary>
public sealed class AttentionKlLoss : ILossTerm
{
    /// <summary>Creates the term.</summary>
    public AttentionKlLoss(AttentionKlLossOptions? options = null)
    {
        Options = options ?? new AttentionKlLossOptions();
    }

    /// <summary>The term's settings.</summary>
    public AttentionKlLossOptions Options { get; }

    /// <inheritdoc />
    public string Key => "attention_kl";

    /// <inheritdoc />
    public string Formula => $"Σ_layers mean_(h,i) KL(A_t ‖ softmax(S_s)) [layers={Options.LayerMap}]";

    /// <summary>The loss for one layer; returns a scalar.</summary>
    /// <param name="studentScores">Student attention scores before softmax, no mask added, [batch, heads, sequence, sequence].</param>
    /// <param name="teacherProbabilities">Teacher attention probabilities, [batch, heads', sequence, sequence].</param>
    /// <param name="attentionMask">Token mask, [batch, sequence] (1 = token), or null when nothing is padded.</param>
    public Tensor Compute(Tensor studentScores, Tensor teacherProbabilities, Tensor? attentionMask = null)
    {
        AttentionChecks.Pair(studentScores, teacherProbabilities);

        using var scope = NewDisposeScope();
        var student = Divergence.AtLeastFloat32(studentScores);
        var teacher = Divergence.GroupTeacherHeads(
            Divergence.AtLeastFloat32(teacherProbabilities).to(student.dtype).detach(), student.shape[1], Key, nameof(teacherProbabilities));
        var mask = attentionMask is null ? null : Guard.Mask(attentionMask, student.shape[0], student.shape[2], student.device);
        return Divergence.MaskedRowKl(student, teacher, teacherIsProbabilities: true, mask).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public Tensor Compute(LossInputs inputs)
    {
        var student = inputs.Require(inputs.StudentAttentionScores, Key, nameof(LossInputs.StudentAttentionScores), "ask the student for its attention scores");
        var teacher = inputs.Require(inputs.TeacherAttentionProbabilities, Key, nameof(LossInputs.TeacherAttentionProbabilities), "cache the teacher's attention taps");
        return Layerwise.Sum(student, teacher, Options.LayerMap, 0, false, Key, nameof(LossInputs.TeacherAttentionProbabilities),
            (s, t) => Compute(s, t, inputs.AttentionMask));
    }

    /// <inheritdoc />
    public override string ToString() => Formula;
}

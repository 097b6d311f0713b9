using Distill.Losses.Internal;
using static TorchSharp.torch;

namespace Distill.Losses;

/// <summary>Which attention tensor a transformer attention term compares.</summary>
public enum AttentionKind
{
    /// <summary>Scores before softmax (TinyBERT). Student scores carry no mask; masked positions are left out.</summary>
    Scores,

    /// <summary>Probabilities after softmax.</summary>
    Probabilities,
}

/// <summary>Settings of <see cref="AttentionMseLoss"/>.</summary>
public sealed record AttentionMseLossOptions
{
    /// <summary>Student layer → teacher layer map. Default <see cref="LayerMap.Uniform"/>, as in TinyBERT.</summary>
    public LayerMap LayerMap { get; init; } = LayerMap.Uniform;

    /// <summary>Compare attention scores (TinyBERT, the default) or probabilities.</summary>
    public AttentionKind Kind { get; init; } = AttentionKind.Scores;
}

/// <summary>
/// TinyBERT's attention loss (Jiao et al. 2020, "TinyBERT: Distilling BERT for Natural Language Understanding",
/// arXiv 1909.10351): mean squared error between student and teacher attention matrices, summed over the mapped layers,
/// <code>L_attn = Σ_(m→g(m)) (1 / (H·|V|)) Σ_h Σ_((i,j) ∈ V) (A^S_(m,h,i,j) − A^T_(g(m),h,i,j))²</code>
/// where V holds the pairs of a query and a key that are both tokens: padded positions are left out, both from the
/// sum and from the count (TinyBERT's code zeroes them instead, which dilutes the mean with padding); a batch without
/// a single token gives 0. Teacher scores
/// tapped before the softmax carry the teacher's additive mask at padded keys; they are left out too.
/// Head counts: when the teacher has k times the student's heads, each run of k consecutive teacher heads is
/// averaged into one; other combinations are an error.
/// </summary>
public sealed class AttentionMseLoss : ILossTerm
{
    /// <summary>Creates the term.</summary>
    public AttentionMseLoss(AttentionMseLossOptions? options = null)
    {
        Options = options ?? new AttentionMseLossOptions();
    }

    /// <summary>The term's settings.</summary>
    public AttentionMseLossOptions Options { get; }

    /// <inheritdoc />
    public string Key => "attention_mse";

    /// <inheritdoc />
    public string Formula =>
        $"Σ_layers MSE_masked(A_s, A_t) [{(Options.Kind == AttentionKind.Scores ? "scores" : "probabilities")}, layers={Options.LayerMap}]";

    /// <summary>The loss for one layer; returns a scalar.</summary>
    /// <param name="studentAttention">Student attention, [batch, heads, sequence, sequence].</param>
    /// <param name="teacherAttention">Teacher attention, [batch, heads', sequence, sequence], heads' a multiple of heads.</param>
    /// <param name="attentionMask">Token mask, [batch, sequence] (1 = token), or null when nothing is padded.</param>
    public Tensor Compute(Tensor studentAttention, Tensor teacherAttention, Tensor? attentionMask = null)
    {
        AttentionChecks.Pair(studentAttention, teacherAttention);

        using var scope = NewDisposeScope();
        var student = Divergence.AtLeastFloat32(studentAttention);
        var teacher = Divergence.GroupTeacherHeads(
            Divergence.AtLeastFloat32(teacherAttention).to(student.dtype).detach(), student.shape[1], Key, nameof(teacherAttention));
        var difference = student - teacher;
        if (attentionMask is null)
        {
            return difference.Squared().mean().MoveToOuterDisposeScope();
        }

        var mask = Guard.Mask(attentionMask, student.shape[0], student.shape[2], student.device);
        var valid = mask.unsqueeze(1).unsqueeze(3).logical_and(mask.unsqueeze(1).unsqueeze(2)); // [batch, 1, q, k]
        // where, not multiply: a teacher score of -inf at a padded key would make inf·0 = NaN.
        var squared = where(valid, difference, zeros_like(difference)).Squared();
        // clamp: a batch without a single token gives 0, not 0/0.
        var count = valid.to(squared.dtype).sum().Times(student.shape[1]).AtLeast(1);
        return (squared.sum() / count).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public Tensor Compute(LossInputs inputs)
    {
        IReadOnlyList<Tensor> student;
        IReadOnlyList<Tensor?> teacher;
        string teacherProperty;
        if (Options.Kind == AttentionKind.Scores)
        {
            student = inputs.Require(inputs.StudentAttentionScores, Key, nameof(LossInputs.StudentAttentionScores), "ask the student for its attention scores");
            teacherProperty = nameof(LossInputs.TeacherAttentionScores);
            teacher = inputs.Require(inputs.TeacherAttentionScores, Key, teacherProperty, "cache the teacher's attention-score taps (the Softmax inputs), or compare probabilities");
        }
        else
        {
            student = inputs.Require(inputs.StudentAttentionProbabilities, Key, nameof(LossInputs.StudentAttentionProbabilities), "ask the student for its attention probabilities");
            teacherProperty = nameof(LossInputs.TeacherAttentionProbabilities);
            teacher = inputs.Require(inputs.TeacherAttentionProbabilities, Key, teacherProperty, "cache the teacher's attention taps");
        }

        return Layerwise.Sum(student, teacher, Options.LayerMap, 0, false, Key, teacherProperty,
            (s, t) => Compute(s, t, inputs.AttentionMask));
    }

    /// <inheritdoc />
    public override string ToString() => Formula;
}

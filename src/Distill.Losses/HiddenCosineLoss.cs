using Distill.Losses.Internal;
using static TorchSharp.torch;

namespace Distill.Losses;

/// <summary>Settings of <see cref="HiddenCosineLoss"/>.</summary>
public sealed record HiddenCosineLossOptions
{
    /// <summary>Student layer → teacher layer map. Default <see cref="LayerMap.Last"/>, as in DistilBERT.</summary>
    public LayerMap LayerMap { get; init; } = LayerMap.Last;

    /// <summary>Also align the embedding outputs (index 0 of the hidden-state lists). Default false.</summary>
    public bool IncludeEmbeddings { get; init; }
}

/// <summary>
/// DistilBERT's cosine embedding loss on hidden states (Sanh et al. 2019, "DistilBERT, a distilled version of BERT",
/// arXiv 1910.01108):
/// <code>L_cos = Σ_(m→g(m)) (1 / |tokens|) Σ_(tokens) (1 − cos(h^S_m, h^T_g(m)))</code>
/// averaged over the tokens that are not padding (a batch without a single token gives 0). It aligns directions, not magnitudes, and needs equal hidden sizes
/// (use hidden_mse, which learns a projection, when they differ).
/// </summary>
public sealed class HiddenCosineLoss : ILossTerm
{
    /// <summary>Creates the term.</summary>
    public HiddenCosineLoss(HiddenCosineLossOptions? options = null)
    {
        Options = options ?? new HiddenCosineLossOptions();
    }

    /// <summary>The term's settings.</summary>
    public HiddenCosineLossOptions Options { get; }

    /// <inheritdoc />
    public string Key => "cosine";

    /// <inheritdoc />
    public string Formula => $"Σ_layers mean_tokens(1 − cos(h_s, h_t)) [layers={Options.LayerMap}{(Options.IncludeEmbeddings ? " + embeddings" : "")}]";

    /// <summary>The loss for one layer; returns a scalar.</summary>
    /// <param name="studentHidden">Student hidden states, [batch, sequence, hidden].</param>
    /// <param name="teacherHidden">Teacher hidden states, same shape.</param>
    /// <param name="attentionMask">Token mask, [batch, sequence] (1 = token), or null when nothing is padded.</param>
    public Tensor Compute(Tensor studentHidden, Tensor teacherHidden, Tensor? attentionMask = null)
    {
        Guard.Rank(studentHidden, 3, "[batch, sequence, hidden]");
        if (teacherHidden.dim() == 3 && studentHidden.shape[2] != teacherHidden.shape[2])
        {
            throw new ArgumentException(
                $"teacherHidden: cosine needs equal hidden sizes, got student {studentHidden.shape[2]} and teacher {teacherHidden.shape[2]}; use hidden_mse, which learns a projection",
                nameof(teacherHidden));
        }

        HiddenChecks.Pair(studentHidden, teacherHidden, studentHidden.shape[2], studentHidden.shape[2]);

        using var scope = NewDisposeScope();
        var student = Divergence.AtLeastFloat32(studentHidden);
        var teacher = Divergence.AtLeastFloat32(teacherHidden).to(student.dtype).detach();
        var distance = nn.functional.cosine_similarity(student, teacher, 2, 1e-8).SubtractedFrom(1); // [batch, sequence]
        if (attentionMask is null)
        {
            return distance.mean().MoveToOuterDisposeScope();
        }

        var tokens = Guard.Mask(attentionMask, student.shape[0], student.shape[1], student.device).to(distance.dtype);
        // clamp: a batch without a single token gives 0, not 0/0.
        return ((distance * tokens).sum() / tokens.sum().AtLeast(1)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public Tensor Compute(LossInputs inputs)
    {
        var student = inputs.Require(inputs.StudentHiddenStates, Key, nameof(LossInputs.StudentHiddenStates), "ask the student for its hidden states");
        var teacher = inputs.Require(inputs.TeacherHiddenStates, Key, nameof(LossInputs.TeacherHiddenStates), "cache the teacher's hidden-state taps");
        return Layerwise.Sum(student, teacher, Options.LayerMap, 1, Options.IncludeEmbeddings, Key, nameof(LossInputs.TeacherHiddenStates),
            (s, t) => Compute(s, t, inputs.AttentionMask));
    }

    /// <inheritdoc />
    public override string ToString() => Formula;
}

using Distill.Losses.Internal;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Distill.Losses;

/// <summary>Settings of <see cref="HiddenMseLoss"/>.</summary>
public sealed record HiddenMseLossOptions
{
    /// <summary>Student layer → teacher layer map. Default <see cref="LayerMap.Uniform"/>, as in TinyBERT.</summary>
    public LayerMap LayerMap { get; init; } = LayerMap.Uniform;

    /// <summary>Also match the embedding outputs (index 0 of the hidden-state lists), as TinyBERT does. Default true.</summary>
    public bool IncludeEmbeddings { get; init; } = true;

    /// <summary>
    /// Learn a projection from the student's hidden size to the teacher's (TinyBERT's W_h). Default true. Without
    /// one the two hidden sizes must be equal.
    /// </summary>
    public bool UseProjection { get; init; } = true;
}

/// <summary>
/// TinyBERT's hidden-state loss (Jiao et al. 2020, arXiv 1909.10351): mean squared error between the student's
/// hidden states, mapped into the teacher's width by a learned linear projection, and the teacher's,
/// <code>L_hidn = Σ_(m→g(m)) (1 / (|tokens|·d_t)) Σ_(tokens) ‖H^S_m·W_h + b_h − H^T_g(m)‖²</code>
/// over the tokens that are not padding (a batch without a single token gives 0). One projection (weight and bias) serves every mapped layer and the
/// embeddings, as in TinyBERT. The projection is a parameter of this module: hand
/// <see cref="ILossTerm.Parameters"/> (or <c>parameters()</c>) to the optimizer with the student's, and save it with
/// the student's checkpoint. The loss is computed in the projection's dtype (float32 unless the module is moved to
/// another with <c>to(ScalarType)</c>); float64 inputs give a float64 loss only after <c>to(ScalarType.Float64)</c>.
/// </summary>
public sealed class HiddenMseLoss : nn.Module, ILossTerm
{
    // Field names are state-dict keys ("projection.weight", "projection.bias").
    private readonly Linear? projection;

    /// <summary>Creates the term with a projection from <paramref name="studentHidden"/> to <paramref name="teacherHidden"/>.</summary>
    public HiddenMseLoss(int studentHidden, int teacherHidden, HiddenMseLossOptions? options = null)
        : base(nameof(HiddenMseLoss))
    {
        Options = options ?? new HiddenMseLossOptions();
        var errors = new List<string>();
        if (studentHidden < 1)
        {
            errors.Add($"student hidden size must be >= 1 (was {studentHidden})");
        }

        if (teacherHidden < 1)
        {
            errors.Add($"teacher hidden size must be >= 1 (was {teacherHidden})");
        }

        if (!Options.UseProjection && studentHidden != teacherHidden)
        {
            errors.Add($"without a projection the hidden sizes must be equal (student {studentHidden}, teacher {teacherHidden}); set projection: true");
        }

        LossOptionChecks.ThrowIfInvalid("hidden_mse", errors);
        StudentHidden = studentHidden;
        TeacherHidden = teacherHidden;
        if (Options.UseProjection)
        {
            projection = nn.Linear(studentHidden, teacherHidden);
        }

        RegisterComponents();
    }

    /// <summary>The term's settings.</summary>
    public HiddenMseLossOptions Options { get; }

    /// <summary>Hidden size of the student.</summary>
    public int StudentHidden { get; }

    /// <summary>Hidden size of the teacher.</summary>
    public int TeacherHidden { get; }

    /// <inheritdoc />
    public string Key => "hidden_mse";

    /// <inheritdoc />
    public string Formula =>
        $"Σ_layers MSE_masked({(Options.UseProjection ? "H_s·W_h + b_h" : "H_s")}, H_t) [{StudentHidden}→{TeacherHidden}, layers={Options.LayerMap}{(Options.IncludeEmbeddings ? " + embeddings" : "")}]";

    /// <summary>The loss for one layer; returns a scalar.</summary>
    /// <param name="studentHidden">Student hidden states, [batch, sequence, student hidden].</param>
    /// <param name="teacherHidden">Teacher hidden states, [batch, sequence, teacher hidden].</param>
    /// <param name="attentionMask">Token mask, [batch, sequence] (1 = token), or null when nothing is padded.</param>
    public Tensor Compute(Tensor studentHidden, Tensor teacherHidden, Tensor? attentionMask = null)
    {
        HiddenChecks.Pair(studentHidden, teacherHidden, StudentHidden, TeacherHidden);

        using var scope = NewDisposeScope();
        var student = Divergence.AtLeastFloat32(studentHidden);
        var mapped = projection is null ? student : projection.call(student.to(projection.weight.dtype));
        var teacher = Divergence.AtLeastFloat32(teacherHidden).to(mapped.dtype).detach();
        var squared = (mapped - teacher).Squared();
        if (attentionMask is null)
        {
            return squared.mean().MoveToOuterDisposeScope();
        }

        var tokens = Guard.Mask(attentionMask, student.shape[0], student.shape[1], student.device).unsqueeze(2).to(squared.dtype);
        // clamp: a batch without a single token gives 0, not 0/0.
        return ((squared * tokens).sum() / tokens.sum().Times(TeacherHidden).AtLeast(1)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public Tensor Compute(LossInputs inputs)
    {
        var student = inputs.Require(inputs.StudentHiddenStates, Key, nameof(LossInputs.StudentHiddenStates), "ask the student for its hidden states");
        var teacher = inputs.Require(inputs.TeacherHiddenStates, Key, nameof(LossInputs.TeacherHiddenStates), "cache the teacher's hidden-state taps");
        return Layerwise.Sum(student, teacher, Options.LayerMap, 1, Options.IncludeEmbeddings, Key, nameof(LossInputs.TeacherHiddenStates),
            (s, t) => Compute(s, t, inputs.AttentionMask));
    }

    IEnumerable<Parameter> ILossTerm.Parameters() => parameters();

    /// <inheritdoc />
    public override string ToString() => Formula;
}

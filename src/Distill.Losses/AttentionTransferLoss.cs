using Distill.Losses.Internal;
using static TorchSharp.torch;

namespace Distill.Losses;

/// <summary>Settings of <see cref="AttentionTransferLoss"/>.</summary>
public sealed record AttentionTransferLossOptions
{
    /// <summary>Exponent p of the attention map <c>Σ_c |A_c|^p</c>, &gt; 0. Default 2, as in the paper.</summary>
    public double P { get; init; } = 2.0;

    /// <summary>
    /// Student stage → teacher stage pairs used through <see cref="ILossTerm.Compute(LossInputs)"/>. Default
    /// <see cref="LayerMap.Uniform"/>: stage i with stage i when both have as many stages; with fewer student stages,
    /// each takes the teacher stage at the same relative depth (3 over 4 pairs 0→0, 1→1, 2→3).
    /// </summary>
    public LayerMap? StageMap { get; init; }

    /// <summary>Returns every problem with these settings; empty when they are valid.</summary>
    public IEnumerable<string> Validate() => new[]
    {
        LossOptionChecks.Positive("p", P),
    }.OfType<string>();
}

/// <summary>
/// Attention transfer for CNN feature maps (Zagoruyko and Komodakis 2017, "Paying More Attention to Attention",
/// arXiv 1612.03928). Each feature map A of shape [batch, channels, height, width] becomes a spatial attention map
/// <c>Q = Σ_c |A_c|^p</c> (computed as the channel mean, which the normalisation makes equivalent), flattened and
/// L2-normalised per example; the loss is
/// <code>L_AT = Σ_stages mean_{b, positions} (Q_s / ‖Q_s‖₂ − Q_t / ‖Q_t‖₂)²</code>
/// as in the authors' code; their β/2 (500 for β = 1000) is the term's weight in the sum. Channel counts may
/// differ. When the spatial sizes differ, both maps are area-averaged (adaptive average pooling) to the smaller
/// height and the smaller width before normalising, so the coarser grid sets the resolution of the comparison.
/// </summary>
public sealed class AttentionTransferLoss : ILossTerm
{
    /// <summary>Creates the term; throws if the options are invalid.</summary>
    public AttentionTransferLoss(AttentionTransferLossOptions? options = null)
    {
        Options = options ?? new AttentionTransferLossOptions();
        LossOptionChecks.ThrowIfInvalid("at", Options.Validate());
    }

    /// <summary>The term's settings.</summary>
    public AttentionTransferLossOptions Options { get; }

    /// <inheritdoc />
    public string Key => "at";

    /// <inheritdoc />
    public string Formula => $"Σ_stages mean((Q_s/‖Q_s‖ − Q_t/‖Q_t‖)²), Q = Σ_c |A_c|^p [p={LossOptionChecks.Format(Options.P)}]";

    /// <summary>The loss for one student feature map and one teacher feature map; returns a scalar.</summary>
    /// <param name="studentFeatures">Student feature map, [batch, channels, height, width].</param>
    /// <param name="teacherFeatures">Teacher feature map, [batch, channels', height', width'].</param>
    public Tensor Compute(Tensor studentFeatures, Tensor teacherFeatures)
    {
        Guard.Rank(studentFeatures, 4, "[batch, channels, height, width]");
        Guard.FloatingPoint(studentFeatures);
        Guard.Rank(teacherFeatures, 4, "[batch, channels, height, width]");
        Guard.FloatingPoint(teacherFeatures);
        Guard.Dimension(teacherFeatures, 0, studentFeatures.shape[0], "batch (as in studentFeatures)");
        Guard.SameDevice(teacherFeatures, studentFeatures, nameof(studentFeatures));

        using var scope = NewDisposeScope();
        var height = Math.Min(studentFeatures.shape[2], teacherFeatures.shape[2]);
        var width = Math.Min(studentFeatures.shape[3], teacherFeatures.shape[3]);
        var student = AttentionMap(Divergence.AtLeastFloat32(studentFeatures), height, width);
        var teacher = AttentionMap(Divergence.AtLeastFloat32(teacherFeatures).to(student.dtype).detach(), height, width);
        return (student - teacher).Squared().mean().MoveToOuterDisposeScope();
    }

    /// <summary>The sum of <see cref="Compute(Tensor, Tensor)"/> over pairs of stages.</summary>
    public Tensor Compute(IReadOnlyList<Tensor> studentFeatures, IReadOnlyList<Tensor> teacherFeatures)
    {
        if (studentFeatures.Count != teacherFeatures.Count || studentFeatures.Count == 0)
        {
            throw new ArgumentException(
                $"teacherFeatures: expected one teacher map per student map ({studentFeatures.Count}), got {teacherFeatures.Count}",
                nameof(teacherFeatures));
        }

        using var scope = NewDisposeScope();
        var total = Compute(studentFeatures[0], teacherFeatures[0]);
        for (var i = 1; i < studentFeatures.Count; i++)
        {
            total = total.Plus(Compute(studentFeatures[i], teacherFeatures[i]));
        }

        return total.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public Tensor Compute(LossInputs inputs)
    {
        var student = inputs.Require(inputs.StudentFeatureMaps, Key, nameof(LossInputs.StudentFeatureMaps), "the student must expose its stage feature maps");
        var teacher = inputs.Require(inputs.TeacherFeatureMaps, Key, nameof(LossInputs.TeacherFeatureMaps), "cache the teacher's feature-map taps");
        var map = Options.StageMap ?? LayerMap.Uniform;
        var pairs = map.Pairs(student.Count, teacher.Count);
        var teacherMaps = pairs.Select(p => LayerMap.Present(teacher, p.Teacher, Key, nameof(LossInputs.TeacherFeatureMaps))).ToList();
        return Compute(pairs.Select(p => student[p.Student]).ToList(), teacherMaps);
    }

    /// <inheritdoc />
    public override string ToString() => Formula;

    private Tensor AttentionMap(Tensor features, long height, long width)
    {
        var powered = features.abs().Power(Options.P);
        var map = powered.mean([1], keepdim: true); // [batch, 1, height, width]
        if (map.shape[2] != height || map.shape[3] != width)
        {
            map = nn.functional.adaptive_avg_pool2d(map, [height, width]);
        }

        return nn.functional.normalize(map.flatten(1), p: 2, dim: 1);
    }
}

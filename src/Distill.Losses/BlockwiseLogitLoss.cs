using Distill.Losses.Internal;
using static TorchSharp.torch;

namespace Distill.Losses;

/// <summary>Settings of <see cref="BlockwiseLogitLoss"/>.</summary>
public sealed record BlockwiseLogitLossOptions
{
    /// <summary>Softmax temperature T of every KD term in the loss, &gt; 0. Default 4.</summary>
    public double Temperature { get; init; } = 4.0;

    /// <summary>Weight of the cross term that distils the mean of the paths into the student, ≥ 0. Default 1.</summary>
    public double CrossWeight { get; init; } = 1.0;

    /// <summary>Returns every problem with these settings; empty when they are valid.</summary>
    public IEnumerable<string> Validate() => new[]
    {
        LossOptionChecks.Positive("temperature", Temperature),
        LossOptionChecks.NonNegative("cross_weight", CrossWeight),
    }.OfType<string>();
}

/// <summary>
/// The loss part of block-wise logit distillation (Yu et al. 2024, "Decoupling Dark Knowledge via Block-wise Logit
/// Distillation for Feature-level Alignment", arXiv 2411.01547). Stepping-stone path i (i = 1..n) runs the student's
/// first i blocks, a connector, then the frozen teacher's remaining blocks and head; its logits z_i are distilled from
/// the teacher's, weighted by 1/2^(n−i) so that the paths closest to the student weigh most, and the mean of the paths
/// is distilled into the student:
/// <code>L_block = Σ_(i=1..n) 2^−(n−i) · KD(z_i, z_t) + λ · KD(z_s, mean_i z_i)</code>
/// with KD the tempered <see cref="KdLoss"/> (target first) and λ the cross weight. The mean of the paths is a target
/// in the cross term, so no gradient flows into the paths through it; the paths learn from the teacher through their
/// own terms, and their gradients reach the student's blocks through the frozen teacher tail. The student's own KD
/// against the teacher is a separate <c>kd</c> term in the sum.
/// </summary>
public sealed class BlockwiseLogitLoss : ILossTerm
{
    /// <summary>Creates the term; throws if the options are invalid.</summary>
    public BlockwiseLogitLoss(BlockwiseLogitLossOptions? options = null)
    {
        Options = options ?? new BlockwiseLogitLossOptions();
        LossOptionChecks.ThrowIfInvalid("blockwise_logit", Options.Validate());
    }

    /// <summary>The term's settings.</summary>
    public BlockwiseLogitLossOptions Options { get; }

    /// <inheritdoc />
    public string Key => "blockwise_logit";

    /// <inheritdoc />
    public string Formula =>
        $"Σ_i 2^−(n−i)·KD(z_i, t) + λ·KD(s, mean_i z_i) [T={LossOptionChecks.Format(Options.Temperature)}, λ={LossOptionChecks.Format(Options.CrossWeight)}]";

    /// <summary>Computes the whole loss; returns a scalar.</summary>
    /// <param name="studentLogits">Student logits, [batch, classes].</param>
    /// <param name="teacherLogits">Teacher logits, same shape.</param>
    /// <param name="pathLogits">Logits of paths 1..n in order, each [batch, classes].</param>
    public Tensor Compute(Tensor studentLogits, Tensor teacherLogits, IReadOnlyList<Tensor> pathLogits)
    {
        using var scope = NewDisposeScope();
        var (paths, cross) = ComputeParts(studentLogits, teacherLogits, pathLogits);
        return paths.Plus(cross.Times(Options.CrossWeight)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The two parts: the weighted sum of the paths' KD terms, and the cross term KD(student, mean of paths)
    /// without its weight λ.
    /// </summary>
    public (Tensor Paths, Tensor Cross) ComputeParts(Tensor studentLogits, Tensor teacherLogits, IReadOnlyList<Tensor> pathLogits)
    {
        KdLoss.CheckLogitPair(studentLogits, teacherLogits);
        ArgumentNullException.ThrowIfNull(pathLogits);
        if (pathLogits.Count == 0)
        {
            throw new ArgumentException("pathLogits: expected the logits of at least one stepping-stone path, got none", nameof(pathLogits));
        }

        for (var i = 0; i < pathLogits.Count; i++)
        {
            var path = pathLogits[i];
            var name = $"pathLogits[{i}]";
            Guard.Rank(path, 2, "[batch, classes]", name);
            Guard.FloatingPoint(path, name);
            Guard.SameShape(path, studentLogits, nameof(studentLogits), name);
            Guard.SameDevice(path, studentLogits, nameof(studentLogits), name);
        }

        using var scope = NewDisposeScope();
        var t = Options.Temperature;
        var n = pathLogits.Count;
        Tensor? paths = null;
        for (var i = 1; i <= n; i++)
        {
            var term = Divergence.TemperedKl(pathLogits[i - 1], teacherLogits, t, false).mean().Times(Math.Pow(2, -(n - i)));
            paths = paths is null ? term : paths.Plus(term);
        }

        var mean = stack(pathLogits.Select(Divergence.AtLeastFloat32).ToArray()).mean([0]).detach();
        var cross = Divergence.TemperedKl(studentLogits, mean, t, false).mean();
        return (paths!.MoveToOuterDisposeScope(), cross.MoveToOuterDisposeScope());
    }

    /// <inheritdoc />
    public Tensor Compute(LossInputs inputs)
    {
        var student = inputs.Require(inputs.StudentLogits, Key, nameof(LossInputs.StudentLogits), "pass the student's logits");
        var teacher = inputs.Require(inputs.TeacherLogits, Key, nameof(LossInputs.TeacherLogits), "cache the teacher's logits");
        var paths = inputs.Require(inputs.PathLogits, Key, nameof(LossInputs.PathLogits), "run the stepping-stone paths (block-wise training builds them)");
        return Compute(student, teacher, paths);
    }

    /// <inheritdoc />
    public override string ToString() => Formula;
}

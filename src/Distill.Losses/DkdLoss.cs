using Distill.Losses.Internal;
using static TorchSharp.torch;

namespace Distill.Losses;

/// <summary>Settings of <see cref="DkdLoss"/>. Defaults are the paper's CIFAR-100 settings.</summary>
public sealed record DkdLossOptions
{
    /// <summary>Weight α of the target-class term TCKD, ≥ 0. Default 1.</summary>
    public double Alpha { get; init; } = 1.0;

    /// <summary>Weight β of the non-target-class term NCKD, ≥ 0. Default 8.</summary>
    public double Beta { get; init; } = 8.0;

    /// <summary>Softmax temperature T, &gt; 0. Default 4.</summary>
    public double Temperature { get; init; } = 4.0;

    /// <summary>
    /// Epochs of linear warm-up when the term is used through <see cref="ILossTerm.Compute(LossInputs)"/>: the
    /// factor is <c>min((epoch + 1) / warmup_epochs, 1)</c>, as in the authors' code (which counts epochs from 1).
    /// 0 (the default) means no warm-up. The paper uses 20 on CIFAR-100.
    /// </summary>
    public int WarmupEpochs { get; init; }

    /// <summary>
    /// Where the one warning about two-class problems goes. Default: standard error, prefixed "warning: ".
    /// </summary>
    public Action<string>? OnWarning { get; init; }

    /// <summary>Returns every problem with these settings; empty when they are valid.</summary>
    public IEnumerable<string> Validate() => new[]
    {
        LossOptionChecks.NonNegative("alpha", Alpha),
        LossOptionChecks.NonNegative("beta", Beta),
        LossOptionChecks.Positive("temperature", Temperature),
        WarmupEpochs < 0 ? $"warmup_epochs must be >= 0 (was {WarmupEpochs})" : null,
    }.OfType<string>();
}

/// <summary>
/// Decoupled knowledge distillation (Zhao, Cui, Song, Qiu and Liang 2022, "Decoupled Knowledge Distillation",
/// arXiv 2203.08679):
/// <code>
/// L_DKD = w · T² · (α·TCKD + β·NCKD), averaged over the labelled rows
/// TCKD  = KL(b_t ‖ b_s),  b = [p(gt), 1 − p(gt)],            p = softmax(z / T)
/// NCKD  = KL(p̂_t ‖ p̂_s),  p̂ = softmax over the non-target classes of z / T
/// </code>
/// where w is the warm-up factor supplied by the caller. With these definitions
/// <c>KD = TCKD + (1 − p_t(gt))·NCKD</c>. With two classes the non-target distribution has a single class, so NCKD
/// is exactly 0 (one warning is given, never NaN) and DKD reduces to α·TCKD. Rows with a negative (missing) label
/// have no target class and are left out.
/// </summary>
public sealed class DkdLoss : ILossTerm
{
    private int _warnedTwoClasses;

    /// <summary>Creates the term; throws if the options are invalid.</summary>
    public DkdLoss(DkdLossOptions? options = null)
    {
        Options = options ?? new DkdLossOptions();
        LossOptionChecks.ThrowIfInvalid("dkd", Options.Validate());
    }

    /// <summary>The term's settings.</summary>
    public DkdLossOptions Options { get; }

    /// <inheritdoc />
    public string Key => "dkd";

    /// <inheritdoc />
    public string Formula =>
        $"{(Options.WarmupEpochs > 0 ? $"min((epoch+1)/{Options.WarmupEpochs}, 1)·" : "")}T²·(α·TCKD + β·NCKD) " +
        $"[T={LossOptionChecks.Format(Options.Temperature)}, α={LossOptionChecks.Format(Options.Alpha)}, β={LossOptionChecks.Format(Options.Beta)}]";

    /// <summary>Computes <c>warmup · T² · (α·TCKD + β·NCKD)</c>; returns a scalar.</summary>
    /// <param name="studentLogits">Student logits, [batch, classes].</param>
    /// <param name="teacherLogits">Teacher logits, same shape.</param>
    /// <param name="labels">Class ids, [batch]; negative = unlabelled (left out).</param>
    /// <param name="warmupFactor">Factor in [0, 1] from the caller's warm-up schedule; 1 = fully on.</param>
    public Tensor Compute(Tensor studentLogits, Tensor teacherLogits, Tensor labels, double warmupFactor = 1.0)
    {
        if (!(warmupFactor >= 0) || double.IsInfinity(warmupFactor))
        {
            throw new ArgumentOutOfRangeException(nameof(warmupFactor), warmupFactor, $"warmupFactor must be >= 0 and finite (was {warmupFactor})");
        }

        using var scope = NewDisposeScope();
        var (tckd, nckd) = ComputeParts(studentLogits, teacherLogits, labels);
        var total = tckd.Times(Options.Alpha).Plus(nckd.Times(Options.Beta)).Times(warmupFactor);
        return total.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The two parts, each already multiplied by T² and averaged over labelled rows, without α, β or warm-up:
    /// useful for logging and for checking the decomposition.
    /// </summary>
    public (Tensor Tckd, Tensor Nckd) ComputeParts(Tensor studentLogits, Tensor teacherLogits, Tensor labels)
    {
        KdLoss.CheckLogitPair(studentLogits, teacherLogits);
        var classes = studentLogits.shape[1];
        if (classes == 2 && Options.Beta != 0 && Interlocked.Exchange(ref _warnedTwoClasses, 1) == 0)
        {
            var warn = Options.OnWarning ?? (message => Console.Error.WriteLine("warning: " + message));
            warn("dkd: with 2 classes the non-target term NCKD has a single class and is always 0; DKD reduces to alpha * TCKD.");
        }

        using var scope = NewDisposeScope();
        var labelled = LabelChecks.Labelled(labels, studentLogits);
        var gt = labels.to(ScalarType.Int64).AtLeast(0).unsqueeze(1); // [batch, 1]
        var t2 = Options.Temperature * Options.Temperature;

        var student = Divergence.AtLeastFloat32(studentLogits).DividedBy(Options.Temperature);
        var teacher = Divergence.AtLeastFloat32(teacherLogits).to(student.dtype).detach().DividedBy(Options.Temperature);

        // Indices of the C − 1 non-target classes of each row: j, shifted past the label (j ≥ gt → j + 1).
        var j = HeldScalarOps.Range(classes - 1, ScalarType.Int64, student.device).unsqueeze(0);
        var others = j.Plus(j.ge(gt).to(ScalarType.Int64));

        var tckd = BinaryKl(student, teacher, gt, others).Times(t2);
        var nckd = Divergence.KlRows(
            nn.functional.softmax(teacher.gather(1, others), -1),
            nn.functional.log_softmax(student.gather(1, others), -1)).Times(t2);

        var weights = labelled.to(tckd.dtype);
        var count = weights.sum().AtLeast(1);
        return ((tckd * weights).sum().div(count).MoveToOuterDisposeScope(),
                (nckd * weights).sum().div(count).MoveToOuterDisposeScope());
    }

    /// <inheritdoc />
    public Tensor Compute(LossInputs inputs)
    {
        var student = inputs.Require(inputs.StudentLogits, Key, nameof(LossInputs.StudentLogits), "pass the student's logits");
        var teacher = inputs.Require(inputs.TeacherLogits, Key, nameof(LossInputs.TeacherLogits), "cache the teacher's logits");
        var labels = inputs.Require(inputs.Labels, Key, nameof(LossInputs.Labels), "dkd needs the target class of each row");
        var warmup = Options.WarmupEpochs > 0 ? Math.Min((inputs.Progress.Epoch + 1.0) / Options.WarmupEpochs, 1.0) : 1.0;
        return Compute(student, teacher, labels, warmup);
    }

    /// <inheritdoc />
    public override string ToString() => Formula;

    /// <summary>Per-row KL between the binary [p(gt), 1 − p(gt)] distributions, from logits already divided by T.</summary>
    private static Tensor BinaryKl(Tensor student, Tensor teacher, Tensor gt, Tensor others)
    {
        // log p(gt) and log(1 − p(gt)) straight from logits (log-sum-exp of the others minus that of all), which
        // stays finite where 1 − p(gt) would round to 0.
        static Tensor Binary(Tensor logits, Tensor gt, Tensor others)
        {
            var all = logits.logsumexp(1, true);
            var target = logits.gather(1, gt) - all;
            var rest = logits.gather(1, others).logsumexp(1, true) - all;
            return cat([target, rest], 1);
        }

        var logStudent = Binary(student, gt, others);
        var teacherProbs = Binary(teacher, gt, others).exp();
        return Divergence.KlRows(teacherProbs, logStudent);
    }
}

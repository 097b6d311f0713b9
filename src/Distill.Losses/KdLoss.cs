using System.Globalization;
using Distill.Losses.Internal;
using static TorchSharp.torch;

namespace Distill.Losses;

/// <summary>Settings of <see cref="KdLoss"/>.</summary>
public sealed record KdLossOptions
{
    /// <summary>Softmax temperature T, &gt; 0. Default 4. Hinton et al. use 1 to 20; higher T softens both distributions.</summary>
    public double Temperature { get; init; } = 4.0;

    /// <summary>
    /// True when the teacher's output is already probabilities (a softmax output) rather than logits. They are
    /// tempered as <c>softmax(log p / T)</c>, which equals <c>softmax(z / T)</c> for the logits z behind them.
    /// Default false.
    /// </summary>
    public bool TeacherGivesProbabilities { get; init; }

    /// <summary>Returns every problem with these settings; empty when they are valid.</summary>
    public IEnumerable<string> Validate() => new[]
    {
        LossOptionChecks.Positive("temperature", Temperature),
    }.OfType<string>();
}

/// <summary>
/// Classic knowledge distillation (Hinton, Vinyals and Dean 2015, "Distilling the Knowledge in a Neural Network",
/// arXiv 1503.02531):
/// <code>L_KD = T² · (1/B) Σ_b Σ_c p_t(c) · (log p_t(c) − log p_s(c)),  p = softmax(z / T)</code>
/// the KL divergence from the teacher's tempered distribution to the student's, summed over classes and averaged over
/// the batch. The T² factor keeps the gradient scale independent of T, as the paper advises.
/// </summary>
public sealed class KdLoss : ILossTerm
{
    /// <summary>Creates the term; throws if the options are invalid.</summary>
    public KdLoss(KdLossOptions? options = null)
    {
        Options = options ?? new KdLossOptions();
        LossOptionChecks.ThrowIfInvalid("kd", Options.Validate());
    }

    /// <summary>The term's settings.</summary>
    public KdLossOptions Options { get; }

    /// <inheritdoc />
    public string Key => "kd";

    /// <inheritdoc />
    public string Formula =>
        $"T²·KL(softmax({(Options.TeacherGivesProbabilities ? "log p_t" : "t")}/T) ‖ softmax(s/T)) [T={LossOptionChecks.Format(Options.Temperature)}]";

    /// <summary>Computes the loss for logits of shape [batch, classes]; returns a scalar.</summary>
    /// <param name="studentLogits">Student logits, [batch, classes].</param>
    /// <param name="teacherLogits">Teacher logits (or probabilities, see <see cref="KdLossOptions.TeacherGivesProbabilities"/>), same shape.</param>
    public Tensor Compute(Tensor studentLogits, Tensor teacherLogits)
    {
        CheckLogitPair(studentLogits, teacherLogits);
        if (Options.TeacherGivesProbabilities)
        {
            CheckProbabilities(teacherLogits);
        }

        using var scope = NewDisposeScope();
        var perRow = Divergence.TemperedKl(studentLogits, teacherLogits, Options.Temperature, Options.TeacherGivesProbabilities);
        return perRow.mean().MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public Tensor Compute(LossInputs inputs)
    {
        var student = inputs.Require(inputs.StudentLogits, Key, nameof(LossInputs.StudentLogits), "pass the student's logits");
        var teacher = inputs.Require(inputs.TeacherLogits, Key, nameof(LossInputs.TeacherLogits), "cache the teacher's logits");
        return Compute(student, teacher);
    }

    /// <inheritdoc />
    public override string ToString() => Formula;

    internal static void CheckLogitPair(Tensor studentLogits, Tensor teacherLogits)
    {
        Guard.Rank(studentLogits, 2, "[batch, classes]");
        Guard.FloatingPoint(studentLogits);
        Guard.Rank(teacherLogits, 2, "[batch, classes]");
        Guard.FloatingPoint(teacherLogits);
        Guard.SameShape(teacherLogits, studentLogits, nameof(studentLogits));
        Guard.SameDevice(teacherLogits, studentLogits, nameof(studentLogits));
    }

    private static void CheckProbabilities(Tensor teacherLogits)
    {
        using var scope = NewDisposeScope();
        var values = teacherLogits.detach().to(ScalarType.Float64);
        var smallest = values.min().item<double>();
        var worstSum = values.sum(-1).Plus(-1).abs().max().item<double>();
        // fp16 caches round each probability to about 1e-3 relative, so allow that much in the row sums.
        if (smallest < 0 || worstSum > 1e-2)
        {
            throw new ArgumentException(
                $"teacherLogits: kd was told the teacher gives probabilities, but the rows are not distributions " +
                $"(smallest value {smallest.ToString("G4", CultureInfo.InvariantCulture)}, a row sum off by " +
                $"{worstSum.ToString("G4", CultureInfo.InvariantCulture)}); set teacher_probabilities: false if the teacher gives logits",
                nameof(teacherLogits));
        }
    }
}

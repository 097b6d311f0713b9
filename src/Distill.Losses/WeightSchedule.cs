using Distill.Losses.Internal;

namespace Distill.Losses;

/// <summary>How the weight of a term in a <see cref="WeightedLossSum"/> changes over training.</summary>
public abstract class WeightSchedule
{
    /// <summary>The weight at the given point of training.</summary>
    public abstract double WeightAt(LossProgress progress);

    /// <summary>The weight as it appears in a formula, e.g. <c>0.5</c> or <c>0.5·min(step/1000, 1)</c>.</summary>
    public abstract override string ToString();

    /// <summary>A fixed weight.</summary>
    public static WeightSchedule Constant(double weight) => new ConstantWeight(weight);

    /// <summary>A weight that rises linearly from 0 to <paramref name="weight"/> over the first optimizer steps.</summary>
    public static WeightSchedule LinearWarmupSteps(double weight, long steps) => new LinearWarmupWeight(weight, steps, WarmupUnit.Steps);

    /// <summary>A weight that rises linearly from 0 to <paramref name="weight"/> over the first epochs (fractional progress).</summary>
    public static WeightSchedule LinearWarmupEpochs(double weight, double epochs) => new LinearWarmupWeight(weight, epochs, WarmupUnit.Epochs);

    internal static double CheckWeight(double weight)
    {
        if (!(weight >= 0) || double.IsInfinity(weight))
        {
            throw new ArgumentOutOfRangeException(nameof(weight), weight, $"weight must be >= 0 and finite (was {weight})");
        }

        return weight;
    }
}

/// <summary>What a linear warm-up counts.</summary>
public enum WarmupUnit
{
    /// <summary>Optimizer steps.</summary>
    Steps,

    /// <summary>Epochs, with the fraction of the current one.</summary>
    Epochs,
}

/// <summary>A fixed weight.</summary>
public sealed class ConstantWeight : WeightSchedule
{
    /// <summary>Creates the schedule; the weight must be ≥ 0.</summary>
    public ConstantWeight(double weight) => Weight = CheckWeight(weight);

    /// <summary>The weight.</summary>
    public double Weight { get; }

    /// <inheritdoc />
    public override double WeightAt(LossProgress progress) => Weight;

    /// <inheritdoc />
    public override string ToString() => LossOptionChecks.Format(Weight);
}

/// <summary>
/// <c>weight · min(progress / length, 1)</c>: 0 at the start, the full weight after <see cref="Length"/> steps or
/// epochs, then constant.
/// </summary>
public sealed class LinearWarmupWeight : WeightSchedule
{
    /// <summary>Creates the schedule; the weight must be ≥ 0 and the length &gt; 0.</summary>
    public LinearWarmupWeight(double weight, double length, WarmupUnit unit)
    {
        Weight = CheckWeight(weight);
        Length = Guard.Positive(length);
        Unit = unit;
    }

    /// <summary>The weight after the warm-up.</summary>
    public double Weight { get; }

    /// <summary>Length of the warm-up, in <see cref="Unit"/>.</summary>
    public double Length { get; }

    /// <summary>What the warm-up counts.</summary>
    public WarmupUnit Unit { get; }

    /// <inheritdoc />
    public override double WeightAt(LossProgress progress)
    {
        var done = Unit == WarmupUnit.Steps ? progress.Step : progress.EpochFraction;
        return Weight * Math.Clamp(done / Length, 0, 1);
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"{LossOptionChecks.Format(Weight)}·min({(Unit == WarmupUnit.Steps ? "step" : "epoch")}/{LossOptionChecks.Format(Length)}, 1)";
}

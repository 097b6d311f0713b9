namespace Distill.Losses;

/// <summary>
/// Where training stands when a loss is computed; weight schedules and DKD's warm-up read it.
/// </summary>
/// <param name="Step">Optimizer steps completed so far (0 on the first step).</param>
/// <param name="Epoch">Index of the current epoch, counted from 0.</param>
/// <param name="EpochFraction">
/// Epochs completed so far, with the fraction of the current one (1.5 = half-way through the second epoch).
/// </param>
public readonly record struct LossProgress(long Step, int Epoch, double EpochFraction)
{
    /// <summary>The start of training.</summary>
    public static LossProgress Start => new(0, 0, 0);
}

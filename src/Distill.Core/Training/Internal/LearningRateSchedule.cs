namespace Distill.Training.Internal;

/// <summary>
/// The learning rate as a pure function of the step (so that nothing about it needs saving): linear warm-up from
/// peak/warmup to the peak over the warm-up steps, then linear or cosine decay to 0 at the last step, or constant.
/// </summary>
internal sealed class LearningRateSchedule(double peak, long totalSteps, double warmupFraction, LearningRateDecay decay)
{
    public long WarmupSteps { get; } = (long)Math.Floor(totalSteps * warmupFraction);

    /// <summary>The rate for optimizer step <paramref name="step"/> (0 = the first).</summary>
    public double At(long step)
    {
        if (step < WarmupSteps)
        {
            return peak * (step + 1) / WarmupSteps;
        }

        var decaySteps = Math.Max(1, totalSteps - WarmupSteps);
        var progress = Math.Clamp((double)(step - WarmupSteps) / decaySteps, 0, 1);
        return decay switch
        {
            LearningRateDecay.Linear => peak * (1 - progress),
            LearningRateDecay.Cosine => peak * 0.5 * (1 + Math.Cos(Math.PI * progress)),
            _ => peak,
        };
    }
}

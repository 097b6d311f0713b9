namespace Distill.Training;

/// <summary>A loss became NaN or infinite: the run stops at that step, and the last good checkpoint is kept.</summary>
public sealed class TrainingDivergedException : DistillException
{
    /// <summary>Creates the error.</summary>
    public TrainingDivergedException(string stage, long step, string term, double value, string? checkpoint)
        : base(DistillErrorKind.RunFailed,
            $"stage '{stage}', step {step}: loss term '{term}' is {value}; the run stopped, " +
            (checkpoint is null ? "no checkpoint had been written yet" : $"the last good checkpoint is {checkpoint}") +
            ". Lower the learning rate, check the teacher's outputs, or clip gradients (max_grad_norm)")
    {
        Stage = stage;
        Step = step;
        Term = term;
    }

    /// <summary>The stage.</summary>
    public string Stage { get; }

    /// <summary>The optimizer step (in the stage) that produced the value.</summary>
    public long Step { get; }

    /// <summary>The term that is not finite (or <c>total</c>).</summary>
    public string Term { get; }
}

namespace Distill.Training;

/// <summary>How the learning rate falls after the warm-up.</summary>
public enum LearningRateDecay
{
    /// <summary>Linearly to 0 at the last step (BERT's schedule).</summary>
    Linear,

    /// <summary>Along half a cosine to 0 at the last step.</summary>
    Cosine,

    /// <summary>Stays at the peak.</summary>
    Constant,
}

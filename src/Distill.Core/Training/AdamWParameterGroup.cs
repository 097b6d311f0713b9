namespace Distill.Training;

/// <summary>
/// Parameters that <see cref="AdamWOptimizer"/> updates with one learning rate and one weight decay.
/// </summary>
/// <param name="parameters">The parameters, in a fixed order (saved optimizer state is matched by position).</param>
/// <param name="learningRate">Learning rate, &gt; 0; a schedule sets <see cref="LearningRate"/> before each step.</param>
/// <param name="weightDecay">Decoupled weight decay, ≥ 0 (0 for biases and norms).</param>
public sealed class AdamWParameterGroup(IEnumerable<TorchSharp.Modules.Parameter> parameters, double learningRate, double weightDecay)
{
    /// <summary>The parameters of the group.</summary>
    public IReadOnlyList<TorchSharp.Modules.Parameter> Parameters { get; } = parameters.ToList();

    /// <summary>The learning rate of the next step.</summary>
    public double LearningRate { get; set; } = learningRate;

    /// <summary>The rate the group was created with (kept in saved state, as TorchSharp keeps it).</summary>
    public double InitialLearningRate { get; internal set; } = learningRate;

    /// <summary>Decoupled weight decay: each step multiplies the weights by <c>1 − lr·weight_decay</c>.</summary>
    public double WeightDecay { get; set; } = weightDecay;
}

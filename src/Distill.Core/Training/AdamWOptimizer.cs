using Distill.Losses;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Distill.Training;

/// <summary>
/// AdamW (Loshchilov and Hutter, arXiv 1711.05101) computed exactly as TorchSharp's <c>optim.AdamW</c> computes it,
/// operation for operation, but with every <see cref="Scalar"/> held across the native call that reads it.
/// </summary>
/// <remarks>
/// <para>Why not TorchSharp's own: its step writes <c>param.mul_(1 - lr * weight_decay)</c>,
/// <c>exp_avg.mul_(beta1).add_(grad, alpha: 1 - beta1)</c> and so on, each number a temporary <see cref="Scalar"/>
/// that the finalizer thread may free while libtorch reads it (see <see cref="HeldScalarOps"/>). A training run does
/// thousands of steps, so this was where runs died.</para>
/// <para>Per parameter and step t, with gradient g, learning rate lr and weight decay λ:
/// <c>θ ← θ·(1 − lr·λ)</c>; <c>m ← β1·m + (1 − β1)·g</c>; <c>v ← β2·v + (1 − β2)·g²</c>;
/// <c>θ ← θ − lr/(1 − β1^t) · m / (√v / √(1 − β2^t) + ε)</c>. Parameters without a gradient are skipped and their
/// step count does not advance. No amsgrad, no maximize.</para>
/// <para><see cref="Save"/> writes TorchSharp's AdamW state format (what <c>save_state_dict</c> writes), so state
/// saved by either loads into the other.</para>
/// </remarks>
public sealed class AdamWOptimizer : IDisposable
{
    private const string FormatName = "AdamW";
    private readonly List<AdamWParameterGroup> _groups;
    private readonly List<ParameterState> _states = [];
    private readonly double _beta1;
    private readonly double _beta2;
    private readonly double _epsilon;

    /// <summary>Creates the optimizer with zero moments for every parameter of every group.</summary>
    /// <param name="groups">The parameter groups; a parameter belongs to at most one.</param>
    /// <param name="beta1">Decay of the first moment, in [0, 1). Default 0.9.</param>
    /// <param name="beta2">Decay of the second moment, in [0, 1). Default 0.999.</param>
    /// <param name="epsilon">Added to the denominator, &gt; 0. Default 1e-8.</param>
    public AdamWOptimizer(IEnumerable<AdamWParameterGroup> groups, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
    {
        ArgumentNullException.ThrowIfNull(groups);
        if (beta1 is < 0 or >= 1 || beta2 is < 0 or >= 1 || !(epsilon > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(groups), $"AdamW: beta1 and beta2 must be in [0, 1) and epsilon > 0 (were {beta1}, {beta2}, {epsilon})");
        }

        _groups = groups.ToList();
        _beta1 = beta1;
        _beta2 = beta2;
        _epsilon = epsilon;
        foreach (var parameter in _groups.SelectMany(g => g.Parameters))
        {
            _states.Add(new ParameterState(parameter));
        }
    }

    /// <summary>The parameter groups, whose learning rates a schedule sets.</summary>
    public IReadOnlyList<AdamWParameterGroup> Groups => _groups;

    /// <summary>Updates every parameter that has a gradient, from its gradient.</summary>
    public void Step()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        using var beta1 = _beta1.ToScalar();
        using var oneMinusBeta1 = (1 - _beta1).ToScalar();
        using var beta2 = _beta2.ToScalar();
        using var oneMinusBeta2 = (1 - _beta2).ToScalar();
        using var epsilon = _epsilon.ToScalar();
        using var one = 1.ToScalar();
        var index = 0;
        foreach (var group in _groups)
        {
            using var decay = (1 - (group.LearningRate * group.WeightDecay)).ToScalar();
            foreach (var parameter in group.Parameters)
            {
                var state = _states[index++];
                var grad = parameter.grad;
                if (grad is null)
                {
                    continue;
                }

                state.Step += 1;
                parameter.mul_(decay);
                var biasCorrection1 = 1 - Math.Pow(_beta1, state.Step);
                var biasCorrection2 = 1 - Math.Pow(_beta2, state.Step);
                state.ExpAvg.mul_(beta1).add_(grad, oneMinusBeta1);
                state.ExpAvgSq.mul_(beta2).addcmul_(grad, grad, oneMinusBeta2);
                using var rootBiasCorrection2 = Math.Sqrt(biasCorrection2).ToScalar();
                var denominator = state.ExpAvgSq.sqrt().div(rootBiasCorrection2).add_(epsilon, one);
                using var stepSize = (-(group.LearningRate / biasCorrection1)).ToScalar();
                parameter.addcdiv_(state.ExpAvg, denominator, stepSize);
            }
        }
    }

    /// <summary>Clears every parameter's gradient (sets it to zero in place, as TorchSharp's zero_grad does).</summary>
    public void ZeroGrad()
    {
        // In a dispose scope: each grad is a new wrapper that nothing else holds, and TorchSharp's zero_() does not
        // touch it after the native call, so without the scope the finalizer thread could free it during that call.
        using var scope = NewDisposeScope();
        foreach (var parameter in _groups.SelectMany(g => g.Parameters))
        {
            var grad = parameter.grad;
            if (grad is not null)
            {
                grad.zero_();
            }
        }
    }

    /// <summary>
    /// Writes the groups' settings and each parameter's step count and moments to <paramref name="path"/>, in
    /// TorchSharp's AdamW state format.
    /// </summary>
    public void Save(string path)
    {
        using var stream = File.Create(path);
        using var writer = new BinaryWriter(stream);
        writer.Write(FormatName);
        // TorchSharp writes these counts as unsigned LEB128, which is .NET's 7-bit encoding for non-negative numbers.
        writer.Write7BitEncodedInt64(_groups.Count);
        writer.Write7BitEncodedInt64(_states.Count);
        foreach (var group in _groups)
        {
            writer.Write(group.InitialLearningRate);
            writer.Write(group.LearningRate);
            writer.Write(_beta1);
            writer.Write(_beta2);
            writer.Write(_epsilon);
            writer.Write(group.WeightDecay);
            writer.Write(false); // amsgrad
            writer.Write(false); // maximize
        }

        foreach (var state in _states)
        {
            writer.Write(state.Step);
            state.ExpAvg.Save(writer);
            state.ExpAvgSq.Save(writer);
            writer.Write(false); // no amsgrad maximum
        }
    }

    /// <summary>
    /// Reads state written by <see cref="Save"/> (or by TorchSharp's AdamW <c>save_state_dict</c>) for the same groups
    /// of the same parameters: step counts, moments, learning rates and weight decays.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not AdamW state, or it is for other groups or parameters.</exception>
    public void Load(string path)
    {
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream);
        var name = reader.ReadString();
        if (name != FormatName)
        {
            throw new InvalidDataException($"{path}: holds the state of a {name} optimizer, not AdamW's; start the stage afresh or restore the checkpoint it came from");
        }

        var groups = reader.Read7BitEncodedInt64();
        var states = reader.Read7BitEncodedInt64();
        if (groups != _groups.Count || states != _states.Count)
        {
            throw new InvalidDataException(
                $"{path}: AdamW state for {groups} groups of {states} parameters, but this optimizer has {_groups.Count} groups of {_states.Count}; the model or the loss terms changed since it was saved");
        }

        foreach (var group in _groups)
        {
            group.InitialLearningRate = reader.ReadDouble();
            group.LearningRate = reader.ReadDouble();
            var (beta1, beta2, epsilon) = (reader.ReadDouble(), reader.ReadDouble(), reader.ReadDouble());
            group.WeightDecay = reader.ReadDouble();
            var (amsgrad, maximize) = (reader.ReadBoolean(), reader.ReadBoolean());
            if (beta1 != _beta1 || beta2 != _beta2 || epsilon != _epsilon || amsgrad || maximize)
            {
                throw new InvalidDataException(
                    $"{path}: AdamW state saved with beta1 {beta1}, beta2 {beta2}, eps {epsilon}, amsgrad {amsgrad}, maximize {maximize}; this optimizer has {_beta1}, {_beta2}, {_epsilon}, no amsgrad, no maximize");
            }
        }

        foreach (var state in _states)
        {
            state.Step = reader.ReadInt64();
            state.ExpAvg.Load(reader);
            state.ExpAvgSq.Load(reader);
            if (reader.ReadBoolean())
            {
                throw new InvalidDataException($"{path}: AdamW state with amsgrad maxima, which this optimizer does not use");
            }
        }
    }

    /// <summary>Frees the moments.</summary>
    public void Dispose()
    {
        foreach (var state in _states)
        {
            state.Dispose();
        }

        _states.Clear();
    }

    private sealed class ParameterState(Parameter parameter) : IDisposable
    {
        public long Step { get; set; }

        public Tensor ExpAvg { get; } = zeros_like(parameter).DetachFromDisposeScope();

        public Tensor ExpAvgSq { get; } = zeros_like(parameter).DetachFromDisposeScope();

        public void Dispose()
        {
            ExpAvg.Dispose();
            ExpAvgSq.Dispose();
        }
    }
}

using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Distill.Losses;

/// <summary>
/// One term of a distillation objective, as the weighted sum and the recipes use it: it picks what it needs from a
/// <see cref="LossInputs"/> (and says clearly what is missing) and returns a scalar tensor.
/// </summary>
public interface ILossTerm
{
    /// <summary>The recipe key of the term (<c>kd</c>, <c>dkd</c>, ...).</summary>
    string Key { get; }

    /// <summary>The formula the term computes, with its settings, e.g. <c>T²·KL(softmax(t/T) ‖ softmax(s/T)) [T=4]</c>.</summary>
    string Formula { get; }

    /// <summary>Computes the term for one batch: a scalar, float32 (float64 when the inputs are float64).</summary>
    Tensor Compute(LossInputs inputs);

    /// <summary>Parameters the term owns (a learned projection) that must be trained with the student.</summary>
    IEnumerable<Parameter> Parameters() => [];
}

using System.Runtime.CompilerServices;
using static TorchSharp.torch;

namespace Distill.Losses.Internal;

/// <summary>Checks of label tensors shared by the terms that read labels.</summary>
internal static class LabelChecks
{
    /// <summary>
    /// Checks labels of shape [batch] against logits [batch, classes] and returns the boolean mask of labelled rows
    /// (label ≥ 0). A label at or above the class count is an error that names it.
    /// </summary>
    public static Tensor Labelled(Tensor labels, Tensor logits, [CallerArgumentExpression(nameof(labels))] string name = "")
    {
        Guard.Rank(labels, 1, "[batch]", name);
        if (labels.is_floating_point() || labels.dtype == ScalarType.Bool)
        {
            throw new ArgumentException($"{name}: expected integer class ids, got dtype {labels.dtype}", name);
        }

        Guard.Dimension(labels, 0, logits.shape[0], "batch (rows of the logits)", name);
        Guard.SameDevice(labels, logits, "the logits", name);
        if (labels.shape[0] > 0)
        {
            // item<long>() only reads int64 tensors; other integer label dtypes (int32, say) are widened first.
            var largest = labels.max().to(ScalarType.Int64).item<long>();
            if (largest >= logits.shape[1])
            {
                throw new ArgumentException(
                    $"{name}: label {largest} is outside the {logits.shape[1]} classes of the logits (valid: 0..{logits.shape[1] - 1}, or negative for unlabelled)",
                    name);
            }
        }

        return labels.IsAtLeast(0);
    }
}

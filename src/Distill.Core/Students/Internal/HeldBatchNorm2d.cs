using Distill.Losses;
using TorchSharp.Modules;
using static TorchSharp.torch;

#pragma warning disable IDE1006 // field names are state-dict keys

namespace Distill.Students.Internal;

/// <summary>
/// Batch normalisation over [batch, channels, height, width], as TorchSharp's <c>nn.BatchNorm2d(channels)</c>
/// computes it (eps 1e-5, momentum 0.1, affine, running statistics), with the same state-dict keys: weight, bias,
/// running_mean, running_var, num_batches_tracked.
/// </summary>
/// <remarks>
/// Why not TorchSharp's own: its forward counts batches with <c>num_batches_tracked.add_(1)</c>, a temporary
/// <c>Scalar</c> that the finalizer thread can free during the native call (see <see cref="HeldScalarOps"/>).
/// </remarks>
internal sealed class HeldBatchNorm2d : nn.Module<Tensor, Tensor>
{
    /// <summary>TorchSharp's and PyTorch's default; the ONNX export writes the same epsilon.</summary>
    public const double Epsilon = 1e-5;

    private const double Momentum = 0.1;

    // Not readonly: Module.to(device) replaces registered tensors through these fields.
    private Parameter weight;
    private Parameter bias;
    private Tensor running_mean;
    private Tensor running_var;
    private Tensor num_batches_tracked;

    public HeldBatchNorm2d(long channels)
        : base("BatchNorm2d")
    {
        weight = nn.Parameter(ones(channels));
        bias = nn.Parameter(zeros(channels));
        running_mean = zeros(channels);
        running_var = ones(channels);
        num_batches_tracked = tensor(0L);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        if (input.ndim != 4)
        {
            throw new ArgumentException($"expected 4D input, but got {input.ndim}D input.", nameof(input));
        }

        if (training)
        {
            using (no_grad())
            {
                num_batches_tracked.PlusInPlace(1);
            }
        }

        return nn.functional.batch_norm(input, running_mean, running_var, weight, bias, training, Momentum, Epsilon);
    }
}

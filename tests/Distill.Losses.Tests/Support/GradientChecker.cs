using static TorchSharp.torch;

namespace Distill.Losses.Tests.Support;

/// <summary>
/// Compares autograd gradients with central finite differences. Works on float64 leaf tensors (inputs created with
/// requires_grad, or a module's parameters): each element is moved by ±eps in place, under no_grad, and restored.
/// </summary>
internal static class GradientChecker
{
    /// <param name="loss">Computes the scalar loss from the current values of <paramref name="wrt"/>; called many times.</param>
    /// <param name="wrt">The float64 leaves to differentiate against.</param>
    /// <param name="eps">Step of the central difference.</param>
    /// <param name="rtol">Relative tolerance per element.</param>
    /// <param name="atol">Absolute tolerance per element, scaled by max(1, |loss|) for the rounding of the loss value.</param>
    /// <returns>The autograd gradients, flattened, one array per tensor of <paramref name="wrt"/>.</returns>
    public static double[][] Check(Func<Tensor> loss, IReadOnlyList<Tensor> wrt, double eps = 1e-6, double rtol = 1e-6, double atol = 1e-8)
    {
        foreach (var x in wrt)
        {
            x.dtype.Should().Be(ScalarType.Float64, "finite differences need float64 to reach 1e-6");
            x.requires_grad.Should().BeTrue("the gradient check differentiates against this tensor");
        }

        double[][] analytic;
        double value;
        using (NewDisposeScope())
        {
            var output = loss();
            value = TensorHelpers.Scalar(output);
            var grads = autograd.grad([output], wrt.ToList());
            analytic = grads.Select(TensorHelpers.Values).ToArray();
        }

        double.IsFinite(value).Should().BeTrue("the loss must be finite at the checked point");
        var failures = new List<string>();
        for (var k = 0; k < wrt.Count; k++)
        {
            var x = wrt[k];
            var original = TensorHelpers.Values(x);
            var values = (double[])original.Clone();
            for (var i = 0; i < original.Length; i++)
            {
                values[i] = original[i] + eps;
                var plus = Evaluate(loss, x, values);
                values[i] = original[i] - eps;
                var minus = Evaluate(loss, x, values);
                values[i] = original[i];
                var numeric = (plus - minus) / (2 * eps);
                var a = analytic[k][i];
                var allowed = rtol * Math.Max(Math.Abs(a), Math.Abs(numeric)) + atol * Math.Max(1, Math.Abs(value));
                if (!(Math.Abs(a - numeric) <= allowed))
                {
                    failures.Add($"input {k} element {i}: autograd {a:G10}, finite difference {numeric:G10}");
                }
            }

            Set(x, original);
        }

        failures.Should().BeEmpty("autograd must agree with central differences (eps {0})", eps);
        analytic.SelectMany(g => g).Max(Math.Abs).Should().BeGreaterThan(1e-6, "a gradient check on an all-zero gradient proves little");
        return analytic;
    }

    private static double Evaluate(Func<Tensor> loss, Tensor x, double[] values)
    {
        Set(x, values);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return TensorHelpers.Scalar(loss());
    }

    private static void Set(Tensor x, double[] values)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        x.copy_(tensor(values, dtype: ScalarType.Float64).reshape(x.shape));
    }
}

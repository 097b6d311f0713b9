using static TorchSharp.torch;

namespace Distill.Losses.Tests.Support;

/// <summary>Tolerances and comparisons used across the tests.</summary>
internal static class Approx
{
    /// <summary>Tolerance for float32 computations against the float64 reference (relative-or-absolute).</summary>
    public const double Float32 = 1e-5;

    /// <summary>Tolerance for float64 computations against the float64 reference (relative-or-absolute).</summary>
    public const double Float64 = 1e-11;

    /// <summary>Asserts |actual − expected| ≤ tolerance·max(1, |expected|): absolute near 0, relative for large values.</summary>
    public static void ShouldBeClose(this double actual, double expected, double tolerance, string because = "")
    {
        double.IsFinite(actual).Should().BeTrue("the computed value must be finite ({0})", because);
        actual.Should().BeApproximately(expected, tolerance * Math.Max(1, Math.Abs(expected)), because);
    }

    /// <summary>Asserts the scalar tensor's value (read as double) is close to <paramref name="expected"/>.</summary>
    public static void ShouldBeClose(this Tensor actual, double expected, double tolerance, string because = "") =>
        TensorHelpers.Scalar(actual).ShouldBeClose(expected, tolerance, because);

    /// <summary>The tolerance that fits the dtype.</summary>
    public static double For(ScalarType dtype) => dtype == ScalarType.Float64 ? Float64 : Float32;
}

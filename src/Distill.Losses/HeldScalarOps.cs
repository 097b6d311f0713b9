using TorchSharp;
using static TorchSharp.torch;

namespace Distill.Losses;

/// <summary>
/// Tensor arithmetic with plain numbers that keeps each TorchSharp <see cref="Scalar"/> alive across the native call
/// it is made for. Distill's code uses these instead of <c>x * 0.5</c>, <c>a + b</c>, <c>x.clamp_min(1)</c> or
/// <c>x.square()</c>.
/// </summary>
/// <remarks>
/// Why: TorchSharp turns a number into a <see cref="Scalar"/>, an object with a finalizer, and hands only its native
/// handle to libtorch. Nothing uses the object after that, so a garbage collection during the call may run its
/// finalizer, which frees the native scalar while libtorch reads it; the run then dies at random with "INTERNAL ASSERT
/// FAILED at Scalar.h" or "Unknown scalar type" (dotnet/TorchSharp#1434, #1496). TorchSharp makes such temporaries in
/// its own code too: <c>a + b</c> is <c>add(b, 1)</c>, <c>square()</c> is <c>pow(2)</c>, <c>arange(n)</c> is
/// <c>arange(0, n, 1)</c>. Here the constants are static fields (never collected) and every other number is a
/// <see cref="Scalar"/> disposed after the call, which keeps it reachable until the call has returned. A test reads the
/// IL of every Distill assembly and fails on any temporary that is left.
/// <para>As with TorchSharp's own operators, a <c>double</c> argument makes a floating-point Scalar, which turns an
/// integer tensor into a floating-point result; the <c>long</c> overloads keep integer tensors integer.</para>
/// </remarks>
public static class HeldScalarOps
{
    private static readonly Scalar Zero = 0.ToScalar();
    private static readonly Scalar One = 1.ToScalar();
    private static readonly Scalar Two = 2.ToScalar();

    /// <summary><c>a + b</c>, with broadcasting.</summary>
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, One);

    /// <summary><c>x + value</c>.</summary>
    public static Tensor Plus(this Tensor x, double value)
    {
        using var scalar = value.ToScalar();
        return x.add(scalar, One);
    }

    /// <summary><c>x + value</c> with an integer Scalar, which keeps an integer tensor's dtype.</summary>
    public static Tensor Plus(this Tensor x, long value)
    {
        using var scalar = value.ToScalar();
        return x.add(scalar, One);
    }

    /// <summary><c>x += value</c> in place with an integer Scalar; returns <paramref name="x"/>.</summary>
    public static Tensor PlusInPlace(this Tensor x, long value)
    {
        using var scalar = value.ToScalar();
        return x.add_(scalar, One);
    }

    /// <summary><c>value - x</c>.</summary>
    public static Tensor SubtractedFrom(this Tensor x, double value)
    {
        using var scalar = value.ToScalar();
        return x.neg().add_(scalar, One);
    }

    /// <summary><c>x * factor</c>.</summary>
    public static Tensor Times(this Tensor x, double factor)
    {
        using var scalar = factor.ToScalar();
        return x.mul(scalar);
    }

    /// <summary><c>x * factor</c> with an integer Scalar, which keeps an integer tensor's dtype.</summary>
    public static Tensor Times(this Tensor x, long factor)
    {
        using var scalar = factor.ToScalar();
        return x.mul(scalar);
    }

    /// <summary><c>x / divisor</c>.</summary>
    public static Tensor DividedBy(this Tensor x, double divisor)
    {
        using var scalar = divisor.ToScalar();
        return x.div(scalar);
    }

    /// <summary><c>x²</c>, element-wise (what <c>square()</c> computes, through <c>pow</c> with a held exponent).</summary>
    public static Tensor Squared(this Tensor x) => x.pow(Two);

    /// <summary><c>x^exponent</c>, element-wise.</summary>
    public static Tensor Power(this Tensor x, double exponent)
    {
        using var scalar = exponent.ToScalar();
        return x.pow(scalar);
    }

    /// <summary><c>max(x, minimum)</c>, element-wise.</summary>
    public static Tensor AtLeast(this Tensor x, double minimum)
    {
        using var scalar = minimum.ToScalar();
        return x.clamp_min(scalar);
    }

    /// <summary><c>max(x, minimum)</c> with an integer Scalar, which keeps an integer tensor's dtype.</summary>
    public static Tensor AtLeast(this Tensor x, long minimum)
    {
        using var scalar = minimum.ToScalar();
        return x.clamp_min(scalar);
    }

    /// <summary>Boolean <c>x ≥ value</c>, element-wise.</summary>
    public static Tensor IsAtLeast(this Tensor x, double value)
    {
        using var scalar = value.ToScalar();
        return x.ge(scalar);
    }

    /// <summary><paramref name="x"/> with <paramref name="value"/> where <paramref name="mask"/> is true.</summary>
    public static Tensor Filled(this Tensor x, Tensor mask, double value)
    {
        using var scalar = value.ToScalar();
        return x.masked_fill(mask, scalar);
    }

    /// <summary><c>0, 1, ..., end - 1</c> as a 1-D tensor.</summary>
    public static Tensor Range(long end, ScalarType dtype, Device? device = null)
    {
        using var stop = end.ToScalar();
        return arange(Zero, stop, One, dtype, device);
    }
}

using System.Runtime.CompilerServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Distill.Losses.Internal;

/// <summary>
/// Argument checks shared by the loss terms. Every message names the argument, what was seen and what was expected,
/// in one wording: "studentLogits: expected shape [batch, classes], got [4, 3, 2]".
/// </summary>
internal static class Guard
{
    public static Tensor NotNull(Tensor? tensor, [CallerArgumentExpression(nameof(tensor))] string name = "")
    {
        if (tensor is null)
        {
            throw new ArgumentNullException(name, $"{name}: expected a tensor, got null");
        }

        return tensor;
    }

    /// <summary>Checks the rank; <paramref name="layout"/> describes the dimensions, e.g. "[batch, classes]".</summary>
    public static void Rank(Tensor tensor, int rank, string layout, [CallerArgumentExpression(nameof(tensor))] string name = "")
    {
        NotNull(tensor, name);
        if (tensor.dim() != rank)
        {
            throw new ArgumentException($"{name}: expected shape {layout}, got {Shape(tensor)}", name);
        }
    }

    public static void FloatingPoint(Tensor tensor, [CallerArgumentExpression(nameof(tensor))] string name = "")
    {
        if (!tensor.is_floating_point())
        {
            throw new ArgumentException($"{name}: expected a floating-point tensor, got dtype {tensor.dtype}", name);
        }
    }

    /// <summary>Checks that <paramref name="tensor"/> has exactly the shape of <paramref name="reference"/>.</summary>
    public static void SameShape(Tensor tensor, Tensor reference, string referenceName, [CallerArgumentExpression(nameof(tensor))] string name = "")
    {
        if (!tensor.shape.SequenceEqual(reference.shape))
        {
            throw new ArgumentException(
                $"{name}: expected shape {Shape(reference)} (the shape of {referenceName}), got {Shape(tensor)}", name);
        }
    }

    /// <summary>Checks one dimension against a value taken from another argument.</summary>
    public static void Dimension(Tensor tensor, int dim, long expected, string meaning, [CallerArgumentExpression(nameof(tensor))] string name = "")
    {
        var actual = tensor.shape[dim];
        if (actual != expected)
        {
            throw new ArgumentException(
                $"{name}: expected {meaning} = {expected} in dimension {dim}, got {actual} (shape {Shape(tensor)})", name);
        }
    }

    public static void SameDevice(Tensor tensor, Tensor reference, string referenceName, [CallerArgumentExpression(nameof(tensor))] string name = "")
    {
        if (tensor.device.type != reference.device.type || tensor.device.index != reference.device.index)
        {
            throw new ArgumentException(
                $"{name}: expected device {reference.device} (the device of {referenceName}), got {tensor.device}", name);
        }
    }

    /// <summary>
    /// Checks an attention mask of shape [batch, sequence] (1 or true = token, 0 or false = padding) against a
    /// batch size and sequence length, and returns it as a boolean tensor on the reference device.
    /// </summary>
    public static Tensor Mask(Tensor mask, long batch, long sequence, Device device, [CallerArgumentExpression(nameof(mask))] string name = "")
    {
        if (mask.dim() != 2 || mask.shape[0] != batch || mask.shape[1] != sequence)
        {
            throw new ArgumentException($"{name}: expected shape [{batch}, {sequence}] ([batch, sequence]), got {Shape(mask)}", name);
        }

        return mask.to(ScalarType.Bool, device);
    }

    public static double Positive(double value, [CallerArgumentExpression(nameof(value))] string name = "")
    {
        if (!(value > 0) || double.IsInfinity(value))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be > 0 and finite (was {value})");
        }

        return value;
    }

    public static string Shape(Tensor tensor) => "[" + string.Join(", ", tensor.shape) + "]";
}

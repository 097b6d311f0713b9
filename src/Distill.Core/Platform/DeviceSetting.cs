using System.Globalization;
using Distill.Platform.Internal;

namespace Distill.Platform;

/// <summary>What a device setting asks for.</summary>
public enum DeviceKind
{
    /// <summary>CUDA where it works, else the CPU (with a message saying so).</summary>
    Auto,

    /// <summary>The CPU.</summary>
    Cpu,

    /// <summary>A CUDA GPU; an error where there is none.</summary>
    Cuda,
}

/// <summary>
/// The device setting of a recipe or command line: <c>auto</c>, <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>. One
/// setting serves TorchSharp (the student) and ONNX Runtime (the teacher); <see cref="DeviceResolver"/> turns it into
/// a device for each.
/// </summary>
/// <param name="Kind">What is asked for.</param>
/// <param name="Index">The GPU index of <c>cuda:N</c>; null for "the first" (index 0).</param>
public readonly record struct DeviceSetting(DeviceKind Kind, int? Index = null)
{
    /// <summary><c>auto</c>.</summary>
    public static DeviceSetting Auto => new(DeviceKind.Auto);

    /// <summary><c>cpu</c>.</summary>
    public static DeviceSetting Cpu => new(DeviceKind.Cpu);

    /// <summary>The GPU index to use when CUDA is chosen.</summary>
    public int CudaIndex => Index ?? 0;

    /// <summary>
    /// Parses <c>auto | cpu | cuda | cuda:N</c> (case-insensitive). <paramref name="source"/> names where the value
    /// came from (a key or option) for the error message.
    /// </summary>
    /// <exception cref="DistillException">The text is none of these.</exception>
    public static DeviceSetting Parse(string? text, string source = "device")
    {
        var value = (text ?? string.Empty).Trim().ToLowerInvariant();
        switch (value)
        {
            case "auto":
                return Auto;
            case "cpu":
                return Cpu;
            case "cuda":
            case "gpu":
                return new DeviceSetting(DeviceKind.Cuda);
        }

        if (value.StartsWith("cuda:", StringComparison.Ordinal)
            && int.TryParse(value.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            return new DeviceSetting(DeviceKind.Cuda, index);
        }

        throw PlatformErrors.BadDeviceSetting(source, text);
    }

    /// <summary>The setting as it is written: <c>auto</c>, <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>.</summary>
    public override string ToString() => Kind switch
    {
        DeviceKind.Auto => "auto",
        DeviceKind.Cpu => "cpu",
        _ => Index is { } i ? $"cuda:{i}" : "cuda",
    };
}

namespace Distill.Platform;

/// <summary>Whether a runtime can use CUDA here, how many GPUs it sees, and, when it cannot, why.</summary>
/// <param name="DeviceCount">Usable CUDA devices (0 = none; for ONNX Runtime 1 means "the provider starts").</param>
/// <param name="Reason">Why CUDA is unusable, with what to install or set; null when it is usable.</param>
public readonly record struct CudaAvailability(int DeviceCount, string? Reason)
{
    /// <summary>True when at least one device is usable.</summary>
    public bool IsAvailable => DeviceCount > 0;

    /// <summary>CUDA is unusable for the given reason.</summary>
    public static CudaAvailability None(string reason) => new(0, reason);
}

/// <summary>
/// Looks at this machine's CUDA from the side of each runtime. <see cref="SystemCudaProbe"/> asks the real runtimes;
/// tests substitute their own to act out machines they are not running on.
/// </summary>
public interface ICudaProbe
{
    /// <summary>What TorchSharp (the student's runtime) can use.</summary>
    CudaAvailability Torch();

    /// <summary>What ONNX Runtime (the teacher's runtime) can use on the given GPU.</summary>
    CudaAvailability Onnx(int deviceIndex);
}

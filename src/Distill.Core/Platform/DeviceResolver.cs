using Distill.Platform.Internal;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;

namespace Distill.Platform;

/// <summary>The device TorchSharp (the student) runs on.</summary>
/// <param name="Device">The TorchSharp device.</param>
/// <param name="Notice">Set when <c>auto</c> fell back to the CPU: one short line that says so.</param>
public sealed record TorchDeviceChoice(torch.Device Device, string? Notice)
{
    /// <summary>Set with <see cref="Notice"/>: the notice with the whole reason, what to install or set to use CUDA.</summary>
    public string? Explanation { get; init; }

    /// <summary><c>cpu</c> or <c>cuda:N</c>.</summary>
    public override string ToString() => Device.type == DeviceType.CUDA ? $"cuda:{Device.index}" : "cpu";
}

/// <summary>The execution provider ONNX Runtime (the teacher) runs with.</summary>
/// <param name="UseCuda">True for the CUDA execution provider, false for the CPU one.</param>
/// <param name="DeviceIndex">The GPU when <paramref name="UseCuda"/>.</param>
/// <param name="Notice">Set when <c>auto</c> fell back to the CPU: one short line that says so.</param>
public sealed record OnnxDeviceChoice(bool UseCuda, int DeviceIndex, string? Notice)
{
    /// <summary>Set with <see cref="Notice"/>: the notice with the whole reason, what to install or set to use CUDA.</summary>
    public string? Explanation { get; init; }

    /// <summary>Adds the chosen execution provider to session options (the CPU provider needs nothing).</summary>
    public void ApplyTo(SessionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (UseCuda)
        {
            options.AppendExecutionProvider_CUDA(DeviceIndex);
        }
    }

    /// <summary><c>cpu</c> or <c>cuda:N</c>.</summary>
    public override string ToString() => UseCuda ? $"cuda:{DeviceIndex}" : "cpu";
}

/// <summary>
/// The one place that turns a device setting (<c>auto | cpu | cuda | cuda:N</c>) into a device for TorchSharp and an
/// execution provider for ONNX Runtime. <c>auto</c> takes CUDA in each runtime where it works there and the CPU
/// elsewhere, with a one-line notice (on a machine without a GPU the CPU is the expected answer, not a problem to
/// explain at length on every run; <c>distill doctor</c> gives the whole reason); <c>cuda</c> where a runtime cannot
/// use CUDA is an error that says what to install or set.
/// </summary>
public sealed class DeviceResolver
{
    /// <summary>Where a notice sends a reader who wants the whole reason.</summary>
    public const string WhyHint = "no usable CUDA here; `distill doctor` says why";

    private readonly ICudaProbe _probe;

    /// <summary>Creates a resolver over the given probe (default: this machine's runtimes).</summary>
    public DeviceResolver(ICudaProbe? probe = null)
    {
        _probe = probe ?? SystemCudaProbe.Instance;
    }

    /// <summary>The device TorchSharp should use for this setting.</summary>
    /// <exception cref="DistillException">CUDA was asked for and TorchSharp cannot use it (or not that GPU).</exception>
    public TorchDeviceChoice ResolveTorch(DeviceSetting setting)
    {
        if (setting.Kind == DeviceKind.Cpu)
        {
            return new TorchDeviceChoice(torch.CPU, null);
        }

        var cuda = _probe.Torch();
        if (setting.Kind == DeviceKind.Auto)
        {
            return cuda.IsAvailable
                ? new TorchDeviceChoice(new torch.Device(DeviceType.CUDA, 0), null)
                : new TorchDeviceChoice(torch.CPU, $"TorchSharp runs on the CPU ({WhyHint})") { Explanation = $"TorchSharp runs on the CPU: {cuda.Reason}" };
        }

        if (!cuda.IsAvailable)
        {
            throw PlatformErrors.CudaUnavailable(setting, "TorchSharp", cuda.Reason);
        }

        if (setting.CudaIndex >= cuda.DeviceCount)
        {
            throw PlatformErrors.NoSuchCudaDevice(setting, cuda.DeviceCount);
        }

        return new TorchDeviceChoice(new torch.Device(DeviceType.CUDA, setting.CudaIndex), null);
    }

    /// <summary>The execution provider ONNX Runtime should use for this setting.</summary>
    /// <exception cref="DistillException">CUDA was asked for and ONNX Runtime cannot use it.</exception>
    public OnnxDeviceChoice ResolveOnnx(DeviceSetting setting)
    {
        if (setting.Kind == DeviceKind.Cpu)
        {
            return new OnnxDeviceChoice(false, 0, null);
        }

        var cuda = _probe.Onnx(setting.CudaIndex);
        if (cuda.IsAvailable)
        {
            return new OnnxDeviceChoice(true, setting.CudaIndex, null);
        }

        if (setting.Kind == DeviceKind.Auto)
        {
            return new OnnxDeviceChoice(false, 0, $"ONNX Runtime runs on the CPU ({WhyHint})") { Explanation = $"ONNX Runtime runs on the CPU: {cuda.Reason}" };
        }

        throw PlatformErrors.CudaUnavailable(setting, "ONNX Runtime", cuda.Reason);
    }
}

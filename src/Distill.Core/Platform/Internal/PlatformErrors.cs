namespace Distill.Platform.Internal;

/// <summary>
/// The errors of finding the machine's runtimes and devices, each one line that says what is missing and what to do. A
/// runtime or device that is not there is <see cref="DistillErrorKind.Environment"/>, a device setting that cannot be
/// read is <see cref="DistillErrorKind.InvalidInput"/>; both exit with code 2 (nothing will change until the user
/// changes the machine or the setting).
/// </summary>
internal static class PlatformErrors
{
    public static DistillException TorchNotLoaded(Exception error) =>
        new(DistillErrorKind.Environment,
            $"TorchSharp could not load its native libraries: {NativeLoadError.Reason(error)}. " +
            "If the message names GLIBCXX_3.4.32, this output folder's libLibTorchSharp.so was not patched: build " +
            "through Distill's build (the step is on by default; see the README, 'TorchSharp on Debian 12').",
            error);

    public static DistillException CudaUnavailable(DeviceSetting setting, string runtime, string? reason) =>
        new(DistillErrorKind.Environment,
            $"device '{setting}' was asked for, but {runtime} cannot use CUDA here: {reason}; or set device: cpu (or auto)");

    public static DistillException NoSuchCudaDevice(DeviceSetting setting, int deviceCount) =>
        new(DistillErrorKind.Environment,
            $"device '{setting}' was asked for, but TorchSharp sees {deviceCount} CUDA device(s) " +
            $"(cuda:0 to cuda:{deviceCount - 1}); pick one of those, or set device: auto");

    public static DistillException BadDeviceSetting(string source, string? text) =>
        new(DistillErrorKind.InvalidInput,
            $"{source} must be auto, cpu, cuda or cuda:N with N a GPU number (was '{text}')");
}

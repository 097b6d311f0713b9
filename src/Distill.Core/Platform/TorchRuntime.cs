using TorchSharp;

namespace Distill.Platform;

/// <summary>
/// Loads TorchSharp's native library once and turns a failure into an error that says what to do, instead of a
/// TypeInitializationException deep inside the first tensor operation.
/// </summary>
public static class TorchRuntime
{
    private static readonly Lazy<Exception?> LoadError = new(Load);

    /// <summary>Makes sure libtorch and libLibTorchSharp are loaded.</summary>
    /// <exception cref="DistillException">They cannot be loaded; the message gives the loader's reason and the fix.</exception>
    public static void EnsureLoaded()
    {
        if (LoadError.Value is { } error)
        {
            throw new DistillException(
                DistillErrorKind.Environment,
                $"TorchSharp could not load its native libraries: {NativeLoadError.Reason(error)}. " +
                "If the message names GLIBCXX_3.4.32, this output folder's libLibTorchSharp.so was not patched: build " +
                "through Distill's build (the step is on by default; see the README, 'TorchSharp on Debian 12').",
                error);
        }
    }

    private static Exception? Load()
    {
        try
        {
            torch.InitializeDeviceType(DeviceType.CPU);
            return null;
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or NotSupportedException or InvalidOperationException)
        {
            return e;
        }
    }
}

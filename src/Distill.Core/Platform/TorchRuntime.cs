using Distill.Platform.Internal;
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
            throw PlatformErrors.TorchNotLoaded(error);
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

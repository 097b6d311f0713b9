namespace Distill.Platform;

/// <summary>
/// Runs the finalizers of unreachable TorchSharp objects now, between phases of a run, instead of on the finalizer
/// thread while the next phase is calling into libtorch.
/// </summary>
/// <remarks>
/// TorchSharp's <c>Scalar</c> has a finalizer, and an operation given a plain number (<c>x.pow(2)</c>,
/// <c>x * 0.5</c>, and such calls inside TorchSharp's own optimizers) makes a temporary <c>Scalar</c> that nothing keeps
/// alive during the native call (dotnet/TorchSharp#1434 and #1496, open). If a collection happens in that window, the
/// finalizer thread can free the scalar while libtorch reads it, which libtorch reports as "INTERNAL ASSERT FAILED at
/// Scalar.h" or "Unknown scalar type". The window is widest right after a training run ends, when the finalizer thread
/// works through the run's garbage while the next run builds its model. Draining that backlog at the boundary, with no
/// native call in flight, closes it there; within a run the garbage is small and steady.
/// </remarks>
public static class NativeGarbage
{
    /// <summary>Collects, waits for every pending finalizer, and collects what they released.</summary>
    public static void Drain()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }
}

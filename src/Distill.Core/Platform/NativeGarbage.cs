namespace Distill.Platform;

/// <summary>
/// Runs the finalizers of unreachable TorchSharp objects now, between phases of a run (after a student, after an
/// evaluation), so that the native memory of the tensors a phase dropped is returned before the next phase allocates.
/// </summary>
/// <remarks>
/// This used to be the guard against TorchSharp's temporary <c>Scalar</c> crash (dotnet/TorchSharp#1434, #1496);
/// that crash is now prevented where it starts: no Distill code makes a temporary Scalar
/// (<see cref="Distill.Losses.HeldScalarOps"/>, Distill's own AdamW), which a test
/// checks in the compiled IL, and the soak benchmark trains under constant collections to show it.
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

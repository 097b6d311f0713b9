using static TorchSharp.torch;

namespace Distill.Losses.Tests.Support;

/// <summary>
/// Checks that a call leaves no live tensor behind, with TorchSharp's per-thread count of live tensors. Create the
/// inputs before calling: the first reading is taken just before the call.
/// </summary>
internal static class LeakCheck
{
    /// <summary>Runs <paramref name="call"/>, disposes what it returns, and asserts the live count is unchanged.</summary>
    public static void ShouldLeaveNoTensors(Func<Tensor> call)
    {
        var before = TensorHelpers.LiveTensors;
        var result = call();
        result.dim().Should().Be(0, "loss terms return a scalar");
        result.Dispose();
        TensorHelpers.LiveTensors.Should().Be(before, "every intermediate tensor must be disposed");
    }

    /// <summary>Runs <paramref name="call"/>, disposes every tensor it returns, and asserts the live count is unchanged.</summary>
    public static void ShouldLeaveNoTensors(Func<IEnumerable<Tensor>> call)
    {
        var before = TensorHelpers.LiveTensors;
        foreach (var tensor in call().ToList())
        {
            tensor.Dispose();
        }

        TensorHelpers.LiveTensors.Should().Be(before, "every intermediate tensor must be disposed");
    }

    /// <summary>Runs a call that must throw <typeparamref name="TException"/>, and asserts the live count is unchanged.</summary>
    public static TException ShouldThrowWithoutLeaking<TException>(Action call)
        where TException : Exception
    {
        var before = TensorHelpers.LiveTensors;
        TException? caught = null;
        try
        {
            call();
        }
        catch (TException e)
        {
            caught = e;
        }

        caught.Should().NotBeNull("the call must fail with {0}", typeof(TException).Name);
        TensorHelpers.LiveTensors.Should().Be(before, "tensors made before the error must be disposed");
        return caught!;
    }
}

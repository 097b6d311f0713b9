using Distill.Platform;
using static TorchSharp.torch;

namespace Distill.Core.Tests.Platform;

public class TorchRuntimeTests
{
    [Fact]
    public void EnsureLoaded_Should_LoadTorchSharp_And_Compute()
    {
        TorchRuntime.EnsureLoaded();
        using var scope = NewDisposeScope();
        var a = tensor(new float[] { 1, 2, 3, 4, 5, 6 }, [2, 3]);
        var b = tensor(new float[] { 7, 8, 9, 10, 11, 12 }, [3, 2]);

        var product = a.matmul(b);

        // [1 2 3; 4 5 6] x [7 8; 9 10; 11 12] worked by hand.
        product.data<float>().ToArray().Should().Equal(58f, 64f, 139f, 154f);
        get_num_threads().Should().BeGreaterThan(0);
    }
}

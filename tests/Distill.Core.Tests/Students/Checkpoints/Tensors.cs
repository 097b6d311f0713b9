using TorchSharp;
using static TorchSharp.torch;

namespace Distill.Core.Tests.Students.Checkpoints;

/// <summary>Comparisons of tensors and state dicts for the checkpoint tests.</summary>
internal static class Tensors
{
    /// <summary>The values of a tensor as doubles, row-major, whatever its dtype.</summary>
    public static double[] Values(Tensor tensor)
    {
        using var scope = NewDisposeScope();
        return tensor.detach().cpu().to_type(ScalarType.Float64).contiguous().flatten().data<double>().ToArray();
    }

    /// <summary>Keys whose tensors differ (shape or any value) between two state dicts with the same keys.</summary>
    public static List<string> DifferingKeys(IDictionary<string, Tensor> actual, IDictionary<string, Tensor> expected) =>
        expected.Keys.Where(key => !actual.ContainsKey(key)
                                   || !actual[key].shape.SequenceEqual(expected[key].shape)
                                   || !Values(actual[key]).SequenceEqual(Values(expected[key])))
            .ToList();

    /// <summary>Tensors alive on this thread (TorchSharp's count): a load that leaks shows up here.</summary>
    public static long Live => DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount;

    /// <summary>Largest absolute difference between two tensors of the same shape.</summary>
    public static float MaxDifference(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        return (a.detach().cpu().to_type(ScalarType.Float32) - b.detach().cpu().to_type(ScalarType.Float32)).abs().max().item<float>();
    }
}

using TorchSharp;
using static TorchSharp.torch;

namespace Distill.Losses.Tests.Support;

/// <summary>Moves plain C# arrays into tensors and back.</summary>
internal static class TensorHelpers
{
    /// <summary>A tensor with the shape and the row-major contents of <paramref name="values"/> (any rank).</summary>
    public static Tensor FromArray(Array values, ScalarType dtype = ScalarType.Float32, bool requiresGrad = false)
    {
        var shape = Enumerable.Range(0, values.Rank).Select(d => (long)values.GetLength(d)).ToArray();
        var flat = values.Cast<double>().ToArray(); // a multi-dimensional array enumerates in row-major order
        using var scope = NewDisposeScope();
        var result = tensor(flat, dtype: ScalarType.Float64).reshape(shape).to(dtype);
        if (requiresGrad)
        {
            result.requires_grad_(true);
        }

        return result.MoveToOuterDisposeScope();
    }

    /// <summary>A float64 leaf tensor that requires grad, for gradient checks.</summary>
    public static Tensor Leaf(Array values) => FromArray(values, ScalarType.Float64, requiresGrad: true);

    /// <summary>Class ids as an int64 tensor.</summary>
    public static Tensor Labels(params long[] labels) => tensor(labels, dtype: ScalarType.Int64);

    /// <summary>A [batch, sequence] int64 mask tensor (1 = token, 0 = padding) from a boolean mask.</summary>
    public static Tensor Mask(bool[,] mask)
    {
        var values = new long[mask.Length];
        var k = 0;
        foreach (var token in mask)
        {
            values[k++] = token ? 1 : 0;
        }

        return tensor(values, dtype: ScalarType.Int64).reshape(mask.GetLength(0), mask.GetLength(1));
    }

    /// <summary>The value of a scalar tensor, as double.</summary>
    public static double Scalar(Tensor scalar)
    {
        using var scope = NewDisposeScope();
        return scalar.detach().to(ScalarType.Float64).item<double>();
    }

    /// <summary>The contents of a tensor, flattened, as doubles.</summary>
    public static double[] Values(Tensor values)
    {
        using var scope = NewDisposeScope();
        return values.detach().to(ScalarType.Float64).contiguous().data<double>().ToArray();
    }

    /// <summary>Reads a [rows, columns] tensor into a matrix.</summary>
    public static double[,] ToMatrix(Tensor values)
    {
        var flat = Values(values);
        var (rows, columns) = ((int)values.shape[0], (int)values.shape[1]);
        var matrix = new double[rows, columns];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                matrix[r, c] = flat[r * columns + c];
            }
        }

        return matrix;
    }

    /// <summary>Live tensors created on this thread and not yet disposed (TorchSharp's own count).</summary>
    public static long LiveTensors => DisposeScopeManager.Statistics.ThreadTotalLiveCount;
}

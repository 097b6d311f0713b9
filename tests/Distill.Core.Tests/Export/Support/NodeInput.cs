namespace Distill.Core.Tests.Export.Support;

/// <summary>One input tensor for <see cref="OnnxNodeRunner"/>: float32 or int64 data, flat and row-major, with its dims.</summary>
public sealed class NodeInput
{
    private NodeInput(string dtype, long[] dims, float[]? floats, long[]? int64s)
    {
        var count = dims.Aggregate(1L, (product, dim) =>
            dim >= 0 ? product * dim : throw new ArgumentException($"dims must not be negative, got [{string.Join(", ", dims)}]", nameof(dims)));
        var length = floats?.Length ?? int64s!.Length;
        if (count != length)
        {
            throw new ArgumentException($"dims [{string.Join(", ", dims)}] hold {count} values but the data has {length}", nameof(dims));
        }

        Dtype = dtype;
        Dims = dims;
        Float32Data = floats;
        Int64Data = int64s;
    }

    /// <summary>"float32" or "int64", as run.mjs and onnxruntime-node name them.</summary>
    public string Dtype { get; }

    public long[] Dims { get; }

    /// <summary>The data when <see cref="Dtype"/> is float32; null otherwise.</summary>
    public float[]? Float32Data { get; }

    /// <summary>The data when <see cref="Dtype"/> is int64; null otherwise.</summary>
    public long[]? Int64Data { get; }

    public static NodeInput Float32(float[] data, params long[] dims)
    {
        ArgumentNullException.ThrowIfNull(data);
        return new("float32", dims, data, null);
    }

    public static NodeInput Int64(long[] data, params long[] dims)
    {
        ArgumentNullException.ThrowIfNull(data);
        return new("int64", dims, null, data);
    }
}

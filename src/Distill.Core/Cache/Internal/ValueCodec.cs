using System.Runtime.InteropServices;

namespace Distill.Cache.Internal;

/// <summary>Float values to and from the cache's storage precision.</summary>
internal static class ValueCodec
{
    public static void Encode(ReadOnlySpan<float> values, CacheElementType type, Span<byte> destination)
    {
        if (type == CacheElementType.Float32)
        {
            MemoryMarshal.AsBytes(values).CopyTo(destination);
            return;
        }

        System.Numerics.Tensors.TensorPrimitives.ConvertToHalf(values, MemoryMarshal.Cast<byte, Half>(destination));
    }

    public static void Decode(ReadOnlySpan<byte> stored, CacheElementType type, Span<float> destination)
    {
        if (type == CacheElementType.Float32)
        {
            MemoryMarshal.Cast<byte, float>(stored).CopyTo(destination);
            return;
        }

        System.Numerics.Tensors.TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(stored), destination);
    }
}

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

        var halves = MemoryMarshal.Cast<byte, Half>(destination);
        for (var i = 0; i < values.Length; i++)
        {
            halves[i] = (Half)values[i];
        }
    }

    public static void Decode(ReadOnlySpan<byte> stored, CacheElementType type, Span<float> destination)
    {
        if (type == CacheElementType.Float32)
        {
            MemoryMarshal.Cast<byte, float>(stored).CopyTo(destination);
            return;
        }

        var halves = MemoryMarshal.Cast<byte, Half>(stored);
        for (var i = 0; i < halves.Length; i++)
        {
            destination[i] = (float)halves[i];
        }
    }
}

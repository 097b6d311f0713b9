using System.Runtime.InteropServices;
using Distill.Teacher;

namespace Distill.Cache.Internal;

/// <summary>
/// Cuts one row out of a padded batch output, at the row's true length, and encodes it straight into its place in
/// the shard's data: no intermediate arrays, since every value of the cache passes through here.
/// </summary>
internal static class RowSlicer
{
    /// <summary>Bytes a row of length <paramref name="length"/> takes in storage.</summary>
    public static long RowBytes(TeacherCacheManifest manifest, int length)
    {
        long elements = 0;
        for (var t = 0; t < manifest.Tensors.Count; t++)
        {
            elements += manifest.Tensors[t].ElementsFor(length);
        }

        return elements * manifest.ElementSize;
    }

    public static void Encode(TeacherCacheManifest manifest, IReadOnlyList<CachedTensorSpec> specs, TeacherOutputs outputs, int row, int length, int padded, Span<byte> destination)
    {
        var size = manifest.ElementSize;
        var at = 0;
        for (var t = 0; t < specs.Count; t++)
        {
            var values = outputs.Values(specs[t].Source);
            var dims = outputs.Dims(specs[t].Source);
            switch (manifest.Tensors[t].Kind)
            {
                case CachedTensorKind.AttentionProbabilities:
                {
                    // [batch, heads, padded, padded] → [heads, length, length]
                    var heads = (int)dims[1];
                    for (var h = 0; h < heads; h++)
                    {
                        for (var q = 0; q < length; q++)
                        {
                            var source = (int)((((long)row * heads + h) * padded + q) * padded);
                            ValueCodec.Encode(values.Slice(source, length), manifest.ElementType, destination.Slice(at, length * size));
                            at += length * size;
                        }
                    }

                    break;
                }

                case CachedTensorKind.HiddenState:
                {
                    // [batch, padded, hidden] → [length, hidden]
                    var hidden = (int)dims[2];
                    ValueCodec.Encode(values.Slice(row * padded * hidden, length * hidden), manifest.ElementType, destination.Slice(at, length * hidden * size));
                    at += length * hidden * size;
                    break;
                }

                default:
                {
                    // [batch, ...] → [...]
                    var width = (int)(values.Length / dims[0]);
                    ValueCodec.Encode(values.Slice(row * width, width), manifest.ElementType, destination.Slice(at, width * size));
                    at += width * size;
                    break;
                }
            }
        }
    }
}

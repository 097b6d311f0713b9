using Distill.Teacher;

namespace Distill.Cache.Internal;

/// <summary>Cuts one row out of a padded batch output, at the row's true length, and encodes it for storage.</summary>
internal static class RowSlicer
{
    public static byte[] Encode(TeacherCacheManifest manifest, IReadOnlyList<CachedTensorSpec> specs, TeacherOutputs outputs, int row, int length, int paddedLength)
    {
        var sizes = manifest.Tensors.Select(t => t.ElementsFor(length)).ToArray();
        var bytes = new byte[sizes.Sum() * manifest.ElementSize];
        var at = 0;
        for (var t = 0; t < specs.Count; t++)
        {
            var (values, dims) = outputs[specs[t].Source];
            var target = bytes.AsSpan(at, (int)sizes[t] * manifest.ElementSize);
            var rowValues = Slice(values, dims, manifest.Tensors[t].Kind, row, length, paddedLength);
            ValueCodec.Encode(rowValues, manifest.ElementType, target);
            at += target.Length;
        }

        return bytes;
    }

    private static float[] Slice(float[] values, long[] dims, CachedTensorKind kind, int row, int length, int padded)
    {
        switch (kind)
        {
            case CachedTensorKind.AttentionProbabilities:
            {
                // [batch, heads, padded, padded] → [heads, length, length]
                var heads = (int)dims[1];
                var result = new float[heads * length * length];
                for (var h = 0; h < heads; h++)
                {
                    for (var q = 0; q < length; q++)
                    {
                        var source = (((long)row * heads + h) * padded + q) * padded;
                        values.AsSpan((int)source, length).CopyTo(result.AsSpan((h * length + q) * length, length));
                    }
                }

                return result;
            }

            case CachedTensorKind.HiddenState:
            {
                // [batch, padded, hidden] → [length, hidden]
                var hidden = (int)dims[2];
                return values.AsSpan(row * padded * hidden, length * hidden).ToArray();
            }

            default:
            {
                // [batch, ...] → [...]
                var width = (int)(values.LongLength / dims[0]);
                return values.AsSpan(row * width, width).ToArray();
            }
        }
    }
}

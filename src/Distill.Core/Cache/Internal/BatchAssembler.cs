using Distill.Teacher;

namespace Distill.Cache.Internal;

/// <summary>Pads a list of rows into one teacher batch.</summary>
internal static class BatchAssembler
{
    public static TeacherBatch Assemble(IReadOnlyList<TeacherRow> rows, IReadOnlyList<int>? featureShape = null)
    {
        if (rows[0].Text is null)
        {
            var width = rows[0].Features!.Length;
            var features = new float[rows.Count * width];
            for (var r = 0; r < rows.Count; r++)
            {
                var row = rows[r].Features ?? throw CacheErrors.BatchRowWithoutFeatures(rows[r].RowId);
                if (row.Length != width)
                {
                    throw CacheErrors.BatchRowWidth(rows[r].RowId, row.Length, width);
                }

                row.CopyTo(features, r * width);
            }

            if (featureShape is not null && featureShape.Aggregate(1L, (a, b) => a * b) != width)
            {
                throw CacheErrors.FeatureShapeMismatch(width, featureShape);
            }

            long[] dims = featureShape is null ? [width] : featureShape.Select(d => (long)d).ToArray();
            return new TeacherBatch { Rows = rows.Count, Features = features, FeatureDims = dims };
        }

        var length = rows.Max(r => r.Length);
        var ids = new long[rows.Count * length];
        var mask = new long[rows.Count * length];
        var types = new long[rows.Count * length];
        for (var r = 0; r < rows.Count; r++)
        {
            var text = rows[r].Text ?? throw CacheErrors.BatchRowWithoutText(rows[r].RowId);
            text.InputIds.CopyTo(ids, r * length);
            text.TokenTypeIds.CopyTo(types, r * length);
            Array.Fill(mask, 1L, r * length, text.Length);
        }

        return new TeacherBatch { Rows = rows.Count, Length = length, InputIds = ids, AttentionMask = mask, TokenTypeIds = types };
    }
}

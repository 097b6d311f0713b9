using Distill.Students;
using Distill.Text;
using Distill.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using VectorKind = Microsoft.ML.SchemaShape.Column.VectorKind;

namespace Distill.MLNet.Internal;

/// <summary>
/// The input columns a student reads (token columns for text students, a float vector for the others), their checks,
/// and the reading of one row into a <see cref="StudentExample"/>, with the checks the student's embeddings need
/// (ids inside the vocabulary, no more tokens than the transformer has positions).
/// </summary>
internal sealed record StudentColumns(string InputIds, string AttentionMask, string TokenTypeIds, string Features, IReadOnlyList<int>? FeatureShape)
{
    public static StudentColumns Of(StudentTrainerOptions options) => new(
        options.InputIdsColumnName, options.AttentionMaskColumnName, options.TokenTypeIdsColumnName, options.FeatureColumnName, options.FeatureShape);

    /// <summary>The number of features per row a float student takes.</summary>
    public int? FeatureSize(StudentOptions student) => student switch
    {
        MlpStudentOptions mlp => mlp.InputSize,
        ImageCnnStudentOptions => FeatureShape?.Aggregate(1, (a, b) => a * b),
        _ => null,
    };

    /// <summary>Checks the columns the student reads.</summary>
    public void Check(InputColumns input, StudentOptions student, string optionsType)
    {
        if (Takes(student))
        {
            input.Tokens("token ids", InputIds, $"{optionsType}.InputIdsColumnName");
            input.OptionalTokens("attention mask", AttentionMask);
            input.OptionalTokens("segment ids", TokenTypeIds);
        }
        else
        {
            var size = FeatureSize(student);
            input.Floats("features", Features, $"{optionsType}.FeatureColumnName", size,
                $"give the {student.ArchitectureName} student {size} features per row, or set its {(student is MlpStudentOptions ? "InputSize" : "FeatureShape")} to the column's size");
        }
    }

    /// <summary>The input columns read, in the order <see cref="Reader"/> expects them.</summary>
    public IReadOnlyList<DataViewSchema.Column> Reads(DataViewSchema schema, StudentOptions student)
    {
        if (!Takes(student))
        {
            return [schema[Features]];
        }

        return new[] { InputIds, AttentionMask, TokenTypeIds }
            .Select(name => schema.GetColumnOrNull(name)).OfType<DataViewSchema.Column>().ToList();
    }

    /// <summary>
    /// A function that reads the row <paramref name="row"/> is on into an example without a label (−1); the columns
    /// of <see cref="Reads"/> are active.
    /// </summary>
    public Func<StudentExample> Reader(DataViewRow row, StudentOptions student)
    {
        if (!Takes(student))
        {
            var getter = row.GetGetter<VBuffer<float>>(row.Schema[Features]);
            VBuffer<float> buffer = default;
            return () =>
            {
                getter(ref buffer);
                return new StudentExample(row.Position, 0, null, buffer.DenseValues().ToArray(), -1);
            };
        }

        var ids = Longs(row, InputIds)!;
        var mask = Longs(row, AttentionMask);
        var types = Longs(row, TokenTypeIds);
        var limits = Limits.Of(student);
        return () => new StudentExample(row.Position, 0, Encoded(row.Position, ids(), mask?.Invoke(), types?.Invoke(), limits), null, -1);
    }

    private static bool Takes(StudentOptions student) => student.Kind is StudentKind.Transformer or StudentKind.BiLstm or StudentKind.TextCnn;

    private EncodedText Encoded(long position, long[] ids, long[]? mask, long[]? types, Limits limits)
    {
        if (mask is not null && mask.Length != ids.Length)
        {
            throw MLNetErrors.TokenColumnLength(position, AttentionMask, mask.Length, InputIds, ids.Length);
        }

        if (types is not null && types.Length != ids.Length)
        {
            throw MLNetErrors.TokenColumnLength(position, TokenTypeIds, types.Length, InputIds, ids.Length);
        }

        // A mask with zeros marks padding (columns made elsewhere may be padded): keep the tokens only.
        if (mask is not null && Array.IndexOf(mask, 0L) >= 0)
        {
            ids = ids.Where((_, i) => mask[i] != 0).ToArray();
            types = types?.Where((_, i) => mask[i] != 0).ToArray();
        }

        var bad = Array.FindIndex(ids, id => id < 0 || id >= limits.Vocabulary);
        if (bad >= 0)
        {
            throw MLNetErrors.TokenIdOutsideVocabulary(position, ids[bad], InputIds, limits.Vocabulary);
        }

        if (ids.Length > limits.Positions)
        {
            throw MLNetErrors.TooManyTokens(position, ids.Length, InputIds, limits.Positions);
        }

        types ??= new long[ids.Length];
        var badType = Array.FindIndex(types, t => t < 0 || t >= limits.Segments);
        if (badType >= 0)
        {
            throw MLNetErrors.SegmentIdOutside(position, types[badType], TokenTypeIds, limits.Segments);
        }

        return new EncodedText(ids, types, Truncated: false);
    }

    private static Func<long[]>? Longs(DataViewRow row, string name)
    {
        if (row.Schema.GetColumnOrNull(name) is not { } column || !row.IsColumnActive(column))
        {
            return null;
        }

        var getter = row.GetGetter<VBuffer<long>>(column);
        VBuffer<long> buffer = default;
        return () =>
        {
            getter(ref buffer);
            return buffer.DenseValues().ToArray();
        };
    }

    /// <summary>What a text student's embeddings can take: token ids, positions, segment ids.</summary>
    private sealed record Limits(long Vocabulary, long Positions, long Segments)
    {
        public static Limits Of(StudentOptions student) => student switch
        {
            TransformerStudentOptions t => new Limits(t.VocabSize, t.MaxPositions, t.TypeVocabSize),
            BiLstmStudentOptions b => new Limits(b.VocabSize, long.MaxValue, long.MaxValue),
            TextCnnStudentOptions c => new Limits(c.VocabSize, long.MaxValue, long.MaxValue),
            _ => new Limits(long.MaxValue, long.MaxValue, long.MaxValue),
        };
    }
}

using Distill.Cache.Internal;
using Distill.Data;
using Distill.Text;

namespace Distill.Cache;

/// <summary>Turns data rows into the rows a teacher sees: text encoded with the teacher's tokenizer, or features.</summary>
public static class TeacherRows
{
    /// <summary>
    /// Encodes each row's text with <paramref name="encoder"/> (the teacher's vocabulary), in parallel and in order.
    /// </summary>
    /// <exception cref="DistillException">A row has no text.</exception>
    public static IReadOnlyList<TeacherRow> Encode(IEnumerable<DataRow> rows, TextEncoder encoder)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        return rows.AsParallel().AsOrdered()
            .Select(row => new TeacherRow(row.Id, row.AugmentationId, encoder.Encode(row)))
            .ToList();
    }

    /// <summary>Rows of float features (already preprocessed for the teacher).</summary>
    /// <exception cref="DistillException">A row has no features.</exception>
    public static IReadOnlyList<TeacherRow> Features(IEnumerable<DataRow> rows) =>
        rows.Select(row => new TeacherRow(row.Id, row.AugmentationId, null,
                row.Features ?? throw CacheErrors.RowWithoutFeatures(row.Id)))
            .ToList();

    /// <summary>What the cache key should record about the tokenizer (its vocabulary and settings).</summary>
    public static IReadOnlyDictionary<string, string> Describe(TextEncoder encoder) => new Dictionary<string, string>
    {
        ["tokenizer.vocabulary"] = encoder.VocabularyHash,
        ["tokenizer.lower_case"] = encoder.Options.LowerCase ? "true" : "false",
        ["tokenizer.max_length"] = encoder.Options.MaxLength.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

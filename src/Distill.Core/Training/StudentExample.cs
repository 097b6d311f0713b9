using Distill.Data;
using Distill.Text;

namespace Distill.Training;

/// <summary>
/// One training or evaluation example as the student sees it: its identity (which ties it to the teacher's cached
/// outputs), its input encoded with the student's own tokenizer (or its float features), and its label id.
/// </summary>
/// <param name="RowId">The data row's id.</param>
/// <param name="AugmentationId">0 for the original, 1..N for augmented copies.</param>
/// <param name="Text">The text encoded with the student's tokenizer; null for float inputs.</param>
/// <param name="Features">Float features (preprocessed for the student); null for text.</param>
/// <param name="Label">Label id, or −1 when the row has no label (an augmented copy, an unlabelled text).</param>
public sealed record StudentExample(long RowId, int AugmentationId, EncodedText? Text, float[]? Features, int Label)
{
    /// <summary>Tokens for text, 1 for float inputs; batches are bucketed by it.</summary>
    public int Length => Text?.Length ?? 1;

    /// <summary>
    /// Rows as the student sees them, in order: text encoded by <paramref name="encoder"/> (in parallel: encoding a
    /// large transfer set is the slow part), or, with no encoder, the rows' float features; labels mapped by
    /// <paramref name="labels"/>, −1 for a row without one.
    /// </summary>
    /// <exception cref="DistillException">A row's label is not one of <paramref name="labels"/>.</exception>
    public static List<StudentExample> FromRows(IReadOnlyList<DataRow> rows, TextEncoder? encoder, LabelMap labels)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(labels);
        return rows.AsParallel().AsOrdered()
            .Select(r => new StudentExample(r.Id, r.AugmentationId, encoder?.Encode(r), encoder is null ? r.Features : null, r.Label is null ? -1 : labels.GetId(r.Label)))
            .ToList();
    }
}

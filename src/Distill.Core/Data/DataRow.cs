namespace Distill.Data;

/// <summary>
/// One example as read from a data file, before encoding: its texts (one, or two for sentence pairs) or its float
/// features, and its label if it has one.
/// </summary>
/// <param name="Id">The row's identity within its data set: the 0-based position of the row in the file (header and
/// blank lines not counted), or in the image folder's sorted listing. Stable across runs over the same file.</param>
/// <param name="Texts">The text columns, in the order the recipe names them; empty for float rows.</param>
/// <param name="Label">The label as written in the file (mapped to an id by the label mapping); null when the
/// row has none (an unlabelled transfer-set row, an augmented copy).</param>
/// <param name="Features">Float features (pixels, tabular values) already preprocessed, flattened in the shape of the
/// teacher's input; null for text rows.</param>
/// <param name="AugmentationId">0 for the original row; 1..N for its augmented copies, so that (Id, AugmentationId)
/// identifies every row a transfer set holds.</param>
public sealed record DataRow(long Id, IReadOnlyList<string> Texts, string? Label, float[]? Features = null, int AugmentationId = 0);

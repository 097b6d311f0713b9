using Distill.Text;

namespace Distill.Cache;

/// <summary>A row as the teacher sees it: its identity and its encoded input (text or features).</summary>
/// <param name="RowId">The data row's id.</param>
/// <param name="AugmentationId">0 for the original, 1..N for augmented copies.</param>
/// <param name="Text">The text encoded with the teacher's tokenizer; null for float rows.</param>
/// <param name="Features">Float features (preprocessed for the teacher); null for text rows.</param>
public sealed record TeacherRow(long RowId, int AugmentationId, EncodedText? Text, float[]? Features = null)
{
    /// <summary>The row's length: tokens for text, 1 for float rows.</summary>
    public int Length => Text?.Length ?? 1;
}

namespace Distill.Text;

/// <summary>
/// A text (or sentence pair) encoded for one model's vocabulary, at its true length: no padding. The attention mask is
/// all ones over <see cref="Length"/>; batches pad it.
/// </summary>
/// <param name="InputIds">Token ids, [CLS] first and [SEP] after each segment.</param>
/// <param name="TokenTypeIds">Segment ids: 0 for the first text (with its [CLS] and [SEP]), 1 for the second.</param>
/// <param name="Truncated">True when the text was cut to fit the maximum length.</param>
public sealed record EncodedText(long[] InputIds, long[] TokenTypeIds, bool Truncated)
{
    /// <summary>Number of tokens.</summary>
    public int Length => InputIds.Length;
}

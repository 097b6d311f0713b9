namespace Distill.Text;

/// <summary>
/// Encoded texts padded into the row-major arrays a BERT-style model takes: [batch, sequence] input ids, attention mask
/// (1 on tokens, 0 on padding) and token type ids, as <c>long</c> (ONNX int64).
/// </summary>
/// <param name="InputIds">Token ids, padded with the padding id.</param>
/// <param name="AttentionMask">1 for a real token, 0 for padding.</param>
/// <param name="TokenTypeIds">Segment ids, padded with 0.</param>
/// <param name="BatchSize">Rows in the batch.</param>
/// <param name="SequenceLength">Tokens per row after padding.</param>
public sealed record TextBatch(long[] InputIds, long[] AttentionMask, long[] TokenTypeIds, int BatchSize, int SequenceLength)
{
    /// <summary>[<see cref="BatchSize"/>, <see cref="SequenceLength"/>], the dims of each array.</summary>
    public long[] Shape => [BatchSize, SequenceLength];

    /// <summary>
    /// Pads <paramref name="rows"/> to a common length: the longest row's, or <paramref name="padToLength"/> when given
    /// (for a model exported with a fixed sequence length).
    /// </summary>
    /// <param name="rows">At least one encoded text.</param>
    /// <param name="padToLength">The sequence length to pad to; null for the longest row's length.</param>
    /// <param name="padId">The padding token id; BERT vocabularies have [PAD] = 0.</param>
    /// <exception cref="ArgumentException">No rows, or <paramref name="padToLength"/> is shorter than the longest row.</exception>
    public static TextBatch Pad(IReadOnlyList<EncodedText> rows, int? padToLength = null, long padId = 0)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            throw new ArgumentException("a batch needs at least one row", nameof(rows));
        }

        var longest = rows.Max(r => r.Length);
        var length = padToLength ?? longest;
        if (length < longest)
        {
            throw new ArgumentException(
                $"pad length {length} is shorter than the longest row ({longest} tokens); encode with a max length of at most {length}",
                nameof(padToLength));
        }

        var ids = new long[rows.Count * length];
        var mask = new long[ids.Length];
        var types = new long[ids.Length];
        if (padId != 0)
        {
            Array.Fill(ids, padId);
        }

        for (var r = 0; r < rows.Count; r++)
        {
            var row = rows[r];
            row.InputIds.CopyTo(ids.AsSpan(r * length));
            row.TokenTypeIds.CopyTo(types.AsSpan(r * length));
            mask.AsSpan(r * length, row.Length).Fill(1);
        }

        return new TextBatch(ids, mask, types, rows.Count, length);
    }
}

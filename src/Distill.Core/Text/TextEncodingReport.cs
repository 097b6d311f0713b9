using System.Globalization;

namespace Distill.Text;

/// <summary>
/// What a <see cref="TextEncoder"/> did to the texts it encoded: how many, how many it had to truncate, and how long
/// they were, so that a caller can warn about truncation or pick a max length that covers the data.
/// </summary>
/// <param name="MaxLength">The encoder's max length setting, in tokens.</param>
/// <param name="Rows">Texts (or pairs) encoded.</param>
/// <param name="TruncatedRows">Of those, the ones cut to fit <paramref name="MaxLength"/>.</param>
/// <param name="LongestLength">The longest encoded length, in tokens with [CLS] and [SEP]s; 0 when nothing was encoded.</param>
/// <param name="MeanLength">The mean encoded length, in tokens; 0 when nothing was encoded.</param>
/// <param name="LongestUntruncatedLength">The length the longest row would have had without truncation: the max length
/// that would have kept every row whole.</param>
public sealed record TextEncodingReport(
    int MaxLength, long Rows, long TruncatedRows, int LongestLength, double MeanLength, int LongestUntruncatedLength)
{
    /// <summary>The share of rows truncated, in [0, 1]; 0 when nothing was encoded.</summary>
    public double TruncatedFraction => Rows == 0 ? 0 : (double)TruncatedRows / Rows;

    /// <summary>One line for logs, such as "872 rows, 0 truncated (0.0%) at max_length 128; tokens: mean 25.2, longest 66".</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture,
            $"{Rows} rows, {TruncatedRows} truncated ({TruncatedFraction * 100:F1}%) at max_length {MaxLength}; tokens: mean " +
            $"{MeanLength:F1}, longest {LongestLength}") +
        (TruncatedRows > 0 ? $" ({LongestUntruncatedLength} before truncation)" : "");
}

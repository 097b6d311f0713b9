using Distill.Text;

namespace Distill.MLNet;

/// <summary>
/// Settings of <see cref="TextTokenizerEstimator"/>: the tokenization (vocabulary, case, max length) and the columns
/// it reads and writes.
/// </summary>
public sealed record TextTokenizerOptions
{
    /// <summary>The vocabulary, lower-casing and max length (tokens, [CLS] and [SEP]s included; default 128). Required.</summary>
    public required TextEncoderOptions Encoder { get; init; }

    /// <summary>The text column (a <c>String</c>). Default <c>Text</c>.</summary>
    public string TextColumnName { get; init; } = DistillColumnNames.Text;

    /// <summary>The second text of a sentence pair (a <c>String</c>), or null for single texts (the default).</summary>
    public string? PairColumnName { get; init; }

    /// <summary>The token-ids column written. Default <c>InputIds</c>.</summary>
    public string InputIdsColumnName { get; init; } = DistillColumnNames.InputIds;

    /// <summary>The attention-mask column written. Default <c>AttentionMask</c>.</summary>
    public string AttentionMaskColumnName { get; init; } = DistillColumnNames.AttentionMask;

    /// <summary>The segment-ids column written. Default <c>TokenTypeIds</c>.</summary>
    public string TokenTypeIdsColumnName { get; init; } = DistillColumnNames.TokenTypeIds;

    /// <summary>Every problem with these settings, naming the setting, its value and the fix; empty when valid.</summary>
    public IEnumerable<string> Validate()
    {
        if (Encoder is null)
        {
            yield return "Encoder is required: give the vocabulary path (and case and max length) in TextEncoderOptions";
        }
        else
        {
            foreach (var error in Encoder.Validate())
            {
                yield return error;
            }
        }

        foreach (var error in Internal.ColumnNameChecks.Required(
                     (nameof(TextColumnName), TextColumnName), (nameof(InputIdsColumnName), InputIdsColumnName),
                     (nameof(AttentionMaskColumnName), AttentionMaskColumnName), (nameof(TokenTypeIdsColumnName), TokenTypeIdsColumnName)))
        {
            yield return error;
        }

        if (PairColumnName is not null && (string.IsNullOrWhiteSpace(PairColumnName) || PairColumnName == TextColumnName))
        {
            yield return $"PairColumnName must be null or a column other than TextColumnName (was '{PairColumnName}')";
        }

        foreach (var error in Internal.ColumnNameChecks.Distinct(
                     (nameof(InputIdsColumnName), InputIdsColumnName), (nameof(AttentionMaskColumnName), AttentionMaskColumnName),
                     (nameof(TokenTypeIdsColumnName), TokenTypeIdsColumnName)))
        {
            yield return error;
        }
    }
}

namespace Distill.Students;

/// <summary>
/// Settings of <see cref="TextCnnStudent"/> (Kim 2014, "Convolutional Neural Networks for Sentence Classification",
/// arXiv 1408.5882). Defaults are the paper's: filter widths 3, 4, 5 with 100 filters each, dropout 0.5, 300-wide
/// embeddings.
/// </summary>
public sealed record TextCnnStudentOptions : StudentOptions
{
    /// <summary>Vocabulary size. Default 30522 (bert-base-uncased).</summary>
    public int VocabSize { get; init; } = 30522;

    /// <summary>Embedding width. Default 300.</summary>
    public int EmbeddingDim { get; init; } = 300;

    /// <summary>Widths of the convolution windows, in tokens. Default [3, 4, 5].</summary>
    public IReadOnlyList<int> FilterWidths { get; init; } = [3, 4, 5];

    /// <summary>Filters per width. Default 100.</summary>
    public int FiltersPerWidth { get; init; } = 100;

    /// <summary>Dropout before the classifier, in [0, 1). Default 0.5.</summary>
    public double Dropout { get; init; } = 0.5;

    /// <inheritdoc />
    public override StudentKind Kind => StudentKind.TextCnn;

    /// <inheritdoc />
    protected override IEnumerable<string> ValidateArchitecture() =>
        AtLeast("vocab_size", VocabSize, 1)
            .Concat(AtLeast("embedding_dim", EmbeddingDim, 1))
            .Concat(AtLeast("filters_per_width", FiltersPerWidth, 1))
            .Concat(Probability("dropout", Dropout))
            .Concat(FilterWidths is null || FilterWidths.Count == 0
                ? ["filter_widths must list at least one width (was empty)"]
                : FilterWidths.Where(w => w < 1).Select(w => $"filter_widths must all be >= 1 (was {w})"));

    /// <inheritdoc />
    protected override StudentModel Build() => new TextCnnStudent(this);

    /// <inheritdoc />
    public bool Equals(TextCnnStudentOptions? other) =>
        other is not null && base.Equals(other) && VocabSize == other.VocabSize && EmbeddingDim == other.EmbeddingDim
        && FilterWidths.SequenceEqual(other.FilterWidths) && FiltersPerWidth == other.FiltersPerWidth && Dropout == other.Dropout;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(base.GetHashCode(), VocabSize, EmbeddingDim, FilterWidths.Count, FiltersPerWidth, Dropout);
}

namespace Distill.Students;

/// <summary>How a text student turns per-token states into one vector.</summary>
public enum SequencePooling
{
    /// <summary>The final states of the forward and backward directions, concatenated (Tang et al. 2019).</summary>
    Last,

    /// <summary>Element-wise maximum over the tokens.</summary>
    Max,

    /// <summary>Mean over the tokens.</summary>
    Mean,
}

/// <summary>
/// Settings of <see cref="BiLstmStudent"/>, after Tang et al. 2019 ("Distilling Task-Specific Knowledge from BERT into
/// Simple Neural Networks", arXiv 1903.12136): word embeddings, a bidirectional LSTM, a pooling, a ReLU layer and a
/// linear classifier. The defaults (300-wide embeddings, 150 units per direction, a 200-unit ReLU layer) are Distill's.
/// </summary>
public sealed record BiLstmStudentOptions : StudentOptions
{
    /// <summary>Vocabulary size. Default 30522 (bert-base-uncased).</summary>
    public int VocabSize { get; init; } = 30522;

    /// <summary>Embedding width. Default 300.</summary>
    public int EmbeddingDim { get; init; } = 300;

    /// <summary>LSTM units per direction. Default 150.</summary>
    public int HiddenSize { get; init; } = 150;

    /// <summary>Stacked LSTM layers. Default 1.</summary>
    public int Layers { get; init; } = 1;

    /// <summary>How token states become one vector. Default <see cref="SequencePooling.Last"/>.</summary>
    public SequencePooling Pooling { get; init; } = SequencePooling.Last;

    /// <summary>Width of the ReLU layer before the classifier. Default 200.</summary>
    public int MlpHidden { get; init; } = 200;

    /// <summary>Dropout on embeddings and the ReLU layer, in [0, 1). Default 0.1.</summary>
    public double Dropout { get; init; } = 0.1;

    /// <inheritdoc />
    public override StudentKind Kind => StudentKind.BiLstm;

    /// <inheritdoc />
    protected override IEnumerable<string> ValidateArchitecture() =>
        AtLeast("vocab_size", VocabSize, 1)
            .Concat(AtLeast("embedding_dim", EmbeddingDim, 1))
            .Concat(AtLeast("hidden_size", HiddenSize, 1))
            .Concat(AtLeast("layers", Layers, 1))
            .Concat(AtLeast("mlp_hidden", MlpHidden, 1))
            .Concat(Probability("dropout", Dropout))
            .Concat(Enum.IsDefined(Pooling) ? [] : [$"pooling must be last, max or mean (was {Pooling})"]);

    /// <inheritdoc />
    protected override StudentModel Build() => new BiLstmStudent(this);
}

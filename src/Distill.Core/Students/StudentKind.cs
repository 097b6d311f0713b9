namespace Distill.Students;

/// <summary>The student architectures Distill builds.</summary>
public enum StudentKind
{
    /// <summary>BERT-layout transformer encoder with pooler and classifier.</summary>
    Transformer,

    /// <summary>Bidirectional LSTM over word embeddings with a pooling and an MLP head (Tang et al. 2019).</summary>
    BiLstm,

    /// <summary>Convolutions of several widths over word embeddings with max-over-time pooling (Kim 2014).</summary>
    TextCnn,

    /// <summary>Multi-layer perceptron over a float vector.</summary>
    Mlp,

    /// <summary>Small residual CNN for images.</summary>
    ImageCnn,
}

using System.Globalization;

namespace Distill.Students;

/// <summary>The feed-forward activation of <see cref="TransformerStudent"/>.</summary>
public enum TransformerActivation
{
    /// <summary>The exact, erf-based GELU: BERT's <c>gelu</c>.</summary>
    Gelu,

    /// <summary>GELU's tanh approximation, 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))): Hugging Face's <c>gelu_new</c>
    /// and <c>gelu_pytorch_tanh</c>, and ONNX Runtime's FastGelu.</summary>
    GeluTanh,
}

/// <summary>How <see cref="TransformerStudent"/> turns its last hidden states into one vector for the classifier.</summary>
public enum TransformerPooling
{
    /// <summary>BERT's pooler: tanh(dense(hidden state of the first token, [CLS])). What BERT was pretrained with.</summary>
    Pooler,

    /// <summary>The mean of the hidden states of the tokens (padding left out), as sentence-transformers models such as
    /// all-MiniLM-L6-v2 were trained. The model then has no pooler weights.</summary>
    Mean,
}

/// <summary>
/// Settings of <see cref="TransformerStudent"/>, named as in Hugging Face's BertConfig. The defaults are
/// TinyBERT-4's shape (4 layers, hidden 312, 12 heads, intermediate 1200) over the bert-base-uncased vocabulary.
/// </summary>
public sealed record TransformerStudentOptions : StudentOptions
{
    /// <summary>Vocabulary size. Default 30522 (bert-base-uncased).</summary>
    public int VocabSize { get; init; } = 30522;

    /// <summary>Longest sequence the position embeddings cover. Default 512.</summary>
    public int MaxPositions { get; init; } = 512;

    /// <summary>Number of segment ids (2 for sentence pairs). Default 2.</summary>
    public int TypeVocabSize { get; init; } = 2;

    /// <summary>Encoder layers, ≥ 1. Default 4.</summary>
    public int Layers { get; init; } = 4;

    /// <summary>Hidden size; must be divisible by <see cref="Heads"/>. Default 312.</summary>
    public int Hidden { get; init; } = 312;

    /// <summary>Attention heads. Default 12.</summary>
    public int Heads { get; init; } = 12;

    /// <summary>Feed-forward inner size. Default 1200.</summary>
    public int Intermediate { get; init; } = 1200;

    /// <summary>Dropout on embeddings, sub-layer outputs and the classifier input, in [0, 1). Default 0.1.</summary>
    public double HiddenDropout { get; init; } = 0.1;

    /// <summary>Dropout on attention probabilities, in [0, 1). Default 0.1.</summary>
    public double AttentionDropout { get; init; } = 0.1;

    /// <summary>LayerNorm epsilon. Default 1e-12, as in BERT.</summary>
    public double LayerNormEps { get; init; } = 1e-12;

    /// <summary>The feed-forward activation. Default <see cref="TransformerActivation.Gelu"/> (exact), as in BERT.</summary>
    public TransformerActivation Activation { get; init; } = TransformerActivation.Gelu;

    /// <summary>What the classifier reads. Default <see cref="TransformerPooling.Pooler"/>, as in BERT.</summary>
    public TransformerPooling Pooling { get; init; } = TransformerPooling.Pooler;

    /// <summary>BERT-base's shape: 12 layers, hidden 768, 12 heads, intermediate 3072.</summary>
    public static TransformerStudentOptions BertBase(int numLabels = 2, int vocabSize = 30522) =>
        new() { NumLabels = numLabels, VocabSize = vocabSize, Layers = 12, Hidden = 768, Heads = 12, Intermediate = 3072 };

    /// <summary>TinyBERT-4's shape: 4 layers, hidden 312, 12 heads, intermediate 1200 (the defaults).</summary>
    public static TransformerStudentOptions TinyBert4(int numLabels = 2, int vocabSize = 30522) =>
        new() { NumLabels = numLabels, VocabSize = vocabSize };

    /// <inheritdoc />
    public override StudentKind Kind => StudentKind.Transformer;

    /// <summary>Size of one attention head: hidden / heads.</summary>
    public int HeadSize => Heads > 0 ? Hidden / Heads : 0;

    /// <inheritdoc />
    protected override IEnumerable<string> ValidateArchitecture()
    {
        var errors = AtLeast("vocab_size", VocabSize, 1)
            .Concat(AtLeast("max_positions", MaxPositions, 1))
            .Concat(AtLeast("type_vocab_size", TypeVocabSize, 1))
            .Concat(AtLeast("layers", Layers, 1))
            .Concat(AtLeast("hidden", Hidden, 1))
            .Concat(AtLeast("heads", Heads, 1))
            .Concat(AtLeast("intermediate", Intermediate, 1))
            .Concat(Probability("hidden_dropout", HiddenDropout))
            .Concat(Probability("attention_dropout", AttentionDropout))
            .ToList();
        if (Hidden >= 1 && Heads >= 1 && Hidden % Heads != 0)
        {
            errors.Add($"hidden ({Hidden}) must be divisible by heads ({Heads})");
        }

        if (!(LayerNormEps > 0))
        {
            errors.Add($"layer_norm_eps must be > 0 (was {LayerNormEps.ToString(CultureInfo.InvariantCulture)})");
        }

        return errors;
    }

    /// <inheritdoc />
    protected override StudentModel Build() => new TransformerStudent(this);
}

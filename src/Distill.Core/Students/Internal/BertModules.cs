using Distill.Losses;
using TorchSharp.Modules;
using static TorchSharp.torch;

// Module classes of the BERT-layout transformer. Their field names are the state-dict keys, so they follow Hugging
// Face's BertForSequenceClassification exactly ("bert.encoder.layer.0.attention.self.query.weight", ...): checkpoints
// load by name and exported ONNX initializers carry the same names. Hence the lower-case and LayerNorm field names.
#pragma warning disable IDE1006, SA1300, SA1307

namespace Distill.Students.Internal;

/// <summary>What one encoder layer hands back.</summary>
internal readonly record struct LayerResult(Tensor Hidden, Tensor Scores, Tensor Probabilities, Tensor Values);

internal sealed class BertEmbeddings : nn.Module
{
    private readonly Embedding word_embeddings;
    private readonly Embedding position_embeddings;
    private readonly Embedding token_type_embeddings;
    private readonly LayerNorm LayerNorm;
    private readonly Dropout dropout;

    public BertEmbeddings(TransformerStudentOptions o)
        : base(nameof(BertEmbeddings))
    {
        word_embeddings = nn.Embedding(o.VocabSize, o.Hidden);
        position_embeddings = nn.Embedding(o.MaxPositions, o.Hidden);
        token_type_embeddings = nn.Embedding(o.TypeVocabSize, o.Hidden);
        LayerNorm = nn.LayerNorm(o.Hidden, o.LayerNormEps);
        dropout = nn.Dropout(o.HiddenDropout);
        RegisterComponents();
    }

    public Tensor Forward(Tensor inputIds, Tensor tokenTypeIds)
    {
        var positions = HeldScalarOps.Range(inputIds.shape[1], ScalarType.Int64, inputIds.device).unsqueeze(0);
        var sum = word_embeddings.call(inputIds).Plus(position_embeddings.call(positions)).Plus(token_type_embeddings.call(tokenTypeIds));
        return dropout.call(LayerNorm.call(sum));
    }
}

internal sealed class BertSelfAttention : nn.Module
{
    private readonly Linear query;
    private readonly Linear key;
    private readonly Linear value;
    private readonly Dropout dropout;
    private readonly int _heads;
    private readonly int _headSize;

    public BertSelfAttention(TransformerStudentOptions o)
        : base(nameof(BertSelfAttention))
    {
        query = nn.Linear(o.Hidden, o.Hidden);
        key = nn.Linear(o.Hidden, o.Hidden);
        value = nn.Linear(o.Hidden, o.Hidden);
        dropout = nn.Dropout(o.AttentionDropout);
        _heads = o.Heads;
        _headSize = o.HeadSize;
        RegisterComponents();
    }

    /// <summary>[batch, seq, hidden] → [batch, heads, seq, head size].</summary>
    private Tensor SplitHeads(Tensor x) => x.view(x.shape[0], x.shape[1], _heads, _headSize).transpose(1, 2);

    public (Tensor Context, Tensor Scores, Tensor Probabilities, Tensor Values) Forward(Tensor hidden, Tensor additiveMask)
    {
        var q = SplitHeads(query.call(hidden));
        var k = SplitHeads(key.call(hidden));
        var v = SplitHeads(value.call(hidden));
        var scores = q.matmul(k.transpose(-1, -2)).DividedBy(Math.Sqrt(_headSize));
        var probabilities = scores.Plus(additiveMask).softmax(-1);
        var context = dropout.call(probabilities).matmul(v);
        var merged = context.transpose(1, 2).reshape(hidden.shape[0], hidden.shape[1], _heads * _headSize);
        return (merged, scores, probabilities, v);
    }
}

internal sealed class BertSelfOutput : nn.Module
{
    private readonly Linear dense;
    private readonly LayerNorm LayerNorm;
    private readonly Dropout dropout;

    public BertSelfOutput(int inner, TransformerStudentOptions o)
        : base(nameof(BertSelfOutput))
    {
        dense = nn.Linear(inner, o.Hidden);
        LayerNorm = nn.LayerNorm(o.Hidden, o.LayerNormEps);
        dropout = nn.Dropout(o.HiddenDropout);
        RegisterComponents();
    }

    /// <summary>Post-LayerNorm residual, as in BERT: LayerNorm(dropout(dense(x)) + residual).</summary>
    public Tensor Forward(Tensor x, Tensor residual) => LayerNorm.call(dropout.call(dense.call(x)).Plus(residual));
}

internal sealed class BertAttention : nn.Module
{
    private readonly BertSelfAttention self;
    private readonly BertSelfOutput output;

    public BertAttention(TransformerStudentOptions o)
        : base(nameof(BertAttention))
    {
        self = new BertSelfAttention(o);
        output = new BertSelfOutput(o.Hidden, o);
        RegisterComponents();
    }

    public LayerResult Forward(Tensor hidden, Tensor additiveMask)
    {
        var (context, scores, probabilities, values) = self.Forward(hidden, additiveMask);
        return new LayerResult(output.Forward(context, hidden), scores, probabilities, values);
    }
}

internal sealed class BertIntermediate : nn.Module
{
    private readonly Linear dense;
    private readonly TransformerActivation _activation;

    public BertIntermediate(TransformerStudentOptions o)
        : base(nameof(BertIntermediate))
    {
        dense = nn.Linear(o.Hidden, o.Intermediate);
        _activation = o.Activation;
        RegisterComponents();
    }

    // BERT's "gelu" is the exact, erf-based GELU; some exports use the tanh approximation.
    public Tensor Forward(Tensor x) => _activation == TransformerActivation.GeluTanh
        ? nn.functional.gelu(dense.call(x), GELU.Approximate.tanh)
        : nn.functional.gelu(dense.call(x));
}

internal sealed class BertLayer : nn.Module
{
    private readonly BertAttention attention;
    private readonly BertIntermediate intermediate;
    private readonly BertSelfOutput output;

    public BertLayer(TransformerStudentOptions o)
        : base(nameof(BertLayer))
    {
        attention = new BertAttention(o);
        intermediate = new BertIntermediate(o);
        output = new BertSelfOutput(o.Intermediate, o);
        RegisterComponents();
    }

    public LayerResult Forward(Tensor hidden, Tensor additiveMask)
    {
        var attended = attention.Forward(hidden, additiveMask);
        return attended with { Hidden = output.Forward(intermediate.Forward(attended.Hidden), attended.Hidden) };
    }
}

internal sealed class BertEncoder : nn.Module
{
    private readonly ModuleList<BertLayer> layer;

    public BertEncoder(TransformerStudentOptions o)
        : base(nameof(BertEncoder))
    {
        layer = nn.ModuleList(Enumerable.Range(0, o.Layers).Select(_ => new BertLayer(o)).ToArray());
        RegisterComponents();
    }

    public IEnumerable<BertLayer> Layers => layer;
}

internal sealed class BertPooler : nn.Module
{
    private readonly Linear dense;

    public BertPooler(TransformerStudentOptions o)
        : base(nameof(BertPooler))
    {
        dense = nn.Linear(o.Hidden, o.Hidden);
        RegisterComponents();
    }

    /// <summary>tanh(dense(hidden of the first token, [CLS])).</summary>
    public Tensor Forward(Tensor hidden) => dense.call(hidden.select(1, 0)).tanh();
}

internal sealed class BertModel : nn.Module
{
    private readonly BertEmbeddings embeddings;
    private readonly BertEncoder encoder;
    private readonly BertPooler? pooler;

    public BertModel(TransformerStudentOptions o)
        : base(nameof(BertModel))
    {
        embeddings = new BertEmbeddings(o);
        encoder = new BertEncoder(o);

        // Mean pooling has no weights: a pooler nobody reads would only be counted, saved and exported.
        pooler = o.Pooling == TransformerPooling.Pooler ? new BertPooler(o) : null;
        RegisterComponents();
    }

    public BertEmbeddings Embeddings => embeddings;

    public BertEncoder Encoder => encoder;

    /// <summary>The pooler, or null under mean pooling.</summary>
    public BertPooler? Pooler => pooler;
}

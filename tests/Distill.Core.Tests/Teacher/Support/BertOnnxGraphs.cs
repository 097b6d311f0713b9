using System.Runtime.InteropServices;
using Distill.Students;
using Google.Protobuf;
using Onnx;
using static TorchSharp.torch;
using DataType = Onnx.TensorProto.Types.DataType;

// Compiled into Distill.Core.Tests and, linked, into Distill.Cli.Tests: public Distill API only.
using static Distill.Core.Tests.Teacher.Support.OnnxProto;

namespace Distill.Core.Tests.Teacher.Support;

/// <summary>How nodes, tensors and weights are named.</summary>
internal enum GraphNaming
{
    /// <summary>PyTorch 2.x: nodes <c>/encoder/layer.0/attention/self/query/MatMul</c>, tensors <c>..._output_0</c>,
    /// MatMul weights <c>onnx::MatMul_788</c>, constants as Constant nodes.</summary>
    Scoped,

    /// <summary>PyTorch 1.x: nodes <c>MatMul_34</c>, tensors and MatMul weights numbered (<c>148</c>, <c>927</c>),
    /// the reshapes' constant parts as int64 initializers.</summary>
    Numbered,
}

/// <summary>How a Linear is written.</summary>
internal enum LinearForm
{
    /// <summary>torch.onnx: MatMul by the weight stored transposed ([in, out]), then <c>Add(bias, x)</c>; the pooler
    /// and classifier, on 2-D input, as Gemm with transB = 1.</summary>
    MatMul,

    /// <summary>MatMul by <c>Transpose(W)</c> of the [out, in] weight, then <c>Add(x, bias)</c>.</summary>
    TransposedMatMul,

    /// <summary>Gemm with transB = 1 and the bias fused, on [batch·sequence, hidden] rows (Distill's exporter).</summary>
    Gemm,
}

/// <summary>How the LayerNorms are written.</summary>
internal enum NormForm
{
    /// <summary>ReduceMean, Sub, Pow 2, ReduceMean, Add ε, Sqrt, Div, Mul γ, Add β (torch.onnx below opset 17).</summary>
    Decomposed,

    /// <summary>LayerNormalization (opset 17).</summary>
    Fused,

    /// <summary>The layers' residual LayerNorms as com.microsoft SkipLayerNormalization with the projection's bias in
    /// its bias input (the MatMul or Gemm then has none); the embeddings' as LayerNormalization.</summary>
    Skip,

    /// <summary>No LayerNorm at all (for the refusal).</summary>
    None,
}

/// <summary>How the feed-forward activation is written.</summary>
internal enum GeluForm
{
    /// <summary>x·0.5·(1 + erf(x/√2)) as torch writes it: Div, Erf, Add, Mul, Mul.</summary>
    Erf,

    /// <summary>The tanh formula (Hugging Face's gelu_new): Mul, Pow 3, Mul, Add, Mul, Tanh, Add, Mul.</summary>
    Tanh,

    /// <summary>com.microsoft FastGelu (the tanh approximation) with the first projection's bias as its bias input.</summary>
    FastGelu,

    /// <summary>com.microsoft BiasGelu (exact GELU) with the first projection's bias as its bias input.</summary>
    BiasGelu,

    /// <summary>Relu (for the refusal).</summary>
    Relu,
}

/// <summary>Where the attention's 1/√d goes.</summary>
internal enum ScaleForm
{
    /// <summary>Div of Q·Kᵀ by √d, as BERT writes it.</summary>
    OnScores,

    /// <summary>Mul of Q and of Kᵀ by d^-0.25 each.</summary>
    OnQueryAndKey,
}

/// <summary>How the position ids are made.</summary>
internal enum PositionForm
{
    /// <summary>Slice of a constant position_ids [1, max] initializer to the sequence length (torch.onnx).</summary>
    Slice,

    /// <summary>Range(0, sequence length, 1) (Distill's exporter).</summary>
    Range,
}

/// <summary>The export style of a <see cref="BertOnnxGraphs"/> graph; each option combines with the others.</summary>
internal sealed record BertGraphStyle
{
    public GraphNaming Naming { get; init; }

    /// <summary>Every initializer anonymous (biases and LayerNorm weights too), not only the transposed MatMul weights.</summary>
    public bool AnonymousWeights { get; init; }

    public LinearForm Linear { get; init; }

    public NormForm Norm { get; init; }

    public GeluForm Gelu { get; init; }

    public ScaleForm Scale { get; init; }

    /// <summary>The graph's attention scale is this times 1/√d, and its query weights are divided by it, so that it
    /// computes what the student does. 1: the standard scale.</summary>
    public double ScaleFactor { get; init; } = 1;

    public PositionForm Positions { get; init; }

    /// <summary>Rows the position ids start at (RoBERTa starts at 2); the table gets that many zero rows first.</summary>
    public int PositionOffset { get; init; }

    /// <summary>A token_type_ids input and segment table; without, the student's segment row 0 must be zero.</summary>
    public bool Segments { get; init; } = true;

    /// <summary>The pooler, when the student has one (<see cref="TransformerPooling.Pooler"/>).</summary>
    public bool Pooler { get; init; } = true;

    /// <summary>The classifier, over the pooler or, for a <see cref="TransformerPooling.Mean"/> student, over the masked mean.</summary>
    public bool Classifier { get; init; } = true;

    public bool MaskInput { get; init; } = true;

    /// <summary>Pre-LayerNorm layers (x + f(LN(x)), a final LayerNorm), which the student is not (for the refusal).</summary>
    public bool PreLayerNorm { get; init; }
}

/// <summary>
/// Writes a <see cref="TransformerStudent"/>'s computation as an ONNX graph in the styles real exporters use
/// (<see cref="BertGraphStyle"/>): torch.onnx's anonymous transposed MatMul weights, decomposed LayerNorm, Erf GELU and
/// Shape/Gather/Concat reshapes, Gemm rows, fused and ONNX Runtime contrib ops. The graph computes what the student
/// does, so the student is the reference for an import of it. Outputs: <c>last_hidden_state</c>, then
/// <c>pooler_output</c> and <c>logits</c> when written.
/// </summary>
internal sealed class BertOnnxGraphs
{
    private const string Microsoft = "com.microsoft";

    private readonly GraphProto _graph = new() { Name = "main_graph" };
    private readonly BertGraphStyle _style;
    private readonly TransformerStudentOptions _o;
    private readonly Dictionary<string, (long[] Shape, float[] Values)> _weights = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _scoped = new(StringComparer.Ordinal);
    private readonly HashSet<string> _named = new(StringComparer.Ordinal);
    private int _nodes;
    private int _tensors = 100;
    private int _anonymous = 700;

    private BertOnnxGraphs(TransformerStudent student, BertGraphStyle style)
    {
        _style = style;
        _o = student.Settings;
        using var scope = NewDisposeScope();
        foreach (var (key, value) in student.state_dict())
        {
            _weights[key] = (value.shape, value.detach().to(ScalarType.Float32).contiguous().data<float>().ToArray());
        }
    }

    /// <summary>The graph of <paramref name="student"/> in <paramref name="style"/> (default: PyTorch 2.x's torch.onnx).</summary>
    public static ModelProto Build(TransformerStudent student, BertGraphStyle? style = null)
    {
        style ??= new BertGraphStyle();
        var builder = new BertOnnxGraphs(student, style);
        builder.Write();
        var model = new ModelProto { IrVersion = 8, ProducerName = "pytorch", ProducerVersion = style.Naming == GraphNaming.Scoped ? "2.1.0" : "1.10", Graph = builder._graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = style.Norm is NormForm.Fused or NormForm.Skip ? 17 : 14 });
        if (builder._graph.Node.Any(n => n.Domain == Microsoft))
        {
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = Microsoft, Version = 1 });
        }

        return model;
    }

    public static void Write(ModelProto model, string path)
    {
        using var stream = File.Create(path);
        model.WriteTo(stream);
    }

    /// <summary>
    /// Moves every float initializer of at least <paramref name="minimumElements"/> values into
    /// <paramref name="fileName"/> beside the model, one after the other after a header, so that each is read at an offset.
    /// </summary>
    public static int MoveToExternalData(ModelProto model, string folder, string fileName, int minimumElements)
    {
        using var stream = File.Create(Path.Combine(folder, fileName));
        stream.Write(new byte[64]);
        var moved = 0;
        foreach (var initializer in model.Graph.Initializer.Where(i => i.DataType == (int)DataType.Float && i.Dims.Aggregate(1L, (p, d) => p * d) >= minimumElements))
        {
            var bytes = initializer.RawData.ToByteArray();
            var offset = stream.Position;
            stream.Write(bytes);
            stream.Write(new byte[(64 - (bytes.Length % 64)) % 64]);
            initializer.RawData = ByteString.Empty;
            initializer.DataLocation = TensorProto.Types.DataLocation.External;
            initializer.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = fileName });
            initializer.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            initializer.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = bytes.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            moved++;
        }

        return moved;
    }

    private bool Rows => _style.Linear == LinearForm.Gemm;

    private string Root => _style.Classifier ? "/bert" : string.Empty;

    private void Write()
    {
        var o = _o;
        _graph.Input.Add(Value("input_ids", DataType.Int64, "batch_size", "sequence_length"));
        if (_style.MaskInput)
        {
            _graph.Input.Add(Value("attention_mask", DataType.Int64, "batch_size", "sequence_length"));
        }

        if (_style.Segments)
        {
            _graph.Input.Add(Value("token_type_ids", DataType.Int64, "batch_size", "sequence_length"));
        }

        // get_extended_attention_mask, (1 − mask[:, None, None, :])·−10000, comes first in torch's node order, then the
        // position ids (a Shape of input_ids: not the first reader of the token ids to be an embedding).
        string? extendedMask = null;
        if (_style.MaskInput)
        {
            var mask = Node(Root, "Cast", [Node(Root, "Unsqueeze", [Node(Root, "Unsqueeze", ["attention_mask", Ints(Root, 1)]), Ints(Root, 2)])], Int("to", (long)DataType.Float));
            extendedMask = Node(Root, "Mul", [Node(Root, "Sub", [FloatScalar(Root, 1f), mask]), FloatScalar(Root, TransformerStudent.MaskValue)]);
        }

        // Embeddings: (words + segments) + positions, then LayerNorm.
        var e = Root + "/embeddings";
        var positionIds = PositionIds(e);
        var embeddings = Node(e + "/word_embeddings", "Gather", [Weight("bert.embeddings.word_embeddings.weight", "Gather"), "input_ids"]);
        if (_style.Segments)
        {
            embeddings = Node(e, "Add", [embeddings, Node(e + "/token_type_embeddings", "Gather", [Weight("bert.embeddings.token_type_embeddings.weight", "Gather"), "token_type_ids"])]);
        }

        embeddings = Node(e, "Add", [embeddings, Node(e + "/position_embeddings", "Gather", [PositionTable(), positionIds])]);
        var hidden = LayerNorm(e + "/LayerNorm", embeddings, null, "bert.embeddings.LayerNorm", null, e);

        if (Rows)
        {
            hidden = Node(Root + "/encoder", "Reshape", [hidden, Ints(Root + "/encoder", -1, o.Hidden)]);
        }

        for (var i = 0; i < o.Layers; i++)
        {
            hidden = _style.PreLayerNorm ? PreNormLayer(i, hidden, extendedMask) : Layer(i, hidden, extendedMask);
        }

        if (_style.PreLayerNorm)
        {
            hidden = LayerNorm(Root + "/encoder/LayerNorm", hidden, null, $"bert.encoder.layer.{o.Layers - 1}.output.LayerNorm", null, Root + "/encoder");
        }

        if (Rows)
        {
            hidden = Node(Root + "/encoder", "Reshape", [hidden, Node(Root + "/encoder", "Concat", [Node(Root + "/encoder", "Shape", ["input_ids"]), Ints(Root + "/encoder", o.Hidden)], Int("axis", 0))]);
        }

        hidden = Rename(hidden, "last_hidden_state");
        _graph.Output.Add(Value(hidden, DataType.Float, "batch_size", "sequence_length", o.Hidden));

        string? pooled = null;
        if (o.Pooling == TransformerPooling.Pooler && _style.Pooler)
        {
            var p = Root + "/pooler";
            var first = Node(p, "Gather", [hidden, IntScalar(p, 0)], Int("axis", 1));
            pooled = Rename(Node(p + "/activation", "Tanh", [HeadLinear(p + "/dense", first, "bert.pooler.dense")]), "pooler_output");
            _graph.Output.Add(Value(pooled, DataType.Float, "batch_size", o.Hidden));
        }
        else if (o.Pooling == TransformerPooling.Mean && _style.Classifier)
        {
            // sentence-transformers' mean: sum(hidden·mask) / clamp(sum(mask), 1e-9).
            const string m = "/pooling";
            var weights = Node(m, "Cast", [Node(m, "Unsqueeze", ["attention_mask", Ints(m, 2)])], Int("to", (long)DataType.Float));
            var summed = Node(m, "ReduceSum", [Node(m, "Mul", [hidden, weights]), Ints(m, 1)], Int("keepdims", 0));
            var count = Node(m, "Clip", [Node(m, "ReduceSum", [weights, Ints(m, 1)], Int("keepdims", 0)), FloatScalar(m, 1e-9f)]);
            pooled = Node(m, "Div", [summed, count]);
        }

        if (_style.Classifier && pooled is not null)
        {
            var logits = Rename(HeadLinear("/classifier", pooled, "classifier"), "logits");
            _graph.Output.Add(Value(logits, DataType.Float, "batch_size", o.NumLabels));
        }
    }

    private string Layer(int i, string hidden, string? extendedMask)
    {
        var p = $"{Root}/encoder/layer.{i}";
        var w = $"bert.encoder.layer.{i}";
        var skip = _style.Norm == NormForm.Skip;
        var context = SelfAttention(p + "/attention/self", w + ".attention.self", hidden, extendedMask);
        var attended = LayerNorm(p + "/attention/output/LayerNorm", Linear(p + "/attention/output/dense", context, w + ".attention.output.dense", bias: !skip), hidden,
            w + ".attention.output.LayerNorm", skip ? w + ".attention.output.dense.bias" : null, p + "/attention/output");
        var inner = Activation(p + "/intermediate", attended, w + ".intermediate.dense");
        return LayerNorm(p + "/output/LayerNorm", Linear(p + "/output/dense", inner, w + ".output.dense", bias: !skip), attended,
            w + ".output.LayerNorm", skip ? w + ".output.dense.bias" : null, p + "/output");
    }

    // x + attention(LN(x)), then x + ffn(LN(x)): GPT-2's and pre-LN BERT variants' layer, not the student's.
    private string PreNormLayer(int i, string hidden, string? extendedMask)
    {
        var p = $"{Root}/encoder/layer.{i}";
        var w = $"bert.encoder.layer.{i}";
        var normed = LayerNorm(p + "/attention/LayerNorm", hidden, null, w + ".attention.output.LayerNorm", null, p + "/attention");
        var context = SelfAttention(p + "/attention/self", w + ".attention.self", normed, extendedMask);
        hidden = Node(p + "/attention", "Add", [Linear(p + "/attention/output/dense", context, w + ".attention.output.dense"), hidden]);
        normed = LayerNorm(p + "/LayerNorm", hidden, null, w + ".output.LayerNorm", null, p);
        return Node(p + "/output", "Add", [Linear(p + "/output/dense", Activation(p + "/intermediate", normed, w + ".intermediate.dense"), w + ".output.dense"), hidden]);
    }

    // Softmax(Q·Kᵀ/√d + mask)·V, heads merged back: the context the output projection reads.
    private string SelfAttention(string a, string w, string hidden, string? extendedMask)
    {
        var o = _o;
        var scale = _style.ScaleFactor / Math.Sqrt(o.HeadSize);
        var query = ToHeads(a, Linear(a + "/query", hidden, w + ".query", factor: 1 / _style.ScaleFactor), 0, 2, 1, 3);
        var key = ToHeads(a, Linear(a + "/key", hidden, w + ".key"), 0, 2, 3, 1);
        var value = ToHeads(a, Linear(a + "/value", hidden, w + ".value"), 0, 2, 1, 3);
        string scores;
        if (_style.Scale == ScaleForm.OnQueryAndKey)
        {
            var root = (float)Math.Sqrt(scale);
            scores = Node(a, "MatMul", [Node(a, "Mul", [query, FloatScalar(a, root)]), Node(a, "Mul", [key, FloatScalar(a, root)])]);
        }
        else
        {
            scores = Node(a, "Div", [Node(a, "MatMul", [query, key]), FloatScalar(a, (float)(1 / scale))]);
        }

        if (extendedMask is not null)
        {
            scores = Node(a, "Add", [scores, extendedMask]);
        }

        var context = Node(a, "Transpose", [Node(a, "MatMul", [Node(a, "Softmax", [scores], Int("axis", -1)), value])], OnnxProto.Ints("perm", 0, 2, 1, 3));
        var merged = Rows ? Ints(a, -1, o.Hidden) : Node(a, "Concat", [.. Leading(a, context), Ints(a, o.Hidden)], Int("axis", 0));
        return Node(a, "Reshape", [context, merged]);
    }

    // transpose_for_scores: view(batch, sequence, heads, head size) then permute; K's permute merged with its transpose.
    private string ToHeads(string scope, string x, params long[] perm)
    {
        var shape = Rows
            ? Node(scope, "Concat", [Node(scope, "Shape", ["input_ids"]), Ints(scope, _o.Heads, _o.HeadSize)], Int("axis", 0))
            : Node(scope, "Concat", [.. Leading(scope, x), Ints(scope, _o.Heads), Ints(scope, _o.HeadSize)], Int("axis", 0));
        return Node(scope, "Transpose", [Node(scope, "Reshape", [x, shape])], OnnxProto.Ints("perm", perm));
    }

    // x.size()[:2] as torch writes it: Shape, Gather of each index, Unsqueeze each to 1-D.
    private string[] Leading(string scope, string x) =>
        Enumerable.Range(0, 2)
            .Select(i => Node(scope, "Unsqueeze", [Node(scope, "Gather", [Node(scope, "Shape", [x]), IntScalar(scope, i)], Int("axis", 0)), Ints(scope, 0)]))
            .ToArray();

    private string Activation(string scope, string x, string key)
    {
        var biasInActivation = _style.Gelu is GeluForm.FastGelu or GeluForm.BiasGelu;
        x = Linear(scope + "/dense", x, key, bias: !biasInActivation);
        var f = scope + "/intermediate_act_fn";
        switch (_style.Gelu)
        {
            case GeluForm.Erf:
            {
                var erf = Node(f, "Erf", [Node(f, "Div", [x, FloatScalar(f, 1.4142135381698608f)])]);
                return Node(f, "Mul", [Node(f, "Mul", [x, Node(f, "Add", [erf, FloatScalar(f, 1f)])]), FloatScalar(f, 0.5f)]);
            }

            case GeluForm.Tanh:
            {
                var half = Node(f, "Mul", [FloatScalar(f, 0.5f), x]);
                var cube = Node(f, "Mul", [FloatScalar(f, 0.044715f), Node(f, "Pow", [x, FloatScalar(f, 3f)])]);
                var inner = Node(f, "Mul", [FloatScalar(f, (float)Math.Sqrt(2 / Math.PI)), Node(f, "Add", [x, cube])]);
                return Node(f, "Mul", [half, Node(f, "Add", [FloatScalar(f, 1f), Node(f, "Tanh", [inner])])]);
            }

            case GeluForm.FastGelu:
                return Node(f, "FastGelu", [x, Weight(key + ".bias", "FastGelu")], Microsoft);
            case GeluForm.BiasGelu:
                return Node(f, "BiasGelu", [x, Weight(key + ".bias", "BiasGelu")], Microsoft);
            default:
                return Node(f, "Relu", [x]);
        }
    }

    // LayerNorm(x + residual) in the style's form; the residual Add belongs to the enclosing module, as in torch.
    private string LayerNorm(string scope, string x, string? residual, string key, string? skipBias, string residualScope)
    {
        if (_style.Norm == NormForm.Skip && residual is not null)
        {
            string[] inputs = [x, residual, Weight(key + ".weight", "SkipLayerNormalization"), Weight(key + ".bias", "SkipLayerNormalization")];
            return Node(scope, "SkipLayerNormalization", skipBias is null ? inputs : [.. inputs, Weight(skipBias, "SkipLayerNormalization")], Microsoft, Float("epsilon", (float)_o.LayerNormEps));
        }

        if (residual is not null)
        {
            x = Node(residualScope, "Add", [x, residual]);
        }

        switch (_style.Norm)
        {
            case NormForm.None:
                return x;
            case NormForm.Fused or NormForm.Skip:
                return Node(scope, "LayerNormalization", [x, Weight(key + ".weight", "LayerNormalization"), Weight(key + ".bias", "LayerNormalization")], Int("axis", -1), Float("epsilon", (float)_o.LayerNormEps));
        }

        var centered = Node(scope, "Sub", [x, Node(scope, "ReduceMean", [x], OnnxProto.Ints("axes", -1))]);
        var variance = Node(scope, "ReduceMean", [Node(scope, "Pow", [centered, FloatScalar(scope, 2f)])], OnnxProto.Ints("axes", -1));
        var normalized = Node(scope, "Div", [centered, Node(scope, "Sqrt", [Node(scope, "Add", [variance, FloatScalar(scope, (float)_o.LayerNormEps)])])]);
        return Node(scope, "Add", [Node(scope, "Mul", [normalized, Weight(key + ".weight", "Mul")]), Weight(key + ".bias", "Add")]);
    }

    // x·Wᵀ (+ b) in the style's form; factor scales W and b (the query's, under a non-standard attention scale).
    private string Linear(string scope, string x, string key, bool bias = true, double factor = 1, LinearForm? form = null)
    {
        var (shape, weight) = _weights[key + ".weight"];
        var (outSize, inSize) = ((int)shape[0], (int)shape[1]);
        var scaled = factor == 1 ? weight : weight.Select(v => (float)(v * factor)).ToArray();
        string Bias() => factor == 1 ? Weight(key + ".bias", "Add") : Anonymous("Add", [outSize], _weights[key + ".bias"].Values.Select(v => (float)(v * factor)).ToArray());
        switch (form ?? _style.Linear)
        {
            case LinearForm.MatMul:
            {
                // torch.onnx stores the weight transposed, under a name of its own.
                var transposed = new float[scaled.Length];
                for (var r = 0; r < outSize; r++)
                {
                    for (var c = 0; c < inSize; c++)
                    {
                        transposed[(c * outSize) + r] = scaled[(r * inSize) + c];
                    }
                }

                var product = Node(scope, "MatMul", [x, Anonymous("MatMul", [inSize, outSize], transposed)]);
                return bias ? Node(scope, "Add", [Bias(), product]) : product;
            }

            case LinearForm.TransposedMatMul:
            {
                var stored = factor == 1 ? Weight(key + ".weight", "Transpose") : Anonymous("Transpose", [outSize, inSize], scaled);
                var product = Node(scope, "MatMul", [x, Node(scope, "Transpose", [stored], OnnxProto.Ints("perm", 1, 0))]);
                return bias ? Node(scope, "Add", [product, Bias()]) : product;
            }

            default:
            {
                var stored = factor == 1 ? Weight(key + ".weight", "Gemm") : Anonymous("Gemm", [outSize, inSize], scaled);
                return Node(scope, "Gemm", bias ? [x, stored, Bias()] : [x, stored], Float("alpha", 1f), Float("beta", 1f), Int("transB", 1));
            }
        }
    }

    // The pooler and classifier read 2-D input, which torch writes as Gemm.
    private string HeadLinear(string scope, string x, string key) =>
        Linear(scope, x, key, form: _style.Linear == LinearForm.MatMul ? LinearForm.Gemm : _style.Linear);

    private string PositionTable()
    {
        var (shape, values) = _weights["bert.embeddings.position_embeddings.weight"];
        if (_style.PositionOffset == 0)
        {
            return Weight("bert.embeddings.position_embeddings.weight", "Gather");
        }

        var offset = _style.PositionOffset * (int)shape[1];
        var shifted = new float[offset + values.Length];
        values.CopyTo(shifted, offset);
        return Anonymous("Gather", [shape[0] + _style.PositionOffset, shape[1]], shifted);
    }

    private string PositionIds(string e)
    {
        var length = Node(e, "Gather", [Node(e, "Shape", ["input_ids"]), IntScalar(e, 1)], Int("axis", 0));
        if (_style.Positions == PositionForm.Range)
        {
            return Node(e, "Unsqueeze", [Node(e, "Range", [IntScalar(e, _style.PositionOffset), Node(e, "Add", [length, IntScalar(e, _style.PositionOffset)]), IntScalar(e, 1)]), Ints(e, 0)]);
        }

        var table = _o.MaxPositions + _style.PositionOffset;
        var ids = new TensorProto { Name = "bert.embeddings.position_ids", DataType = (int)DataType.Int64, Dims = { 1, table } };
        ids.Int64Data.AddRange(Enumerable.Range(0, table).Select(i => (long)i));
        _graph.Initializer.Add(ids);
        var end = Node(e, "Unsqueeze", [Node(e, "Add", [length, IntScalar(e, _style.PositionOffset)]), Ints(e, 0)]);
        return Node(e, "Slice", [ids.Name, Ints(e, _style.PositionOffset), end, Ints(e, 1), Ints(e, 1)]);
    }

    // ---------------------------------------------------------------- protobuf plumbing

    private string Node(string scope, string op, string[] inputs, params AttributeProto[] attributes) => Node(scope, op, inputs, string.Empty, attributes);

    private string Node(string scope, string op, string[] inputs, string domain, params AttributeProto[] attributes)
    {
        string name, output;
        if (_style.Naming == GraphNaming.Scoped)
        {
            var key = $"{scope}/{op}";
            var count = _scoped.GetValueOrDefault(key);
            _scoped[key] = count + 1;
            name = count == 0 ? key : $"{key}_{count}";
            output = name + "_output_0";
        }
        else
        {
            name = $"{op}_{_nodes++}";
            output = (_tensors++).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var node = new NodeProto { Name = name, OpType = op, Domain = domain, Output = { output } };
        node.Input.AddRange(inputs);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return output;
    }

    // torch names the tensor a graph output holds after the output; rename it where it is written and read.
    private string Rename(string tensor, string name)
    {
        foreach (var node in _graph.Node)
        {
            for (var i = 0; i < node.Output.Count; i++)
            {
                node.Output[i] = node.Output[i] == tensor ? name : node.Output[i];
            }

            for (var i = 0; i < node.Input.Count; i++)
            {
                node.Input[i] = node.Input[i] == tensor ? name : node.Input[i];
            }
        }

        return name;
    }

    // A student weight under its state-dict key, or anonymous when the style hides names.
    private string Weight(string key, string consumer)
    {
        var (shape, values) = _weights[key];
        if (_style.AnonymousWeights)
        {
            return Anonymous(consumer, shape, values);
        }

        if (_named.Add(key))
        {
            _graph.Initializer.Add(FloatTensor(key, shape, values));
        }

        return key;
    }

    private string Anonymous(string consumer, long[] shape, float[] values)
    {
        var name = _style.Naming == GraphNaming.Scoped ? $"onnx::{consumer}_{_anonymous++}" : (_tensors++).ToString(System.Globalization.CultureInfo.InvariantCulture);
        _graph.Initializer.Add(FloatTensor(name, shape, values));
        return name;
    }

    private static TensorProto FloatTensor(string name, long[] shape, float[] values) =>
        new() { Name = name, DataType = (int)DataType.Float, Dims = { shape }, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())) };

    private string Constant(string scope, TensorProto value) =>
        Node(scope, "Constant", [], new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = value });

    private string FloatScalar(string scope, float value) => Constant(scope, new TensorProto { DataType = (int)DataType.Float, FloatData = { value } });

    private string IntScalar(string scope, long value) => Constant(scope, new TensorProto { DataType = (int)DataType.Int64, Int64Data = { value } });

    // A 1-D int64 constant: a Constant node (PyTorch 2.x) or a numbered initializer (PyTorch 1.x, as 929[1]).
    private string Ints(string scope, params long[] values)
    {
        var value = new TensorProto { DataType = (int)DataType.Int64, Dims = { values.Length }, Int64Data = { values } };
        if (_style.Naming == GraphNaming.Scoped)
        {
            return Constant(scope, value);
        }

        value.Name = (_tensors++).ToString(System.Globalization.CultureInfo.InvariantCulture);
        _graph.Initializer.Add(value);
        return value.Name;
    }
}

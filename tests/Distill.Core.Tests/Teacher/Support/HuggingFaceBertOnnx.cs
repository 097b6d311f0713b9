using System.Runtime.InteropServices;
using Distill.Students;
using Google.Protobuf;
using Onnx;
using static TorchSharp.torch;
using DataType = Onnx.TensorProto.Types.DataType;

using static Distill.Core.Tests.Teacher.Support.OnnxProto;

namespace Distill.Core.Tests.Teacher.Support;

/// <summary>How the LayerNorms of a <see cref="HuggingFaceBertOnnx"/> graph are written.</summary>
public enum LayerNormForm
{
    /// <summary>ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div, Mul, Add: what torch.onnx.export writes below opset 17.</summary>
    Decomposed,

    /// <summary>One LayerNormalization node (opset 17).</summary>
    Fused,

    /// <summary>The layers' residual Add and LayerNorm as ONNX Runtime's SkipLayerNormalization (com.microsoft); the
    /// embedding LayerNorm as LayerNormalization.</summary>
    Skip,
}

/// <summary>
/// Writes the graph torch.onnx.export (TorchScript exporter, opset 14) produces for a Hugging Face
/// BertForSequenceClassification, node for node and with its naming: <c>/bert/encoder/layer.0/attention/self/Softmax</c>
/// nodes with <c>..._output_0</c> tensors, transposed MatMul weights as anonymous <c>onnx::MatMul_N</c> initializers,
/// biases and LayerNorm weights under their Hugging Face names, Q/K/V as MatMul + Add, Reshape and Transpose (K with
/// perm [0, 2, 3, 1]), the extended attention mask (1 − mask)·finfo.min, Erf GELU, pooler Gather/Gemm/Tanh and the
/// classifier Gemm. The weights are a <see cref="TransformerStudent"/>'s (the same BERT), so its TorchSharp forward pass
/// is an independent reference for every tap.
/// </summary>
internal sealed class HuggingFaceBertOnnx
{
    private readonly GraphProto _graph = new() { Name = "main_graph" };
    private readonly Dictionary<string, int> _used = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tensor> _weights;
    private readonly LayerNormForm _form;
    private int _anonymous = 1000;

    private HuggingFaceBertOnnx(TransformerStudent model, LayerNormForm form)
    {
        _weights = model.state_dict();
        _form = form;
    }

    public static ModelProto Build(TransformerStudent model, LayerNormForm form = LayerNormForm.Decomposed)
    {
        var builder = new HuggingFaceBertOnnx(model, form);
        builder.Write(model.Settings);
        var onnx = new ModelProto { IrVersion = 7, ProducerName = "pytorch", ProducerVersion = "2.1.0", Graph = builder._graph };
        onnx.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = form == LayerNormForm.Decomposed ? 14 : 17 });
        if (form == LayerNormForm.Skip)
        {
            onnx.OpsetImport.Add(new OperatorSetIdProto { Domain = "com.microsoft", Version = 1 });
        }

        return onnx;
    }

    private void Write(TransformerStudentOptions o)
    {
        foreach (var name in new[] { "input_ids", "attention_mask", "token_type_ids" })
        {
            _graph.Input.Add(Value(name, DataType.Int64, "batch_size", "sequence_length"));
        }

        // Embeddings: position ids sliced from the registered buffer to the sequence length.
        const string e = "/bert/embeddings";
        _graph.Initializer.Add(new TensorProto
        {
            Name = "bert.embeddings.position_ids", DataType = (int)DataType.Int64, Dims = { 1, o.MaxPositions }, Int64Data = { Enumerable.Range(0, o.MaxPositions).Select(i => (long)i) },
        });
        var sequenceLength = Node("/bert", "Gather", [Node("/bert", "Shape", ["input_ids"]), Int64Scalar("/bert", 1)], Int("axis", 0));
        var positionIds = Node(e, "Slice", ["bert.embeddings.position_ids", Int64s(e, 0), Node(e, "Unsqueeze", [sequenceLength, Int64s(e, 0)]), Int64s(e, 1), Int64s(e, 1)]);
        var embeddings = Node(e, "Add", [
            Node(e + "/word_embeddings", "Gather", [Weight("bert.embeddings.word_embeddings.weight"), "input_ids"]),
            Node(e + "/token_type_embeddings", "Gather", [Weight("bert.embeddings.token_type_embeddings.weight"), "token_type_ids"]),
        ]);
        embeddings = Node(e, "Add", [embeddings, Node(e + "/position_embeddings", "Gather", [Weight("bert.embeddings.position_embeddings.weight"), positionIds])]);
        var hidden = LayerNorm(e + "/LayerNorm", embeddings, null, "bert.embeddings.LayerNorm", o.LayerNormEps);

        // get_extended_attention_mask: (1 − mask[:, None, None, :]) · finfo(float32).min.
        var mask = Node("/bert", "Cast", [Node("/bert", "Unsqueeze", [Node("/bert", "Unsqueeze", ["attention_mask", Int64s("/bert", 1)]), Int64s("/bert", 2)])], Int("to", (long)DataType.Float));
        var extendedMask = Node("/bert", "Mul", [Node("/bert", "Sub", [FloatScalar("/bert", 1f), mask]), FloatScalar("/bert", float.MinValue)]);

        for (var i = 0; i < o.Layers; i++)
        {
            var p = $"/bert/encoder/layer.{i}";
            var w = $"bert.encoder.layer.{i}";
            var a = p + "/attention/self";
            var query = Linear(a + "/query", hidden, w + ".attention.self.query");
            var key = ToHeads(a, Linear(a + "/key", hidden, w + ".attention.self.key"), o, 0, 2, 3, 1);
            var value = ToHeads(a, Linear(a + "/value", hidden, w + ".attention.self.value"), o, 0, 2, 1, 3);
            query = ToHeads(a, query, o, 0, 2, 1, 3);
            var scores = Node(a, "Div", [Node(a, "MatMul", [query, key]), FloatScalar(a, MathF.Sqrt(o.HeadSize))]);
            var probabilities = Node(a, "Softmax", [Node(a, "Add", [scores, extendedMask])], Int("axis", -1));
            var context = Node(a, "Transpose", [Node(a, "MatMul", [probabilities, value])], Ints("perm", 0, 2, 1, 3));
            context = Node(a, "Reshape", [context, Node(a, "Concat", [.. Leading(a, context, 2), Int64s(a, o.Hidden)], Int("axis", 0))]);

            var attended = LayerNorm(p + "/attention/output/LayerNorm", Linear(p + "/attention/output/dense", context, w + ".attention.output.dense"), hidden,
                w + ".attention.output.LayerNorm", o.LayerNormEps, residualScope: p + "/attention/output");
            var inner = Gelu(p + "/intermediate/intermediate_act_fn", Linear(p + "/intermediate/dense", attended, w + ".intermediate.dense"));
            hidden = LayerNorm(p + "/output/LayerNorm", Linear(p + "/output/dense", inner, w + ".output.dense"), attended,
                w + ".output.LayerNorm", o.LayerNormEps, residualScope: p + "/output");
        }

        var first = Node("/bert/pooler", "Gather", [hidden, Int64Scalar("/bert/pooler", 0)], Int("axis", 1));
        var pooled = Node("/bert/pooler/activation", "Tanh", [Gemm("/bert/pooler/dense", first, "bert.pooler.dense")]);
        Gemm("/classifier", pooled, "classifier");
        _graph.Node[^1].Output[0] = "logits";
        _graph.Output.Add(Value("logits", DataType.Float, "batch_size", o.NumLabels));
    }

    // x·W + b as torch writes nn.Linear on 3-D input: MatMul with the transposed weight (anonymous), then Add(bias, ·).
    private string Linear(string scope, string x, string prefix)
    {
        var weight = $"onnx::MatMul_{_anonymous++}";
        _graph.Initializer.Add(FloatTensor(weight, _weights[prefix + ".weight"].t()));
        return Node(scope, "Add", [Weight(prefix + ".bias"), Node(scope, "MatMul", [x, weight])]);
    }

    private string Gemm(string scope, string x, string prefix) =>
        Node(scope, "Gemm", [x, Weight(prefix + ".weight"), Weight(prefix + ".bias")], Float("alpha", 1f), Float("beta", 1f), Int("transB", 1));

    // transpose_for_scores: view(x.size()[:-1] + (heads, head size)) then permute; for K the exporter merges the
    // permute with the later transpose(-1, -2) into perm [0, 2, 3, 1].
    private string ToHeads(string scope, string x, TransformerStudentOptions o, params long[] perm)
    {
        var shape = Node(scope, "Concat", [.. Leading(scope, x, 2), Int64s(scope, o.Heads), Int64s(scope, o.HeadSize)], Int("axis", 0));
        return Node(scope, "Transpose", [Node(scope, "Reshape", [x, shape])], Ints("perm", perm));
    }

    // x.size()[:count] as torch writes it: Shape, Gather of each index, Unsqueeze each to 1-D.
    private string[] Leading(string scope, string x, int count) =>
        Enumerable.Range(0, count)
            .Select(i => Node(scope, "Unsqueeze", [Node(scope, "Gather", [Node(scope, "Shape", [x]), Int64Scalar(scope, i)], Int("axis", 0)), Int64s(scope, 0)]))
            .ToArray();

    private string Gelu(string scope, string x)
    {
        var erf = Node(scope, "Erf", [Node(scope, "Div", [x, FloatScalar(scope, 1.4142135381698608f)])]);
        return Node(scope, "Mul", [Node(scope, "Mul", [x, Node(scope, "Add", [erf, FloatScalar(scope, 1f)])]), FloatScalar(scope, 0.5f)]);
    }

    // LayerNorm(x + residual) in the chosen form; the residual Add belongs to the enclosing module's scope, as in torch.
    private string LayerNorm(string scope, string x, string? residual, string prefix, double epsilon, string? residualScope = null)
    {
        if (_form == LayerNormForm.Skip && residual is not null)
        {
            return Node(scope, "SkipLayerNormalization", [x, residual, Weight(prefix + ".weight"), Weight(prefix + ".bias")], "com.microsoft", Float("epsilon", (float)epsilon));
        }

        if (residual is not null)
        {
            x = Node(residualScope!, "Add", [x, residual]);
        }

        if (_form != LayerNormForm.Decomposed)
        {
            return Node(scope, "LayerNormalization", [x, Weight(prefix + ".weight"), Weight(prefix + ".bias")], Int("axis", -1), Float("epsilon", (float)epsilon));
        }

        var centered = Node(scope, "Sub", [x, Node(scope, "ReduceMean", [x], Ints("axes", -1))]);
        var variance = Node(scope, "ReduceMean", [Node(scope, "Pow", [centered, FloatScalar(scope, 2f)])], Ints("axes", -1));
        var normalized = Node(scope, "Div", [centered, Node(scope, "Sqrt", [Node(scope, "Add", [variance, FloatScalar(scope, (float)epsilon)])])]);
        return Node(scope, "Add", [Node(scope, "Mul", [normalized, Weight(prefix + ".weight")]), Weight(prefix + ".bias")]);
    }

    // ---------------------------------------------------------------- protobuf plumbing

    private string Node(string scope, string op, string[] inputs, params AttributeProto[] attributes) => Node(scope, op, inputs, string.Empty, attributes);

    private string Node(string scope, string op, string[] inputs, string domain, params AttributeProto[] attributes)
    {
        var key = $"{scope}/{op}";
        var count = _used.GetValueOrDefault(key);
        _used[key] = count + 1;
        var name = count == 0 ? key : $"{key}_{count}";
        var node = new NodeProto { Name = name, OpType = op, Domain = domain, Output = { name + "_output_0" } };
        node.Input.AddRange(inputs);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return node.Output[0];
    }

    private string Weight(string name)
    {
        if (_graph.Initializer.All(i => i.Name != name))
        {
            _graph.Initializer.Add(FloatTensor(name, _weights[name]));
        }

        return name;
    }

    private string Constant(string scope, TensorProto value) =>
        Node(scope, "Constant", [], new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = value });

    private string FloatScalar(string scope, float value) => Constant(scope, new TensorProto { DataType = (int)DataType.Float, FloatData = { value } });

    private string Int64Scalar(string scope, long value) => Constant(scope, new TensorProto { DataType = (int)DataType.Int64, Int64Data = { value } });

    private string Int64s(string scope, params long[] values) => Constant(scope, new TensorProto { DataType = (int)DataType.Int64, Dims = { values.Length }, Int64Data = { values } });

    private static TensorProto FloatTensor(string name, Tensor value)
    {
        using var scope = NewDisposeScope();
        var values = value.detach().to(ScalarType.Float32).contiguous().data<float>().ToArray();
        return new TensorProto { Name = name, DataType = (int)DataType.Float, Dims = { value.shape }, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())) };
    }
}

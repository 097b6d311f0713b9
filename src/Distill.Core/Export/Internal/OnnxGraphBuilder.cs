using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;
using static TorchSharp.torch;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Distill.Export.Internal;

/// <summary>
/// Builds an ONNX graph node by node. Each op method adds one node and returns the name of its output, so graphs
/// read like the forward pass they mirror. Weights become initializers under their state-dict names.
/// </summary>
internal sealed class OnnxGraphBuilder
{
    private readonly GraphProto _graph;
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private int _counter;

    public OnnxGraphBuilder(string graphName)
    {
        _graph = new GraphProto { Name = graphName };
    }

    public GraphProto Graph => _graph;

    // ---------------------------------------------------------------- graph inputs, outputs, initializers

    /// <summary>Declares a graph input; a dimension is a string (symbolic, e.g. "batch") or a number.</summary>
    public string Input(string name, DataType type, params object[] dims)
    {
        Claim(name);
        _graph.Input.Add(ValueInfo(name, type, dims));
        return name;
    }

    /// <summary>Declares <paramref name="value"/> as graph output <paramref name="name"/> (through Identity when renamed).</summary>
    public void Output(string name, string value, DataType type, params object[] dims)
    {
        if (value != name)
        {
            Claim(name);
            _graph.Node.Add(new NodeProto { OpType = "Identity", Name = $"output_{name}", Input = { value }, Output = { name } });
        }

        _graph.Output.Add(ValueInfo(name, type, dims));
    }

    /// <summary>Adds a weight as a float32 initializer named <paramref name="name"/> (its state-dict key).</summary>
    public string Weight(string name, Tensor weight)
    {
        Claim(name);
        using var scope = NewDisposeScope();
        var values = weight.detach().to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
        var proto = new TensorProto
        {
            Name = name,
            DataType = (int)DataType.Float,
            RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())),
        };
        proto.Dims.AddRange(weight.shape);
        _graph.Initializer.Add(proto);
        return name;
    }

    /// <summary>A float32 scalar constant.</summary>
    public string Scalar(float value) => FloatConstant([value], []);

    /// <summary>A float32 constant of the given shape.</summary>
    public string FloatConstant(float[] values, long[] dims)
    {
        var value = new TensorProto { DataType = (int)DataType.Float };
        value.FloatData.AddRange(values);
        value.Dims.AddRange(dims);
        return Constant(value);
    }

    /// <summary>An int64 constant: a scalar when <paramref name="scalar"/>, else a 1-D tensor.</summary>
    public string Int64s(long[] values, bool scalar = false)
    {
        var value = new TensorProto { DataType = (int)DataType.Int64 };
        value.Int64Data.AddRange(values);
        if (!scalar)
        {
            value.Dims.Add(values.Length);
        }

        return Constant(value);
    }

    // Constants are Constant nodes, not initializers, so that the initializers are exactly the student's weights.
    private string Constant(TensorProto value) =>
        Node("Constant", [], new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = value });

    // ---------------------------------------------------------------- nodes

    /// <summary>Adds a node with one output and returns that output's name.</summary>
    public string Node(string op, string[] inputs, params AttributeProto[] attributes) => Nodes(op, inputs, 1, attributes)[0];

    /// <summary>Adds a node with several outputs ("" for an input that is left out) and returns their names.</summary>
    public string[] Nodes(string op, string[] inputs, int outputs, params AttributeProto[] attributes)
    {
        var name = Fresh(op);
        var node = new NodeProto { OpType = op, Name = name };
        node.Input.AddRange(inputs);
        var outputNames = Enumerable.Range(0, outputs).Select(i => outputs == 1 ? name + "_out" : $"{name}_out{i}").ToArray();
        foreach (var output in outputNames)
        {
            Claim(output);
        }

        node.Output.AddRange(outputNames);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return outputNames;
    }

    public string Add(string a, string b) => Node("Add", [a, b]);

    public string Sub(string a, string b) => Node("Sub", [a, b]);

    public string Mul(string a, string b) => Node("Mul", [a, b]);

    public string Div(string a, string b) => Node("Div", [a, b]);

    public string MatMul(string a, string b) => Node("MatMul", [a, b]);

    public string Relu(string x) => Node("Relu", [x]);

    public string Tanh(string x) => Node("Tanh", [x]);

    public string Cast(string x, DataType to) => Node("Cast", [x], Attr.Int("to", (long)to));

    public string Transpose(string x, params long[] perm) => Node("Transpose", [x], Attr.Ints("perm", perm));

    public string Reshape(string x, params long[] shape) => Node("Reshape", [x, Int64s(shape)]);

    public string Unsqueeze(string x, params long[] axes) => Node("Unsqueeze", [x, Int64s(axes)]);

    public string Gather(string data, string indices, long axis = 0) => Node("Gather", [data, indices], Attr.Int("axis", axis));

    public string Concat(long axis, params string[] inputs) => Node("Concat", inputs, Attr.Int("axis", axis));

    public string Softmax(string x, long axis = -1) => Node("Softmax", [x], Attr.Int("axis", axis));

    public string Where(string condition, string whenTrue, string whenFalse) => Node("Where", [condition, whenTrue, whenFalse]);

    /// <summary>x·Wᵀ + b for x of any rank, with W in PyTorch's [out, in] layout (the Transpose folds away at load).</summary>
    public string Linear(string x, string weight, string? bias)
    {
        var product = MatMul(x, Transpose(weight, 1, 0));
        return bias is null ? product : Add(product, bias);
    }

    /// <summary>x·Wᵀ + b for 2-D x.</summary>
    public string Gemm(string x, string weight, string bias) =>
        Node("Gemm", [x, weight, bias], Attr.Int("transB", 1));

    public string LayerNorm(string x, string scale, string bias, double epsilon) =>
        Node("LayerNormalization", [x, scale, bias], Attr.Int("axis", -1), Attr.Float("epsilon", (float)epsilon));

    /// <summary>GELU's tanh approximation, 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), written out as ONNX Runtime's
    /// optimizer recognises it (FastGelu).</summary>
    public string GeluTanh(string x)
    {
        var cubic = Mul(Mul(Mul(x, x), x), Scalar(0.044715f));
        var tanh = Tanh(Mul(Add(x, cubic), Scalar(MathF.Sqrt(2f / MathF.PI))));
        return Mul(Mul(x, Add(tanh, Scalar(1f))), Scalar(0.5f));
    }

    /// <summary>Exact GELU, 0.5·x·(1 + erf(x/√2)); opset 17 has no Gelu op (ONNX Runtime fuses this pattern).</summary>
    public string Gelu(string x)
    {
        var erf = Node("Erf", [Div(x, Scalar(MathF.Sqrt(2f)))]);
        return Mul(Mul(x, Add(erf, Scalar(1f))), Scalar(0.5f));
    }

    /// <summary>Length of dimension <paramref name="axis"/> of <paramref name="x"/> as an int64 scalar.</summary>
    public string DimensionOf(string x, long axis) => Gather(Node("Shape", [x]), Int64s([axis], scalar: true));

    /// <summary>0, 1, ..., n − 1 (int64) for an int64 scalar n.</summary>
    public string Range(string count) => Node("Range", [Int64s([0], scalar: true), count, Int64s([1], scalar: true)]);

    // ---------------------------------------------------------------- plumbing

    private string Fresh(string prefix)
    {
        string name;
        do
        {
            name = $"{prefix}_{_counter++}";
        }
        while (_names.Contains(name));

        _names.Add(name);
        return name;
    }

    private void Claim(string name)
    {
        if (!_names.Add(name))
        {
            throw new InvalidOperationException($"ONNX export: the name '{name}' is used twice");
        }
    }

    private static ValueInfoProto ValueInfo(string name, DataType type, object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var dim in dims)
        {
            shape.Dim.Add(dim switch
            {
                string symbol => new TensorShapeProto.Types.Dimension { DimParam = symbol },
                _ => new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(dim, System.Globalization.CultureInfo.InvariantCulture) },
            });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }
}

/// <summary>ONNX node attributes.</summary>
internal static class Attr
{
    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto String(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    public static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }
}

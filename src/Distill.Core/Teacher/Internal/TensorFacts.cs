using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Distill.Teacher.Internal;

/// <summary>
/// Rank and element type of the tensors of a graph, worked out in one forward pass from the declared inputs,
/// initializers and constants, for the ops transformer graphs use. Exported graphs seldom carry value_info for
/// intermediate tensors, and the tap search only needs ranks (is a hidden state [batch, sequence, hidden] or
/// [batch·sequence, hidden] rows?) and types (is it float?), so a full shape inference is not worth it. Unknown stays
/// null; value_info, where a graph has it, fills the gaps.
/// </summary>
internal sealed class TensorFacts
{
    private static readonly HashSet<string> SameAsFirstInput = new(StringComparer.Ordinal)
    {
        "Identity", "Cast", "CastLike", "Erf", "Tanh", "Relu", "Sigmoid", "Sqrt", "Exp", "Log", "Neg", "Abs",
        "Reciprocal", "Floor", "Ceil", "Round", "Sign", "Softplus", "LeakyRelu", "Elu", "Selu", "HardSigmoid",
        "Clip", "Softmax", "LogSoftmax", "Dropout", "LayerNormalization", "SkipLayerNormalization",
        "SimplifiedLayerNormalization", "SkipSimplifiedLayerNormalization", "Gelu", "FastGelu", "BiasGelu",
        "QuickGelu", "BatchNormalization", "InstanceNormalization", "Transpose", "Slice", "Split", "Tile", "Pad",
        "Trilu", "CumSum", "Not", "IsNaN", "IsInf", "Conv", "MaxPool", "AveragePool", "Mish", "HardSwish",
    };

    private static readonly HashSet<string> Broadcasting = new(StringComparer.Ordinal)
    {
        "Add", "Sub", "Mul", "Div", "Pow", "Mod", "Max", "Min", "Sum", "Mean", "Where", "Equal", "Less", "Greater",
        "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor", "BitShift", "PRelu",
    };

    private static readonly HashSet<string> Comparisons = new(StringComparer.Ordinal)
    {
        "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor", "Not", "IsNaN", "IsInf",
    };

    private readonly Dictionary<string, int> _rank = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DataType> _type = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _length = new(StringComparer.Ordinal);

    public TensorFacts(OnnxGraphIndex index)
    {
        var graph = index.Graph;
        foreach (var initializer in graph.Initializer)
        {
            Set(initializer.Name, initializer.Dims.Count, (DataType)initializer.DataType, initializer.Dims.Count == 1 ? initializer.Dims[0] : null);
        }

        foreach (var value in graph.Input)
        {
            Declare(value, overwrite: false);
        }

        foreach (var node in index.Order.Select(index.Node))
        {
            Infer(node);
        }

        // Declared shapes come second: where our rules know nothing, value_info and outputs may.
        foreach (var value in graph.ValueInfo.Concat(graph.Output))
        {
            Declare(value, overwrite: false);
        }
    }

    public int? Rank(string tensor) => _rank.TryGetValue(tensor, out var rank) ? rank : null;

    public DataType? ElementType(string tensor) => _type.TryGetValue(tensor, out var type) ? type : null;

    /// <summary>Number of elements of a 1-D tensor (a shape being built for a Reshape, say).</summary>
    public long? Length(string tensor) => _length.TryGetValue(tensor, out var length) ? length : null;

    private void Declare(ValueInfoProto value, bool overwrite)
    {
        if (value.Type?.TensorType is not { } tensor)
        {
            return;
        }

        if (tensor.ElemType != 0 && (overwrite || !_type.ContainsKey(value.Name)))
        {
            _type[value.Name] = (DataType)tensor.ElemType;
        }

        if (tensor.Shape is { } shape && (overwrite || !_rank.ContainsKey(value.Name)))
        {
            _rank[value.Name] = shape.Dim.Count;
            if (shape.Dim.Count == 1 && shape.Dim[0].ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue)
            {
                _length[value.Name] = shape.Dim[0].DimValue;
            }
        }
    }

    private void Set(string name, int? rank, DataType? type, long? length = null)
    {
        if (name.Length == 0)
        {
            return;
        }

        if (rank is { } r)
        {
            _rank[name] = r;
        }

        if (type is { } t && t != DataType.Undefined)
        {
            _type[name] = t;
        }

        if (length is { } l && rank == 1)
        {
            _length[name] = l;
        }
    }

    private void Infer(NodeProto node)
    {
        var op = node.OpType;
        var first = node.Input.Count > 0 ? node.Input[0] : string.Empty;
        DataType? type = op switch
        {
            "Cast" => Attribute(node, "to") is { } to ? (DataType)to.I : null,
            "Shape" or "Size" or "NonZero" or "ArgMax" or "ArgMin" => DataType.Int64,
            "Where" => node.Input.Count > 1 ? ElementType(node.Input[1]) : null,
            "Constant" => (DataType?)(Attribute(node, "value")?.T?.DataType),
            "ConstantOfShape" => Attribute(node, "value")?.T is { } value ? (DataType)value.DataType : DataType.Float,
            _ when Comparisons.Contains(op) => DataType.Bool,
            _ => ElementType(first),
        };

        int? Ranked(int at) => node.Input.Count > at && node.Input[at].Length > 0 ? Rank(node.Input[at]) : null;
        switch (op)
        {
            case "Constant":
                var constant = Attribute(node, "value")?.T;
                var floats = Attribute(node, "value_floats");
                var ints = Attribute(node, "value_ints");
                if (constant is not null)
                {
                    Set(node.Output[0], constant.Dims.Count, type, constant.Dims.Count == 1 ? constant.Dims[0] : null);
                }
                else if (ints is not null)
                {
                    Set(node.Output[0], 1, DataType.Int64, ints.Ints.Count);
                }
                else if (floats is not null)
                {
                    Set(node.Output[0], 1, DataType.Float, floats.Floats.Count);
                }
                else if (Attribute(node, "value_int") is not null)
                {
                    Set(node.Output[0], 0, DataType.Int64);
                }
                else if (Attribute(node, "value_float") is not null)
                {
                    Set(node.Output[0], 0, DataType.Float);
                }

                return;
            case "Shape":
                var start = Attribute(node, "start")?.I ?? 0;
                var end = Attribute(node, "end")?.I;
                long? length = Ranked(0) is { } inputRank ? Clamp(end ?? inputRank, inputRank) - Clamp(start, inputRank) : null;
                Set(node.Output[0], 1, type, length is { } l ? Math.Max(0, l) : null);
                return;
            case "Size":
                Set(node.Output[0], 0, type);
                return;
            case "Range":
                Set(node.Output[0], 1, type);
                return;
            case "Gemm":
            case "Flatten":
                Set(node.Output[0], 2, type);
                return;
            case "MatMul":
                Set(node.Output[0], (Ranked(0), Ranked(1)) switch
                {
                    (1, 1) => 0,
                    (1, { } b) => b - 1,
                    ({ } a, 1) => a - 1,
                    ({ } a, { } b) => Math.Max(a, b),
                    _ => null,
                }, type);
                return;
            case "Reshape":
                Set(node.Output[0], node.Input.Count > 1 ? Length(node.Input[1]) is { } rank ? (int)rank : null : null, type);
                return;
            case "Gather":
                Set(node.Output[0], Ranked(0) is { } data && Ranked(1) is { } indices ? data - 1 + indices : null, type,
                    Ranked(0) == 1 && Ranked(1) == 1 ? Length(node.Input[1]) : null);
                return;
            case "Unsqueeze":
            case "Squeeze":
                var axes = (long?)Attribute(node, "axes")?.Ints.Count ?? (node.Input.Count > 1 ? Length(node.Input[1]) : null);
                int? changed = Ranked(0) is { } before && axes is { } count ? (int)(op == "Unsqueeze" ? before + count : before - count) : null;
                Set(node.Output[0], changed, type, op == "Unsqueeze" && Ranked(0) == 0 && axes == 1 ? 1 : null);
                return;
            case "Concat":
                var lengths = node.Input.Select(Length).ToList();
                Set(node.Output[0], Ranked(0), type, Ranked(0) == 1 && lengths.All(l => l is not null) ? lengths.Sum() : null);
                return;
            case "Expand":
                Set(node.Output[0], Ranked(0) is { } expanded && node.Input.Count > 1 && Length(node.Input[1]) is { } target ? (int)Math.Max(expanded, target) : null, type);
                return;
            case "ConstantOfShape":
                Set(node.Output[0], Length(first) is { } shapeLength ? (int)shapeLength : null, type);
                return;
        }

        if (op.StartsWith("Reduce", StringComparison.Ordinal))
        {
            var keep = Attribute(node, "keepdims")?.I ?? 1;
            var reduced = (long?)Attribute(node, "axes")?.Ints.Count ?? (node.Input.Count > 1 ? Length(node.Input[1]) : null);
            Set(node.Output[0], keep != 0 ? Ranked(0) : Ranked(0) is { } all && reduced is { } r ? (int)(all - r) : null, type);
            return;
        }

        if (Broadcasting.Contains(op))
        {
            var ranks = node.Input.Where(input => input.Length > 0).Select(Rank).ToList();
            Set(node.Output[0], ranks.All(r => r is not null) ? ranks.Max() : null, type,
                ranks.All(r => r == 1) && node.Input.Select(Length).Distinct().Count() == 1 ? Length(first) : null);
            return;
        }

        if (SameAsFirstInput.Contains(op))
        {
            // Only output 0 is the transformed tensor (Dropout's mask, LayerNormalization's mean are not); Split's
            // outputs all keep the rank.
            var outputs = op == "Split" ? node.Output : node.Output.Take(1);
            foreach (var output in outputs)
            {
                Set(output, Ranked(0), type, op is "Identity" or "Cast" ? Length(first) : null);
            }
        }
    }

    private static long Clamp(long axis, long rank) => Math.Clamp(axis < 0 ? axis + rank : axis, 0, rank);

    public static AttributeProto? Attribute(NodeProto node, string name) => node.Attribute.FirstOrDefault(a => a.Name == name);
}

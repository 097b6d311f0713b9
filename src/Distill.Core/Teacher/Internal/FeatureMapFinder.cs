using Onnx;

namespace Distill.Teacher.Internal;

/// <summary>
/// Finds a CNN's stage ends by graph structure: from each 4-D float input, the tensors that stay [batch, channels,
/// height, width] are followed through convolutions, pooling, normalisation, activations and element-wise sums; the
/// input of every strided Conv, MaxPool or AveragePool, and of the Flatten, Reshape or global pooling that leaves the
/// spatial layout, ends a stage. Shapes are worked out from the input's declared shape and the convolution weights, as
/// far as they are known. Names play no part.
/// </summary>
internal static class FeatureMapFinder
{
    // Ops whose output has the shape of their first (spatial) input.
    private static readonly HashSet<string> ShapeKeeping = new(StringComparer.Ordinal)
    {
        "Relu", "LeakyRelu", "PRelu", "Elu", "Selu", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Softplus", "Clip", "Mish",
        "Gelu", "BatchNormalization", "InstanceNormalization", "Dropout", "Identity", "Add", "Sub", "Mul", "Div", "Cast", "LRN",
    };

    private static readonly HashSet<string> LeavesSpatialLayout = new(StringComparer.Ordinal)
    {
        "Flatten", "Reshape", "GlobalAveragePool", "GlobalMaxPool", "ReduceMean", "ReduceMax", "Gemm", "MatMul", "Transpose", "Squeeze",
    };

    public static IReadOnlyList<TeacherFeatureMap> FindAll(OnnxGraphIndex index)
    {
        var shapes = new Dictionary<string, long?[]>(StringComparer.Ordinal);
        var graphInputs = new HashSet<string>(StringComparer.Ordinal);
        foreach (var input in index.Inputs)
        {
            var type = input.Type?.TensorType;
            if (type?.Shape is { Dim.Count: 4 } shape && TeacherInputNames.IsFloat((TensorProto.Types.DataType)type.ElemType))
            {
                shapes[input.Name] = shape.Dim.Select(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue ? (long?)d.DimValue : null).ToArray();
                graphInputs.Add(input.Name);
            }
        }

        var ends = new List<(string Tensor, string EndsAt)>();
        void End(string tensor, NodeProto node)
        {
            if (!graphInputs.Contains(tensor) && ends.All(e => e.Tensor != tensor))
            {
                ends.Add((tensor, string.IsNullOrEmpty(node.Name) ? node.OpType : $"{node.OpType} {node.Name}"));
            }
        }

        foreach (var n in index.Order)
        {
            var node = index.Node(n);
            var spatial = node.Input.FirstOrDefault(shapes.ContainsKey);
            if (spatial is null || node.Output.Count == 0)
            {
                continue;
            }

            var input = shapes[spatial];
            long?[]? output = node.OpType switch
            {
                "Conv" => Convolved(index, node, input),
                "MaxPool" or "AveragePool" => Pooled(node, input),
                "Concat" when (TensorFacts.Attribute(node, "axis")?.I ?? 0) == 1 =>
                    [input[0], node.Input.All(shapes.ContainsKey) ? Sum(node.Input.Select(i => shapes[i][1])) : null, input[2], input[3]],
                _ when ShapeKeeping.Contains(node.OpType) => input,
                _ => null,
            };

            if (node.OpType is "MaxPool" or "AveragePool" || (node.OpType == "Conv" && Ints(node, "strides").Any(s => s > 1)))
            {
                End(spatial, node);
            }
            else if (LeavesSpatialLayout.Contains(node.OpType))
            {
                End(spatial, node);
            }

            if (output is not null)
            {
                shapes[node.Output[0]] = output;
            }
        }

        return ends.Select((e, i) => new TeacherFeatureMap(i, e.Tensor, e.EndsAt, shapes[e.Tensor])).ToList();
    }

    private static long?[] Convolved(OnnxGraphIndex index, NodeProto node, long?[] input)
    {
        var weight = node.Input.Count > 1 ? index.Initializer(node.Input[1]) : null;
        var channels = weight is { Dims.Count: 4 } ? weight.Dims[0] : (long?)null;
        var kernel = Ints(node, "kernel_shape") is { Count: 2 } k ? k : weight is { Dims.Count: 4 } ? [weight.Dims[2], weight.Dims[3]] : null;
        return [input[0], channels, .. Spatial(node, input, kernel, ceil: false)];
    }

    private static long?[] Pooled(NodeProto node, long?[] input) =>
        [input[0], input[1], .. Spatial(node, input, Ints(node, "kernel_shape") is { Count: 2 } k ? k : null, ceil: (TensorFacts.Attribute(node, "ceil_mode")?.I ?? 0) != 0)];

    // ONNX's output size: floor((in + pad_begin + pad_end - dilation·(kernel − 1) − 1) / stride) + 1 (ceil with ceil_mode).
    private static long?[] Spatial(NodeProto node, long?[] input, IReadOnlyList<long>? kernel, bool ceil)
    {
        var strides = Ints(node, "strides") is { Count: 2 } s ? s : [1L, 1L];
        var dilations = Ints(node, "dilations") is { Count: 2 } d ? d : [1L, 1L];
        var pads = Ints(node, "pads") is { Count: 4 } p ? p : [0L, 0L, 0L, 0L];
        var autoPad = TensorFacts.Attribute(node, "auto_pad")?.S.ToStringUtf8() ?? "NOTSET";
        var result = new long?[2];
        for (var axis = 0; axis < 2; axis++)
        {
            if (input[2 + axis] is not { } size)
            {
                continue;
            }

            if (autoPad is "SAME_UPPER" or "SAME_LOWER")
            {
                result[axis] = (size + strides[axis] - 1) / strides[axis];
            }
            else if (kernel is not null && autoPad is "NOTSET" or "VALID")
            {
                var padded = size + (autoPad == "VALID" ? 0 : pads[axis] + pads[axis + 2]) - (dilations[axis] * (kernel[axis] - 1)) - 1;
                result[axis] = (ceil ? (padded + strides[axis] - 1) / strides[axis] : padded / strides[axis]) + 1;
            }
        }

        return result;
    }

    private static IReadOnlyList<long> Ints(NodeProto node, string name) => TensorFacts.Attribute(node, name)?.Ints.ToList() ?? [];

    private static long? Sum(IEnumerable<long?> values)
    {
        long total = 0;
        foreach (var value in values)
        {
            if (value is not { } v)
            {
                return null;
            }

            total += v;
        }

        return total;
    }
}

using Distill.Teacher;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Distill.Teacher.Internal;

/// <summary>A constant tensor of a graph: its shape and its values as float32 or as int64, whichever it holds.</summary>
internal sealed record ConstantTensor(long[] Dims, float[]? Floats, long[]? Integers)
{
    public long Count => Dims.Aggregate(1L, (product, dim) => product * dim);

    /// <summary>The single value of a one-element tensor, as a double.</summary>
    public double? Scalar => Count != 1 ? null : Floats is { } f ? f[0] : Integers is { } i ? i[0] : null;
}

/// <summary>
/// Works out the values of constant tensors: initializers, Constant nodes, and what the ops exporters put between a
/// stored weight and its use make of them (Identity, Cast, a 2-D Transpose, Concat, and Reshape, Squeeze or Unsqueeze,
/// which keep the values). <c>torch.onnx</c> stores a Linear's weight transposed, and Distill's exporter concatenates
/// Q, K and V; both are a weight all the same. Results are cached: a graph's weights are read once.
/// </summary>
internal sealed class OnnxConstants
{
    private readonly OnnxGraphIndex _index;
    private readonly string _source;
    private readonly string _folder;
    private readonly Dictionary<string, ConstantTensor?> _cache = new(StringComparer.Ordinal);

    public OnnxConstants(OnnxGraphIndex index, string source)
    {
        _index = index;
        _source = source;
        _folder = Path.GetDirectoryName(Path.GetFullPath(source))!;
    }

    /// <summary>The value of <paramref name="tensor"/>, or null when it is not a constant this class can work out.</summary>
    public ConstantTensor? Value(string tensor)
    {
        if (_cache.TryGetValue(tensor, out var known))
        {
            return known;
        }

        // Weights never depend on an input; checking first keeps activations from being walked.
        var value = _index.IsDynamic(tensor) ? null : Evaluate(tensor);
        _cache[tensor] = value;
        return value;
    }

    /// <summary>The float values of a constant, or null.</summary>
    public ConstantTensor? Floats(string tensor) => Value(tensor) is { Floats: not null } value ? value : null;

    /// <summary>The single number a constant holds, or null.</summary>
    public double? Scalar(string tensor) => Value(tensor)?.Scalar;

    private ConstantTensor? Evaluate(string tensor)
    {
        if (_index.Initializer(tensor) is { } initializer)
        {
            return FromProto(initializer);
        }

        var node = _index.Producer(tensor);
        if (node is null)
        {
            return null;
        }

        switch (node.OpType)
        {
            case "Constant":
                return FromConstantNode(node);
            case "Identity":
                return Value(node.Input[0]);
            case "Cast":
                return Cast(Value(node.Input[0]), (DataType)(TensorFacts.Attribute(node, "to")?.I ?? 0));
            case "Reshape" or "Squeeze" or "Unsqueeze" or "Flatten":
                // The values stay; only a weight's 2-D layout matters to the importer, and that comes from its use.
                return Value(node.Input[0]) is { } kept ? kept with { Dims = ReshapedDims(node, kept) } : null;
            case "Transpose":
                return Value(node.Input[0]) is { Dims.Length: 2 } matrix && Perm(node) is null or [1, 0] ? Transposed(matrix) : null;
            case "Concat":
                return Concat(node);
            default:
                return null;
        }
    }

    private long[] ReshapedDims(NodeProto node, ConstantTensor kept)
    {
        if (node.OpType == "Reshape" && node.Input.Count > 1 && Value(node.Input[1])?.Integers is { } shape)
        {
            var dims = shape.Select((d, i) => d == 0 && i < kept.Dims.Length ? kept.Dims[i] : d).ToArray();
            var known = dims.Where(d => d > 0).Aggregate(1L, (p, d) => p * d);
            return dims.Select(d => d == -1 && known > 0 ? kept.Count / known : d).ToArray();
        }

        // A squeeze or unsqueeze of a vector is still a vector to its users here.
        var kept1 = kept.Dims.Where(d => d != 1).ToArray();
        return kept1.Length == 0 ? [] : kept1;
    }

    private ConstantTensor? Concat(NodeProto node)
    {
        var parts = node.Input.Select(Value).ToList();
        if (parts.Any(p => p is null) || parts.Count == 0)
        {
            return null;
        }

        var rank = parts[0]!.Dims.Length;
        var axis = (int)(TensorFacts.Attribute(node, "axis")?.I ?? 0);
        axis = axis < 0 ? axis + rank : axis;
        var floats = parts.All(p => p!.Floats is not null);
        var integers = parts.All(p => p!.Integers is not null);
        if (!(floats || integers) || parts.Any(p => p!.Dims.Length != rank) || rank is < 1 or > 2 || axis < 0 || axis >= rank)
        {
            return null;
        }

        if (rank == 1 || axis == 0)
        {
            var dims = parts[0]!.Dims.ToArray();
            dims[0] = parts.Sum(p => p!.Dims[0]);
            return floats
                ? new ConstantTensor(dims, parts.SelectMany(p => p!.Floats!).ToArray(), null)
                : new ConstantTensor(dims, null, parts.SelectMany(p => p!.Integers!).ToArray());
        }

        // Two dimensions along the columns: row by row, each part's columns in turn.
        var rows = parts[0]!.Dims[0];
        if (!floats || parts.Any(p => p!.Dims[0] != rows))
        {
            return null;
        }

        var columns = parts.Sum(p => p!.Dims[1]);
        var result = new float[rows * columns];
        var offset = 0L;
        foreach (var part in parts)
        {
            var width = part!.Dims[1];
            for (var r = 0L; r < rows; r++)
            {
                Array.Copy(part.Floats!, r * width, result, (r * columns) + offset, width);
            }

            offset += width;
        }

        return new ConstantTensor([rows, columns], result, null);
    }

    private static ConstantTensor Transposed(ConstantTensor matrix)
    {
        var (rows, columns) = (matrix.Dims[0], matrix.Dims[1]);
        return matrix.Floats is { } f
            ? new ConstantTensor([columns, rows], Transpose(f, rows, columns), null)
            : new ConstantTensor([columns, rows], null, Transpose(matrix.Integers!, rows, columns));
    }

    /// <summary>A row-major [rows, columns] matrix as its row-major transpose, [columns, rows].</summary>
    public static T[] Transpose<T>(T[] values, long rows, long columns)
    {
        var result = new T[values.Length];
        for (var r = 0L; r < rows; r++)
        {
            for (var c = 0L; c < columns; c++)
            {
                result[(c * rows) + r] = values[(r * columns) + c];
            }
        }

        return result;
    }

    private static long[]? Perm(NodeProto node) => TensorFacts.Attribute(node, "perm")?.Ints is { Count: > 0 } perm ? perm.ToArray() : null;

    private static ConstantTensor? Cast(ConstantTensor? value, DataType to) => value switch
    {
        null => null,
        _ when TeacherInputNames.IsFloat(to) => value.Floats is not null ? value : new ConstantTensor(value.Dims, value.Integers!.Select(v => (float)v).ToArray(), null),
        _ when to is DataType.Int64 or DataType.Int32 => value.Integers is not null ? value : new ConstantTensor(value.Dims, null, value.Floats!.Select(v => (long)v).ToArray()),
        _ => null,
    };

    private ConstantTensor? FromConstantNode(NodeProto node)
    {
        foreach (var attribute in node.Attribute)
        {
            switch (attribute.Name)
            {
                case "value" when attribute.T is { } proto:
                    return FromProto(proto);
                case "value_float":
                    return new ConstantTensor([], [attribute.F], null);
                case "value_floats":
                    return new ConstantTensor([attribute.Floats.Count], [.. attribute.Floats], null);
                case "value_int":
                    return new ConstantTensor([], null, [attribute.I]);
                case "value_ints":
                    return new ConstantTensor([attribute.Ints.Count], null, [.. attribute.Ints]);
            }
        }

        return null;
    }

    private ConstantTensor? FromProto(TensorProto proto)
    {
        var dims = proto.Dims.ToArray();
        var type = (DataType)proto.DataType;
        if (TeacherInputNames.IsFloat(type))
        {
            return OnnxInitializers.ReadValues(proto, _source, _folder) is { } floats ? new ConstantTensor(dims, floats, null) : null;
        }

        if (type is DataType.Int64)
        {
            var raw = proto.RawData.Span;
            long[] values = raw.IsEmpty ? [.. proto.Int64Data] : ReadInt64(raw);
            return new ConstantTensor(dims, null, values);
        }

        if (type is DataType.Int32)
        {
            var raw = proto.RawData.Span;
            long[] values = raw.IsEmpty ? proto.Int32Data.Select(v => (long)v).ToArray() : MemoryMarshal.Cast<byte, int>(raw).ToArray().Select(v => (long)v).ToArray();
            return new ConstantTensor(dims, null, values);
        }

        return null;
    }

    private static long[] ReadInt64(ReadOnlySpan<byte> raw)
    {
        var values = new long[raw.Length / 8];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadInt64LittleEndian(raw.Slice(i * 8, 8));
        }

        return values;
    }
}

using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Distill.Core.Tests.Teacher.Support;

/// <summary>The ONNX protobuf pieces the test graph builders write: typed values with shapes, and node attributes.</summary>
internal static class OnnxProto
{
    /// <summary>A graph input or output; a string dimension is symbolic (<c>"batch"</c>), a number fixed.</summary>
    public static ValueInfoProto Value(string name, DataType type, params object[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.AddRange(dims.Select(d => d is string s
            ? new TensorShapeProto.Types.Dimension { DimParam = s }
            : new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(d, System.Globalization.CultureInfo.InvariantCulture) }));
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } } };
    }

    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto Ints(string name, params long[] values) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Ints, Ints = { values } };
}

using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Distill.Teacher;

/// <summary>A graph input or output of a teacher as the model declares it.</summary>
/// <param name="Name">The tensor name.</param>
/// <param name="ElementType">The element type; <see cref="DataType.Undefined"/> when the model does not say.</param>
/// <param name="Shape">The dimensions, or null when the model declares no shape (not even a rank).</param>
public sealed record TeacherTensorInfo(string Name, DataType ElementType, IReadOnlyList<TensorDimension>? Shape)
{
    /// <summary>Number of dimensions, or null when the shape is not declared.</summary>
    public int? Rank => Shape?.Count;

    /// <summary>The element type as ONNX writes it in lower case: <c>float</c>, <c>int64</c>, <c>float16</c>, ...</summary>
    public string ElementTypeName => ElementType == DataType.Undefined ? "?" : ElementType.ToString().ToLowerInvariant();

    /// <summary>E.g. <c>input_ids: int64 [batch, sequence]</c>.</summary>
    public override string ToString() => $"{Name}: {Describe()}";

    /// <summary>Type and shape without the name, e.g. <c>int64 [batch, sequence]</c>.</summary>
    public string Describe() => Shape is null ? $"{ElementTypeName} [?]" : $"{ElementTypeName} [{string.Join(", ", Shape)}]";

    internal static TeacherTensorInfo From(ValueInfoProto value)
    {
        var tensor = value.Type?.TensorType;
        var shape = tensor?.Shape?.Dim.Select(dim => dim.ValueCase switch
        {
            TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue => new TensorDimension(dim.DimValue, null),
            TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam when dim.DimParam.Length > 0 => new TensorDimension(null, dim.DimParam),
            _ => new TensorDimension(null, null),
        }).ToList();
        return new TeacherTensorInfo(value.Name, (DataType)(tensor?.ElemType ?? 0), shape);
    }
}

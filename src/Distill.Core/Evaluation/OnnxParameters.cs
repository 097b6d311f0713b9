using Distill.Evaluation.Internal;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Distill.Evaluation;

/// <summary>The number of weights in an ONNX model, for reports that compare a teacher known only by its ONNX file.</summary>
public static class OnnxParameters
{
    /// <summary>
    /// Elements of the floating-point initializers of <paramref name="path"/>'s main graph. Integer initializers
    /// (shapes, axes, indices) are constants of the graph, not weights, so they are left out.
    /// </summary>
    /// <exception cref="DistillException">The file is missing or not an ONNX model.</exception>
    public static long Count(string path)
    {
        ModelProto model;
        try
        {
            using var stream = File.OpenRead(path);
            model = ModelProto.Parser.ParseFrom(stream);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Google.Protobuf.InvalidProtocolBufferException)
        {
            throw EvaluationErrors.CannotReadOnnx(path, e);
        }

        return model.Graph.Initializer
            .Where(t => (DataType)t.DataType is DataType.Float or DataType.Float16 or DataType.Bfloat16 or DataType.Double)
            .Sum(t => t.Dims.Aggregate(1L, (product, dim) => product * dim));
    }
}

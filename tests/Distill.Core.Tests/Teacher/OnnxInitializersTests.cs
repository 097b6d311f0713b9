using Distill.Core.Tests.Students.Checkpoints;
using static TorchSharp.torch;
using Onnx;

namespace Distill.Core.Tests.Teacher;

public class OnnxInitializersTests
{
    [Fact]
    public void ReadFloats_Should_ConvertEveryFloatEncodingToFloat32_And_SkipIntegers()
    {
        // Arrange: 1.5, -2 and 0.25 are exact in float16, bfloat16 and double alike.
        float[] expected = [1.5f, -2f, 0.25f];
        var half = expected.SelectMany(v => BitConverter.GetBytes((Half)v)).ToArray();
        var graph = new GraphProto
        {
            Initializer =
            {
                new TensorProto { Name = "f16_raw", DataType = (int)TensorProto.Types.DataType.Float16, Dims = { 3 }, RawData = Google.Protobuf.ByteString.CopyFrom(half) },
                new TensorProto { Name = "f16_typed", DataType = (int)TensorProto.Types.DataType.Float16, Dims = { 3 }, Int32Data = { expected.Select(v => (int)BitConverter.HalfToUInt16Bits((Half)v)) } },
                new TensorProto { Name = "bf16_typed", DataType = (int)TensorProto.Types.DataType.Bfloat16, Dims = { 3 }, Int32Data = { expected.Select(v => BitConverter.SingleToInt32Bits(v) >>> 16) } },
                new TensorProto { Name = "f64_typed", DataType = (int)TensorProto.Types.DataType.Double, Dims = { 1, 3 }, DoubleData = { expected.Select(v => (double)v) } },
                new TensorProto { Name = "shape", DataType = (int)TensorProto.Types.DataType.Int64, Dims = { 2 }, Int64Data = { 1, 3 } },
            },
        };

        // Act
        var tensors = Distill.Teacher.Internal.OnnxInitializers.ReadFloats(graph, "test.onnx");

        // Assert
        tensors.Keys.Should().Equal("f16_raw", "f16_typed", "bf16_typed", "f64_typed");
        tensors["f64_typed"].shape.Should().Equal(1, 3);
        foreach (var (name, value) in tensors)
        {
            value.dtype.Should().Be(ScalarType.Float32, name);
            Tensors.Values(value).Should().Equal(expected.Select(v => (double)v), name);
            value.Dispose();
        }
    }
}

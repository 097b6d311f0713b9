using System.Buffers.Binary;
using Distill.Students;
using Distill.Students.Checkpoints;
using Onnx;
using static TorchSharp.torch;

namespace Distill.Core.Tests.Students.Checkpoints;

public class OnnxTransformerWeightsTests
{
    private const string UseACheckpoint = "load the teacher from a checkpoint instead (model.safetensors with its config.json, or a Distill checkpoint folder)";

    [Fact]
    public void Import_Should_RebuildTheSameTransformer_When_TheModelCarriesDistillMetadata()
    {
        // Arrange: an epsilon that shapes cannot reveal, so the settings must come from the metadata.
        using var temp = new TempFolder();
        manual_seed(31);
        using var original = new TransformerStudent(StudentFixtures.SmallTransformer() with { LayerNormEps = 1e-6 });
        original.eval();
        OnnxModels.Write(OnnxModels.FromStudent(original, withMetadata: true), temp["teacher.onnx"]);

        // Act
        var imported = OnnxTransformerWeights.Import(temp["teacher.onnx"]);
        using var model = imported.Model;

        // Assert
        model.Settings.Should().Be(original.Settings);
        model.training.Should().BeFalse();
        imported.Report.Loaded.Should().Equal(original.state_dict().Keys);
        imported.Report.Missing.Should().BeEmpty();
        Tensors.DifferingKeys(model.state_dict(), original.state_dict()).Should().BeEmpty();
        using var scope = NewDisposeScope();
        var (ids, mask) = StudentFixtures.TokenBatch(8, 7, 7, 3);
        Tensors.MaxDifference(model.call(StudentInput.Text(ids, mask)).Logits, original.call(StudentInput.Text(ids, mask)).Logits).Should().Be(0);
    }

    [Fact]
    public void Import_Should_LeaveNoTensorAlive_When_TheModelIsDisposed()
    {
        using var temp = new TempFolder();
        using (var original = new TransformerStudent(StudentFixtures.SmallTransformer()))
        {
            OnnxModels.Write(OnnxModels.FromStudent(original, withMetadata: true), temp["teacher.onnx"]);
        }

        var before = Tensors.Live;

        OnnxTransformerWeights.Import(temp["teacher.onnx"]).Model.Dispose();

        Tensors.Live.Should().Be(before, "the initializers read as tensors are disposed once copied");
    }

    [Fact]
    public void Import_Should_InferTheSettingsFromTheShapes_When_HeadsArePassed()
    {
        // Arrange: no metadata; 3 layers and 4 labels, which the importer must read off the weights.
        using var temp = new TempFolder();
        manual_seed(32);
        using var original = new TransformerStudent(StudentFixtures.SmallTransformer(labels: 4) with { Layers = 3, MaxPositions = 20, TypeVocabSize = 3 });
        original.eval();
        OnnxModels.Write(OnnxModels.FromStudent(original, withMetadata: false), temp["teacher.onnx"]);

        // Act
        var imported = OnnxTransformerWeights.Import(temp["teacher.onnx"], heads: 4);
        using var model = imported.Model;

        // Assert
        model.Settings.Should().Be(original.Settings);
        Tensors.DifferingKeys(model.state_dict(), original.state_dict()).Should().BeEmpty();
        using var scope = NewDisposeScope();
        var (ids, mask) = StudentFixtures.TokenBatch(9, 6, 6, 2);
        Tensors.MaxDifference(model.call(StudentInput.Text(ids, mask)).Logits, original.call(StudentInput.Text(ids, mask)).Logits).Should().Be(0);
    }

    [Fact]
    public void Import_Should_ReadEpsilonFromLayerNormalization_And_WeightsFromExternalData_When_TheGraphHasThem()
    {
        // Arrange: opset-17 LayerNormalization with epsilon 1e-5; the word embeddings stored in a side file at an offset.
        using var temp = new TempFolder();
        manual_seed(33);
        using var original = new TransformerStudent(StudentFixtures.SmallTransformer());
        var onnx = OnnxModels.FromStudent(original, withMetadata: false);
        onnx.Graph.Node.Add(new NodeProto { OpType = "LayerNormalization", Attribute = { new AttributeProto { Name = "epsilon", F = 1e-5f, Type = AttributeProto.Types.AttributeType.Float } } });
        var words = onnx.Graph.Initializer.Single(i => i.Name == "bert.embeddings.word_embeddings.weight");
        var bytes = words.RawData.Length > 0 ? words.RawData.ToByteArray() : ToBytes(words.FloatData.ToArray());
        File.WriteAllBytes(temp["teacher.onnx.data"], [.. new byte[16], .. bytes]);
        words.RawData = Google.Protobuf.ByteString.Empty;
        words.FloatData.Clear();
        words.DataLocation = TensorProto.Types.DataLocation.External;
        words.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "teacher.onnx.data" });
        words.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = "16" });
        words.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = bytes.Length.ToString() });
        OnnxModels.Write(onnx, temp["teacher.onnx"]);

        // Act
        using var model = OnnxTransformerWeights.Import(temp["teacher.onnx"], heads: 4).Model;

        // Assert
        model.Settings.LayerNormEps.Should().Be(1e-5);
        Tensors.DifferingKeys(model.state_dict(), original.state_dict()).Should().BeEmpty();
    }

    [Fact]
    public void Import_Should_AskForACheckpoint_When_TheInitializersAreAnonymous()
    {
        // Arrange: torch.onnx's names for folded weights.
        using var temp = new TempFolder();
        using var original = new TransformerStudent(StudentFixtures.SmallTransformer());
        var counter = 100;
        OnnxModels.Write(OnnxModels.FromStudent(original, withMetadata: false, _ => $"onnx::MatMul_{counter++}"), temp["teacher.onnx"]);

        // Act
        var act = () => OnnxTransformerWeights.Import(temp["teacher.onnx"], heads: 4);

        // Assert
        act.Should().Throw<DistillException>().Where(e => e.Kind == DistillErrorKind.InvalidInput).Which.Message.Should().Be(
            $"{temp["teacher.onnx"]}: cannot rebuild a BERT-layout transformer from its initializers: it lacks bert.embeddings.word_embeddings.weight, " +
            "bert.embeddings.position_embeddings.weight, bert.embeddings.token_type_embeddings.weight, bert.encoder.layer.0.intermediate.dense.weight, classifier.weight; " +
            $"its other weights have names such as onnx::MatMul_100, onnx::MatMul_101, onnx::MatMul_102 and 38 more, not Hugging Face BERT names; {UseACheckpoint}");
    }

    [Fact]
    public void Import_Should_NameTheMissingParameter_When_OneIsAbsent()
    {
        using var temp = new TempFolder();
        using var original = new TransformerStudent(StudentFixtures.SmallTransformer());
        OnnxModels.Write(
            OnnxModels.FromStudent(original, withMetadata: true, key => key == "bert.encoder.layer.1.output.LayerNorm.bias" ? null : key),
            temp["teacher.onnx"]);

        var act = () => OnnxTransformerWeights.Import(temp["teacher.onnx"]);

        act.Should().Throw<DistillException>().Which.Message.Should().Be(
            $"{temp["teacher.onnx"]}: cannot rebuild a BERT-layout transformer from its initializers: it lacks bert.encoder.layer.1.output.LayerNorm.bias; {UseACheckpoint}");
    }

    [Fact]
    public void Import_Should_AskForTheHeads_When_ThereIsNoMetadata()
    {
        using var temp = new TempFolder();
        using var original = new TransformerStudent(StudentFixtures.SmallTransformer());
        OnnxModels.Write(OnnxModels.FromStudent(original, withMetadata: false), temp["teacher.onnx"]);

        var act = () => OnnxTransformerWeights.Import(temp["teacher.onnx"]);

        act.Should().Throw<DistillException>().Which.Message.Should().Be(
            $"{temp["teacher.onnx"]}: has no distill.architecture metadata, and the number of attention heads cannot be read from weights; pass heads (hidden is 16; BERT-base has 12 heads of 64)");
    }

    [Fact]
    public void Import_Should_RefuseHeadsThatContradictTheMetadata()
    {
        using var temp = new TempFolder();
        using var original = new TransformerStudent(StudentFixtures.SmallTransformer());
        OnnxModels.Write(OnnxModels.FromStudent(original, withMetadata: true), temp["teacher.onnx"]);

        var act = () => OnnxTransformerWeights.Import(temp["teacher.onnx"], heads: 8);

        act.Should().Throw<DistillException>().Which.Message.Should().Be(
            $"{temp["teacher.onnx"]}: heads 8 was passed but metadata distill.architecture says heads 4; pass 4 or none");
    }

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
        var tensors = Distill.Students.Checkpoints.Internal.OnnxInitializers.ReadFloats(graph, "test.onnx");

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

    private static byte[] ToBytes(float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        }

        return bytes;
    }
}

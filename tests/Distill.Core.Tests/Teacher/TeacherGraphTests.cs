using System.Security.Cryptography;
using Distill.Core.Tests.Export.Support;
using Distill.Core.Tests.Students;
using Distill.Core.Tests.Teacher.Support;
using Distill.Export;
using Distill.Students;
using Distill.Teacher;
using Google.Protobuf;
using Onnx;
using static TorchSharp.torch;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Distill.Core.Tests.Teacher;

/// <summary>Loading, the file on disk, and the edits themselves.</summary>
public class TeacherGraphTests
{
    [Fact]
    public void WithOutputs_Should_LeaveTheFileOnDiskUnchanged_When_ModelIsInspectedAndTapped()
    {
        // Arrange
        manual_seed(1);
        using var model = new TransformerStudent(StudentFixtures.SmallTransformer());
        var folder = Directory.CreateTempSubdirectory("distill-taps-").FullName;
        try
        {
            var path = Path.Combine(folder, "teacher.onnx");
            OnnxExporter.Export(model, path);
            var before = SHA256.HashData(File.ReadAllBytes(path));

            // Act
            var inspection = TeacherGraph.Inspect(path);
            var loaded = TeacherGraph.Load(path);
            var tapped = TeacherGraph.WithOutputs(loaded, inspection.Taps);

            // Assert
            inspection.Source.Should().Be(path);
            inspection.ToString().Should().StartWith(path + "\n");
            SHA256.HashData(File.ReadAllBytes(path)).Should().Equal(before);
            loaded.Graph.Output.Should().ContainSingle();
            tapped.Graph.Output.Select(o => o.Name).Should().Equal(
                "logits", inspection.Taps[0].TensorName, inspection.Taps[1].TensorName, "distill.hidden_states.1", inspection.Taps[3].TensorName, "distill.hidden_states.2");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void WithOutputs_Should_DeclareShapesFromTheTokenIds_When_TapsAreAdded()
    {
        // Arrange
        manual_seed(1);
        using var model = new TransformerStudent(StudentFixtures.SmallTransformer());
        var onnx = OnnxExporter.ToModel(model);
        var inspection = TeacherGraph.Inspect(onnx);

        // Act
        var tapped = TeacherGraph.WithOutputs(onnx, TeacherTaps.Select(inspection, attentionLayers: [1], hiddenStates: [2]));

        // Assert
        var outputs = tapped.Graph.Output.Skip(1).Select(TeacherTensorInfo.From).Select(o => o.ToString());
        outputs.Should().Equal($"{inspection.Layers[1].AttentionProbabilities.TensorName}: float [batch, ?, sequence, sequence]", "distill.hidden_states.2: float [batch, sequence, 16]");
    }

    [Fact]
    public void Load_Should_SayTheFileIsMissing_When_PathDoesNotExist()
    {
        // Arrange
        var path = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}.onnx");

        // Act
        var load = () => TeacherGraph.Inspect(path);

        // Assert
        load.Should().Throw<DistillException>().Which.Message.Should().Be($"{path}: file not found; pass the teacher's .onnx file");
    }

    [Fact]
    public void Load_Should_SayTheFileIsNotOnnx_When_BytesAreNotAModel()
    {
        // Arrange
        var path = Path.GetTempFileName();
        File.WriteAllText(path, "this is not a protobuf model, just text");
        try
        {
            // Act
            var load = () => TeacherGraph.Load(path);

            // Assert
            load.Should().Throw<DistillException>().Which.Message.Should()
                .StartWith($"{path}: not a readable ONNX model (").And.EndWith("); pass the teacher's .onnx file");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void WithOutputs_Should_Fail_When_TapsComeFromAnotherModel()
    {
        // Arrange
        manual_seed(1);
        using var model = new TransformerStudent(StudentFixtures.SmallTransformer());
        var huggingFace = TeacherGraph.Inspect(HuggingFaceBertOnnx.Build(model));
        var distill = OnnxExporter.ToModel(model);

        // Act
        var edit = () => TeacherGraph.WithOutputs(distill, [huggingFace.Layers[0].AttentionProbabilities]);

        // Assert
        edit.Should().Throw<DistillException>().Which.Message.Should().Be(
            "teacher model 'distill_transformer': attention_probabilities[0] names tensor '/bert/encoder/layer.0/attention/self/Softmax_output_0', "
            + "which no node of this model computes; take taps from TeacherGraph.Inspect of the same model");
    }

    [Fact]
    public void WithOutputs_Should_AddTapsByTensorName_When_NamesAreGiven()
    {
        // Arrange: a tap's tensor (reshaped from rows) and a tensor that is no tap (the attention scores' Div).
        manual_seed(14);
        using var model = new TransformerStudent(StudentFixtures.SmallTransformer());
        model.eval();
        var onnx = OnnxExporter.ToModel(model);
        var inspection = TeacherGraph.Inspect(onnx);
        var layerOutput = inspection.Layers[0].Output!;
        var softmax = onnx.Graph.Node.Single(n => n.Output[0] == inspection.Layers[0].AttentionProbabilities.TensorName);
        var scores = onnx.Graph.Node.Single(n => n.Output[0] == softmax.Input[0]).Input[0];
        using var scope = NewDisposeScope();
        var (ids, mask) = StudentFixtures.TokenBatch(3, 6, 6, 4);
        var types = zeros_like(ids);

        // Act
        var tapped = TeacherGraph.WithOutputs(onnx, [layerOutput.TensorName, scores]);
        var actual = OrtRunner.Run(tapped.ToByteArray(), DistillExportTapsTests.Feeds(ids, mask, types), layerOutput.OutputName, scores);
        var expected = model.call(StudentInput.Text(ids, mask, types, Intermediates.HiddenStates | Intermediates.AttentionScores));

        // Assert
        OrtRunner.MaxAbsDifference(actual[layerOutput.OutputName], expected.HiddenStates![1]).Should().BeLessThan(1e-4);
        OrtRunner.MaxAbsDifference(actual[scores], expected.AttentionScores![0]).Should().BeLessThan(1e-4);
    }

    [Fact]
    public void WithOutputs_Should_CastToFloat_When_TapIsFloat16()
    {
        // Arrange: x → Cast(float16) → h16 → Cast(float) → y, and a tap on h16.
        var model = TinyOnnxModel.Model("half",
            [
                TinyOnnxModel.Node("Cast", ["x"], ["h16"], TinyOnnxModel.IntAttribute("to", (long)DataType.Float16)),
                TinyOnnxModel.Node("Cast", ["h16"], ["y"], TinyOnnxModel.IntAttribute("to", (long)DataType.Float)),
            ],
            [TinyOnnxModel.Tensor("x", DataType.Float, "batch", 3)],
            [TinyOnnxModel.Tensor("y", DataType.Float, "batch", 3)]);
        var tap = new TeacherTap
        {
            Kind = TeacherTapKind.HiddenStates, Index = 0, TensorName = "h16", NodeName = "", Pattern = "test",
            OutputName = "distill.hidden_states.0", CastToFloat = true,
        };
        using var scope = NewDisposeScope();
        var x = tensor(new[] { 1f / 3, 1000.06f, -2.5f, 0.1f, 7f, 65504f }, [2, 3]);

        // Act
        var tapped = TeacherGraph.WithOutputs(model, [tap]);
        var raw = TeacherGraph.WithOutputs(model, ["h16"]);
        var actual = OrtRunner.Run(tapped.ToByteArray(), new Dictionary<string, Tensor> { ["x"] = x }, "distill.hidden_states.0");

        // Assert: float32 values rounded through float16; the raw edit keeps the float16 type it infers.
        OrtRunner.MaxAbsDifference(actual["distill.hidden_states.0"], x.to(ScalarType.Float16).to(ScalarType.Float32)).Should().Be(0);
        raw.Graph.Output.Single(o => o.Name == "h16").Type.TensorType.ElemType.Should().Be((int)DataType.Float16);
        model.Graph.Output.Should().ContainSingle();
    }

    [Fact]
    public void WithOutputs_Should_Fail_When_ANameIsNotInTheGraph()
    {
        // Arrange
        manual_seed(1);
        using var model = new MlpStudent(StudentFixtures.SmallMlp());
        var onnx = OnnxExporter.ToModel(model);

        // Act
        var edit = () => TeacherGraph.WithOutputs(onnx, ["no_such_tensor"]);

        // Assert
        edit.Should().Throw<DistillException>().Which.Message.Should().Be("teacher model 'distill_mlp': no node of this model computes tensor 'no_such_tensor'; name a tensor that a node computes (graph inputs and weights cannot be tapped)");
    }
}

using Distill.Core.Tests.Export.Support;
using Distill.Core.Tests.Students;
using Distill.Export;
using Distill.Students;
using Distill.Teacher;
using Google.Protobuf;
using static TorchSharp.torch;

namespace Distill.Core.Tests.Teacher;

/// <summary>Taps of teachers exported by Distill's own exporter, with and without extra outputs.</summary>
public class DistillExportTapsTests
{
    [Fact]
    public void Inspect_Should_FindEveryLayerInTopologicalOrder_When_DistillExportHasNoExtraOutputs()
    {
        // Arrange
        manual_seed(3);
        using var model = new TransformerStudent(StudentFixtures.SmallTransformer() with { Layers = 3 });
        var onnx = OnnxExporter.ToModel(model);

        // Act
        var inspection = TeacherGraph.Inspect(onnx, "distill.onnx");

        // Assert
        inspection.Layers.Should().HaveCount(3);
        inspection.Layers.Select(l => l.Index).Should().Equal(0, 1, 2);
        inspection.Layers.Should().OnlyContain(l => l.AttentionProbabilities.Pattern == "Softmax" && l.Output != null);
        inspection.HiddenStates.Select(t => t.Index).Should().Equal(0, 1, 2, 3);
        inspection.Logits.Should().Be(OnnxNames.Logits);
        inspection.TokenIdsInput.Should().Be(OnnxNames.InputIds);
        inspection.Inputs.Select(i => i.Name).Should().Equal(OnnxNames.InputIds, OnnxNames.AttentionMask, OnnxNames.TokenTypeIds);
        inspection.Inputs[0].Describe().Should().Be("int64 [batch, sequence]");

        // The layers compute [batch·sequence, hidden] rows; the embedding output is [batch, sequence, hidden].
        inspection.Embeddings!.NeedsReshape.Should().BeFalse();
        inspection.Embeddings.Pattern.Should().Be("LayerNormalization");
        inspection.Layers.Should().OnlyContain(l => l.Output!.NeedsReshape && l.Output.OutputName == $"distill.hidden_states.{l.Index + 1}");
        inspection.Layers.Should().OnlyContain(l => l.Output!.Width == 16);
        inspection.Taps.Should().OnlyContain(t => !t.IsOutput && !t.CastToFloat);

        // Topological: each layer's Softmax comes after the previous layer's output in the graph.
        var position = onnx.Graph.Node.Select((node, i) => (node, i)).ToDictionary(p => p.node.Output[0], p => p.i);
        var order = inspection.Taps.Select(t => position[t.TensorName]).ToList();
        order.Should().BeInAscendingOrder();
    }

    [Theory]
    [InlineData(1, 5, new[] { 5 })]
    [InlineData(3, 9, new[] { 9, 2, 6 })]
    public void WithOutputs_Should_MatchTransformerStudentIntermediates_When_DistillExportIsTapped(int batch, int sequence, int[] lengths)
    {
        // Arrange
        manual_seed(11);
        using var model = new TransformerStudent(StudentFixtures.SmallTransformer());
        model.eval();
        var onnx = OnnxExporter.ToModel(model);
        var inspection = TeacherGraph.Inspect(onnx);
        var taps = TeacherTaps.Select(inspection, attentionLayers: [0, 1], hiddenStates: [0, 1, 2]);
        using var scope = NewDisposeScope();
        var (ids, mask) = StudentFixtures.TokenBatch(batch * 10 + sequence, sequence, lengths);
        var types = (arange(sequence).unsqueeze(0) >= sequence / 2).to(ScalarType.Int64).expand(batch, sequence).contiguous();

        // Act
        var tapped = TeacherGraph.WithOutputs(onnx, taps);
        var expected = model.call(StudentInput.Text(ids, mask, types, Intermediates.AttentionProbabilities | Intermediates.HiddenStates));
        var actual = OrtRunner.Run(tapped.ToByteArray(), Feeds(ids, mask, types), [.. taps.Select(t => t.OutputName), OnnxNames.Logits]);

        // Assert
        OrtRunner.MaxAbsDifference(actual[OnnxNames.Logits], expected.Logits).Should().BeLessThan(1e-4);
        foreach (var tap in taps)
        {
            var reference = tap.Kind == TeacherTapKind.AttentionProbabilities
                ? expected.AttentionProbabilities![tap.Index]
                : expected.HiddenStates![tap.Index];
            actual[tap.OutputName].shape.Should().Equal(reference.shape, tap.Label);
            OrtRunner.MaxAbsDifference(actual[tap.OutputName], reference).Should().BeLessThan(1e-4, tap.Label);
        }
    }

    [Fact]
    public void Inspect_Should_RecogniseExistingOutputs_When_DistillExportHasExtraOutputs()
    {
        // Arrange
        manual_seed(5);
        using var model = new TransformerStudent(StudentFixtures.SmallTransformer());
        var onnx = OnnxExporter.ToModel(model, new OnnxExportOptions { ExtraOutputs = Intermediates.AttentionProbabilities | Intermediates.HiddenStates });

        // Act
        var inspection = TeacherGraph.Inspect(onnx);
        var tapped = TeacherGraph.WithOutputs(onnx, inspection.Taps);

        // Assert: every tap is found and maps to the exporter's own output; nothing is added.
        inspection.Taps.Should().HaveCount(5).And.OnlyContain(t => t.IsOutput);
        inspection.AttentionProbabilities.Select(t => t.OutputName).Should().Equal(OnnxNames.AttentionProbabilities(0), OnnxNames.AttentionProbabilities(1));
        inspection.HiddenStates.Select(t => t.OutputName).Should().Equal(OnnxNames.HiddenStates(0), OnnxNames.HiddenStates(1), OnnxNames.HiddenStates(2));
        inspection.Logits.Should().Be(OnnxNames.Logits);
        tapped.Should().Be(onnx);
    }

    [Fact]
    public void Inspect_Should_RecogniseAddedOutputs_When_TappedModelIsInspectedAgain()
    {
        // Arrange
        manual_seed(6);
        using var model = new TransformerStudent(StudentFixtures.SmallTransformer());
        var onnx = OnnxExporter.ToModel(model);
        var tapped = TeacherGraph.WithOutputs(onnx, TeacherGraph.Inspect(onnx).Taps);

        // Act
        var again = TeacherGraph.Inspect(tapped);

        // Assert: the outputs the edit added are found as outputs, under the same names, and nothing is added twice.
        again.Taps.Should().OnlyContain(t => t.IsOutput);
        again.HiddenStates.Select(t => t.OutputName).Should().Equal(TeacherGraph.Inspect(onnx).HiddenStates.Select(t => t.OutputName));
        TeacherGraph.WithOutputs(tapped, again.Taps).Graph.Output.Should().HaveCount(tapped.Graph.Output.Count);
    }

    [Fact]
    public void Inspect_Should_FindNoAttentionLayers_When_ModelIsAnMlp()
    {
        // Arrange
        manual_seed(2);
        using var model = new MlpStudent(StudentFixtures.SmallMlp());
        var onnx = OnnxExporter.ToModel(model);

        // Act
        var inspection = TeacherGraph.Inspect(onnx, "mlp.onnx");
        var ask = () => TeacherTaps.Select(inspection, attentionLayers: [0]);

        // Assert
        inspection.Layers.Should().BeEmpty();
        inspection.Taps.Should().BeEmpty();
        inspection.Embeddings.Should().BeNull();
        inspection.Logits.Should().Be(OnnxNames.Logits);
        inspection.TokenIdsInput.Should().BeNull();
        inspection.ToString().Should().Contain("taps: none");
        ask.Should().Throw<DistillException>()
            .Which.Message.Should().StartWith("mlp.onnx: attention layer 0 does not exist; the teacher has no attention layers")
            .And.NotContain("\n");
    }

    internal static Dictionary<string, Tensor> Feeds(Tensor ids, Tensor mask, Tensor types) => new()
    {
        [OnnxNames.InputIds] = ids, [OnnxNames.AttentionMask] = mask, [OnnxNames.TokenTypeIds] = types,
    };
}

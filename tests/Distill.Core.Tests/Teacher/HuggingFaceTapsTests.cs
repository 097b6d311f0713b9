using Distill.Core.Tests.Export.Support;
using Distill.Core.Tests.Students;
using Distill.Core.Tests.Teacher.Support;
using Distill.Students;
using Distill.Teacher;
using Google.Protobuf;
using Onnx;
using static TorchSharp.torch;

namespace Distill.Core.Tests.Teacher;

/// <summary>Taps of graphs shaped as torch.onnx.export writes a Hugging Face BertForSequenceClassification.</summary>
public class HuggingFaceTapsTests
{
    private const int Layers = 2;

    [Fact]
    public void Inspect_Should_FindEachLayersSoftmaxAndLastLayerNorm_When_GraphIsAHuggingFaceExport()
    {
        // Arrange
        manual_seed(1);
        using var model = new TransformerStudent(StudentFixtures.SmallTransformer());
        var onnx = HuggingFaceBertOnnx.Build(model);

        // Act
        var inspection = TeacherGraph.Inspect(onnx, "bert.onnx");

        // Assert: the tensors torch names after the modules that compute them (names checked here, not used there).
        inspection.Layers.Should().HaveCount(Layers);
        for (var i = 0; i < Layers; i++)
        {
            var layer = inspection.Layers[i];
            layer.AttentionProbabilities.TensorName.Should().Be($"/bert/encoder/layer.{i}/attention/self/Softmax_output_0");
            layer.AttentionProbabilities.NodeName.Should().Be($"/bert/encoder/layer.{i}/attention/self/Softmax");
            layer.Output!.TensorName.Should().Be($"/bert/encoder/layer.{i}/output/LayerNorm/Add_1_output_0");
            layer.Output.Pattern.Should().Be("LayerNorm (decomposed)");
            layer.Output.Width.Should().Be(16);
        }

        inspection.Embeddings!.TensorName.Should().Be("/bert/embeddings/LayerNorm/Add_1_output_0");
        inspection.Taps.Should().OnlyContain(t => !t.IsOutput && !t.NeedsReshape && !t.CastToFloat && t.OutputName == t.TensorName);
        inspection.Logits.Should().Be("logits");
        inspection.TokenIdsInput.Should().Be("input_ids");
        inspection.Inputs.Select(i => i.ToString()).Should().Equal(
            "input_ids: int64 [batch_size, sequence_length]", "attention_mask: int64 [batch_size, sequence_length]", "token_type_ids: int64 [batch_size, sequence_length]");

        // The last layer's output is what the pooler reads.
        var pooler = onnx.Graph.Node.Single(n => n.Name == "/bert/pooler/Gather");
        pooler.Input[0].Should().Be(inspection.HiddenStates[^1].TensorName);
    }

    [Theory]
    [InlineData(LayerNormForm.Decomposed)]
    [InlineData(LayerNormForm.Fused)]
    [InlineData(LayerNormForm.Skip)]
    public void WithOutputs_Should_ReturnTheTorchSharpBertsIntermediates_When_HuggingFaceGraphIsTapped(LayerNormForm form)
    {
        // Arrange
        manual_seed(12);
        using var model = new TransformerStudent(StudentFixtures.SmallTransformer());
        model.eval();
        var onnx = HuggingFaceBertOnnx.Build(model, form);
        var original = onnx.ToByteArray();
        var inspection = TeacherGraph.Inspect(onnx);
        var taps = TeacherTaps.Select(inspection, attentionLayers: [0, 1], hiddenStates: [0, 1, 2]);
        using var scope = NewDisposeScope();
        const int sequence = 7;
        var (ids, mask) = StudentFixtures.TokenBatch(4, sequence, 7, 3, 5);
        var types = (arange(sequence).unsqueeze(0) >= 4).to(ScalarType.Int64).expand(3, sequence).contiguous();

        // Act
        var tapped = TeacherGraph.WithOutputs(onnx, taps);
        var actual = OrtRunner.Run(tapped.ToByteArray(), DistillExportTapsTests.Feeds(ids, mask, types), [.. taps.Select(t => t.OutputName), "logits"]);
        var expected = model.call(StudentInput.Text(ids, mask, types, Intermediates.AttentionProbabilities | Intermediates.HiddenStates));

        // Assert: the input model is untouched; every tap has its layout and equals the independent computation.
        onnx.ToByteArray().Should().Equal(original);
        inspection.Layers.Select(l => l.Output!.Pattern).Should().AllBe(form switch
        {
            LayerNormForm.Decomposed => "LayerNorm (decomposed)",
            LayerNormForm.Fused => "LayerNormalization",
            _ => "SkipLayerNormalization",
        });
        OrtRunner.MaxAbsDifference(actual["logits"], expected.Logits).Should().BeLessThan(1e-4);
        foreach (var tap in taps.Where(t => t.Kind == TeacherTapKind.AttentionProbabilities))
        {
            var probabilities = actual[tap.OutputName];
            probabilities.shape.Should().Equal(3, 4, sequence, sequence);
            OrtRunner.MaxAbsDifference(probabilities.sum(-1), ones(3, 4, sequence)).Should().BeLessThan(1e-5, "rows of {0} sum to 1", tap.Label);
            var padded = (mask == 0).view(3, 1, 1, sequence).expand(3, 4, sequence, sequence);
            probabilities.masked_select(padded).abs().max().item<float>().Should().Be(0f, "padded keys get no attention in {0}", tap.Label);
            OrtRunner.MaxAbsDifference(probabilities, expected.AttentionProbabilities![tap.Index]).Should().BeLessThan(1e-4, tap.Label);
        }

        foreach (var tap in taps.Where(t => t.Kind == TeacherTapKind.HiddenStates))
        {
            actual[tap.OutputName].shape.Should().Equal(3, sequence, 16);
            OrtRunner.MaxAbsDifference(actual[tap.OutputName], expected.HiddenStates![tap.Index]).Should().BeLessThan(1e-4, tap.Label);
        }
    }

    [Fact]
    public void Inspect_Should_FindTheSameTaps_When_NamesAreErasedAndNodesAreOutOfOrder()
    {
        // Arrange: every node and intermediate tensor renamed to a meaningless name, the node list reversed.
        manual_seed(4);
        using var model = new TransformerStudent(StudentFixtures.SmallTransformer());
        var onnx = HuggingFaceBertOnnx.Build(model);
        var expected = TeacherGraph.Inspect(onnx);
        var (scrambled, renamed) = Scramble(onnx);

        // Act
        var actual = TeacherGraph.Inspect(scrambled);

        // Assert
        actual.Taps.Select(t => (t.Kind, t.Index, t.TensorName)).Should().Equal(
            expected.Taps.Select(t => (t.Kind, t.Index, renamed[t.TensorName])));
    }

    [Fact]
    public void Inspect_Should_IgnoreSoftmaxAndLayerNormInTheHead_When_TheyAreNotAttentionOrResidual()
    {
        // Arrange: class probabilities as a second output, and a LayerNorm over the pooled vector as a third, as
        // heads sometimes have; neither is an attention Softmax or a layer output.
        manual_seed(9);
        using var model = new TransformerStudent(StudentFixtures.SmallTransformer());
        var onnx = HuggingFaceBertOnnx.Build(model, LayerNormForm.Fused);
        var expected = TeacherGraph.Inspect(onnx).Taps.Select(t => t.TensorName).ToList();
        var pooled = onnx.Graph.Node.Single(n => n.Name == "/bert/pooler/activation/Tanh").Output[0];
        onnx.Graph.Node.Add(new NodeProto { OpType = "Softmax", Name = "/Softmax", Input = { "logits" }, Output = { "probabilities" }, Attribute = { new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = -1 } } });
        onnx.Graph.Node.Add(new NodeProto { OpType = "LayerNormalization", Name = "/head/LayerNorm", Input = { pooled, "bert.pooler.dense.bias", "bert.pooler.dense.bias" }, Output = { "pooled_norm" } });
        onnx.Graph.Output.Add(new ValueInfoProto { Name = "probabilities" });
        onnx.Graph.Output.Add(new ValueInfoProto { Name = "pooled_norm" });

        // Act
        var inspection = TeacherGraph.Inspect(onnx);

        // Assert
        inspection.Taps.Select(t => t.TensorName).Should().Equal(expected);
        inspection.Logits.Should().Be("logits");
    }

    [Fact]
    public void Inspect_Should_TakeTheProjectedEmbeddingsAsHiddenStateZero_When_EmbeddingsAreProjectedAsInAlbert()
    {
        // Arrange: ALBERT maps its small embeddings to the hidden size with a Linear before layer 0. The nodes are
        // appended at the end of the list, out of topological order.
        manual_seed(5);
        using var model = new TransformerStudent(StudentFixtures.SmallTransformer());
        var onnx = HuggingFaceBertOnnx.Build(model);
        var embeddings = TeacherGraph.Inspect(onnx).Embeddings!.TensorName;
        foreach (var node in onnx.Graph.Node)
        {
            for (var i = 0; i < node.Input.Count; i++)
            {
                node.Input[i] = node.Input[i] == embeddings ? "/bert/encoder/embedding_hidden_mapping_in/Add_output_0" : node.Input[i];
            }
        }

        var identity = Enumerable.Range(0, 16 * 16).Select(i => i % 17 == 0 ? 1f : 0f).ToArray();
        onnx.Graph.Initializer.Add(new TensorProto { Name = "onnx::MatMul_9", DataType = (int)TensorProto.Types.DataType.Float, Dims = { 16, 16 }, FloatData = { identity } });
        onnx.Graph.Initializer.Add(new TensorProto { Name = "mapping.bias", DataType = (int)TensorProto.Types.DataType.Float, Dims = { 16 }, FloatData = { new float[16] } });
        onnx.Graph.Node.Add(new NodeProto { OpType = "MatMul", Name = "/bert/encoder/embedding_hidden_mapping_in/MatMul", Input = { embeddings, "onnx::MatMul_9" }, Output = { "/bert/encoder/embedding_hidden_mapping_in/MatMul_output_0" } });
        onnx.Graph.Node.Add(new NodeProto { OpType = "Add", Name = "/bert/encoder/embedding_hidden_mapping_in/Add", Input = { "mapping.bias", "/bert/encoder/embedding_hidden_mapping_in/MatMul_output_0" }, Output = { "/bert/encoder/embedding_hidden_mapping_in/Add_output_0" } });

        // Act
        var inspection = TeacherGraph.Inspect(onnx);

        // Assert
        inspection.Embeddings!.TensorName.Should().Be("/bert/encoder/embedding_hidden_mapping_in/Add_output_0");
        inspection.Embeddings.Pattern.Should().Be("Add");
        inspection.HiddenStates.Select(t => t.Index).Should().Equal(0, 1, 2);
        inspection.Layers[0].Output!.TensorName.Should().Be("/bert/encoder/layer.0/output/LayerNorm/Add_1_output_0");
    }

    [Fact]
    public void ToString_Should_ListInputsOutputsAndTapsByLayer_When_Printed()
    {
        // Arrange
        manual_seed(1);
        using var model = new TransformerStudent(StudentFixtures.SmallTransformer());
        var inspection = TeacherGraph.Inspect(HuggingFaceBertOnnx.Build(model), "bert.onnx");

        // Act
        var lines = inspection.ToString().Split('\n');

        // Assert
        lines[0].Should().Be("bert.onnx");
        lines.Should().Contain("  input_ids       int64 [batch_size, sequence_length]");
        lines.Should().Contain("  logits  float [batch_size, 3]");
        lines.Should().Contain("logits: logits");
        lines.Should().Contain("taps: 2 attention layers, hidden states 0–2");
        lines.Should().Contain(l => l.StartsWith("  attention_probabilities[1]  /bert/encoder/layer.1/attention/self/Softmax_output_0") && l.EndsWith("Softmax"));
        lines.Should().Contain(l => l.StartsWith("  hidden_states[2]            /bert/encoder/layer.1/output/LayerNorm/Add_1_output_0") && l.EndsWith("LayerNorm (decomposed)"));
    }

    // Renames every node and every tensor that is not a graph input, output or initializer, and reverses the nodes.
    private static (ModelProto Model, Dictionary<string, string> Renamed) Scramble(ModelProto model)
    {
        var copy = model.Clone();
        var graph = copy.Graph;
        var keep = graph.Input.Select(i => i.Name).Concat(graph.Output.Select(o => o.Name)).Concat(graph.Initializer.Select(i => i.Name)).ToHashSet();
        var renamed = new Dictionary<string, string>();
        string Rename(string name) => name.Length == 0 || keep.Contains(name) ? name
            : renamed.TryGetValue(name, out var fresh) ? fresh : renamed[name] = $"t{renamed.Count}";
        var nodes = graph.Node.Reverse().ToList();
        graph.Node.Clear();
        for (var i = 0; i < nodes.Count; i++)
        {
            var node = nodes[i];
            node.Name = $"n{i}";
            for (var j = 0; j < node.Input.Count; j++)
            {
                node.Input[j] = Rename(node.Input[j]);
            }

            for (var j = 0; j < node.Output.Count; j++)
            {
                node.Output[j] = Rename(node.Output[j]);
            }

            graph.Node.Add(node);
        }

        return (copy, renamed);
    }
}

using Distill.Core.Tests.Students;
using Distill.Core.Tests.Teacher.Support;
using Distill.Students;
using Distill.Teacher;
using static TorchSharp.torch;

namespace Distill.Core.Tests.Teacher;

public class TeacherTapsTests
{
    [Fact]
    public void Select_Should_ReturnAttentionThenHiddenStatesInTheOrderAsked_When_AllExist()
    {
        // Arrange
        var inspection = Inspect(layers: 3);

        // Act
        var taps = TeacherTaps.Select(inspection, attentionLayers: [2, 0, 2], hiddenStates: [3, 0]);

        // Assert
        taps.Select(t => t.Label).Should().Equal("attention_probabilities[2]", "attention_probabilities[0]", "hidden_states[3]", "hidden_states[0]");
        taps[0].Should().BeSameAs(inspection.Layers[2].AttentionProbabilities);
        taps[2].Should().BeSameAs(inspection.Layers[2].Output);
        taps[3].Should().BeSameAs(inspection.Embeddings);
    }

    [Fact]
    public void Select_Should_ReturnNothing_When_NothingIsAsked()
    {
        // Arrange
        var inspection = Inspect(layers: 2);

        // Act
        var taps = TeacherTaps.Select(inspection);

        // Assert
        taps.Should().BeEmpty();
    }

    [Fact]
    public void Select_Should_ListTheLayersThatExist_When_AskedForOnesThatDoNot()
    {
        // Arrange
        var inspection = Inspect(layers: 4);

        // Act
        var select = () => TeacherTaps.Select(inspection, attentionLayers: [1, 4, 5], hiddenStates: [4, 7]);

        // Assert
        select.Should().Throw<DistillException>().Which.Message.Should().Be(
            "bert.onnx: attention layers 4, 5 and hidden state 7 do not exist; the teacher has attention layers 0–3 and hidden states 0–4 "
            + "(0 = embedding output, i = output of layer i − 1); choose among those");
    }

    [Fact]
    public void Select_Should_UseTheSingular_When_OneLayerIsMissingOfOne()
    {
        // Arrange
        var inspection = Inspect(layers: 1);

        // Act
        var select = () => TeacherTaps.Select(inspection, attentionLayers: [1]);

        // Assert
        select.Should().Throw<DistillException>().Which.Message.Should().StartWith(
            "bert.onnx: attention layer 1 does not exist; the teacher has attention layer 0 and hidden states 0, 1 ");
    }

    private static TeacherInspection Inspect(int layers)
    {
        manual_seed(7);
        using var model = new TransformerStudent(StudentFixtures.SmallTransformer() with { Layers = layers });
        return TeacherGraph.Inspect(HuggingFaceBertOnnx.Build(model), "bert.onnx");
    }
}

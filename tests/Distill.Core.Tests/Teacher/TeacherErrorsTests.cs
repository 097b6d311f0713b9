using Distill.Teacher.Internal;
using Onnx;

namespace Distill.Core.Tests.Teacher;

public class TeacherErrorsTests
{
    [Fact]
    public void NoGraph_Should_NameTheSourceAndAskForTheOnnxFile()
    {
        // Act
        var error = TeacherErrors.NoGraph("teacher.onnx");

        // Assert
        error.Kind.Should().Be(DistillErrorKind.InvalidInput);
        error.Message.Should().Be("teacher.onnx: the model has no graph; pass the teacher's .onnx file");
    }

    [Fact]
    public void NotBertLayout_Should_NameTheNodeByItsOutput_When_TheNodeHasNoName()
    {
        // Arrange
        var node = new NodeProto { OpType = "Gelu", Output = { "h0" } };

        // Act
        var error = TeacherErrors.NotBertLayout("teacher.onnx", node, "expected Erf");

        // Assert
        error.Kind.Should().Be(DistillErrorKind.InvalidInput);
        error.Message.Should().Be(
            "teacher.onnx: cannot map the graph onto a BERT-layout encoder at node 'h0' (Gelu): expected Erf; Distill imports post-LayerNorm " +
            "BERT-family encoders (BERT, MiniLM, TinyBERT) from ONNX; load other teachers from a checkpoint (model.safetensors with its config.json)");
    }

    [Fact]
    public void NotBertLayout_Should_NameNoNode_When_ThereIsNone()
    {
        // Act
        var error = TeacherErrors.NotBertLayout("teacher.onnx", null, "no LayerNorm");

        // Assert
        error.Message.Should().StartWith("teacher.onnx: cannot map the graph onto a BERT-layout encoder: no LayerNorm; Distill imports");
    }

    [Fact]
    public void ImportParityExceeded_Should_NameTheFirstLayerOverTheToleranceAndListEveryDifference()
    {
        // Act
        var error = TeacherErrors.ImportParityExceeded("teacher.onnx", 0.25, 1e-3, [1e-5, 2e-4, 0.0125, 0.25], logits: 0.5);

        // Assert
        error.Kind.Should().Be(DistillErrorKind.InvalidInput);
        error.Message.Should().Be(
            "teacher.onnx: the imported module does not reproduce the graph: parity 0.25 exceeds 0.001, first at layer 1's output " +
            "(per hidden state: 1E-05, 0.0002, 0.0125, 0.25; logits: 0.5); " +
            "the graph computes something the BERT layout does not (another position scheme, pre-LayerNorm layers, another mask)");
    }

    [Fact]
    public void ImportParityExceeded_Should_BlameTheLogits_When_EveryHiddenStateIsWithinTolerance()
    {
        // Act
        var error = TeacherErrors.ImportParityExceeded("teacher.onnx", 0.5, 1e-3, [1e-5], logits: 0.5);

        // Assert
        error.Message.Should().Contain("first at the logits (per hidden state: 1E-05; logits: 0.5); ");
    }

    [Fact]
    public void InitializerDamaged_Should_NameTheInitializerItsValueCountAndShape()
    {
        // Arrange
        var initializer = new TensorProto { Name = "encoder.weight", Dims = { 2, 3 } };

        // Act
        var error = TeacherErrors.InitializerDamaged("teacher.onnx", initializer, 5);

        // Assert
        error.Message.Should().Be("teacher.onnx: initializer encoder.weight has 5 values for shape [2, 3]; the model file is damaged: export it again");
    }
}

using Distill.Evaluation.Internal;

namespace Distill.Core.Tests.Evaluation;

public class EvaluationErrorsTests
{
    [Fact]
    public void FileFactories_Should_AskForAnOnnxModelFile_Not_TheTeachers()
    {
        // Act
        var missing = EvaluationErrors.ModelFileNotFound("student.onnx");
        var noGraph = EvaluationErrors.NoGraph("student.onnx");

        // Assert
        missing.Kind.Should().Be(DistillErrorKind.InvalidInput);
        missing.Message.Should().Be("student.onnx: file not found; pass an .onnx model file");
        noGraph.Message.Should().Be("student.onnx: the model has no graph; pass an .onnx model file");
    }

    [Fact]
    public void InvalidOptions_Should_JoinEveryError()
    {
        // Act
        var error = EvaluationErrors.InvalidOptions(["a must be > 0 (was 0)", "b must be > 0 (was -1)"]);

        // Assert
        error.Message.Should().Be("a must be > 0 (was 0); b must be > 0 (was -1)");
    }
}

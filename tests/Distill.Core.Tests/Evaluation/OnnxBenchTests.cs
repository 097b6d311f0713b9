using Distill.Core.Tests.Export.Support;
using Distill.Core.Tests.Students;
using Distill.Evaluation;
using Distill.Export;
using Distill.Students;
using Google.Protobuf;
using Onnx;
using static TorchSharp.torch;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Distill.Core.Tests.Evaluation;

/// <summary>OnnxBench on small students exported by Distill, and on models it must refuse with a clear message.</summary>
public sealed class OnnxBenchTests : IDisposable
{
    // Few runs: these tests check what is measured and how inputs are made, not how fast the machine is.
    private static readonly OnnxBenchOptions Quick = new() { SequenceLength = 16, ImageSize = 8, BatchSize = 4, Repeats = 3, BatchRepeats = 2, WarmupRuns = 1, Threads = 1 };

    private readonly string _folder = Directory.CreateTempSubdirectory("distill-bench-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Export(StudentOptions options, string name)
    {
        manual_seed(3);
        using var model = options.CreateModel();
        model.eval();
        var path = Path.Combine(_folder, name);
        OnnxExporter.Export(model, path);
        return path;
    }

    [Fact]
    public void Measure_Should_FeedTokenIdsMaskAndTypes_When_TheModelIsATransformer()
    {
        // Arrange: a vocabulary of 50, so an id drawn from a larger range would fail in the embedding Gather.
        var path = Export(StudentFixtures.SmallTransformer(), "transformer.onnx");

        // Act
        var result = OnnxBench.Measure(path, Quick);

        // Assert
        result.Path.Should().Be(path);
        result.Bytes.Should().Be(new FileInfo(path).Length);
        result.LatencyMs.Should().BeGreaterThan(0);
        result.ThroughputRowsPerSecond.Should().BeGreaterThan(0);
        result.SequenceLength.Should().Be(16);
        result.Settings.Should().Be(Quick);
        result.Inputs.Should().Equal(
            $"input_ids: int64 [1, 16] random ids in [1, {StudentFixtures.Vocab})",
            "attention_mask: int64 [1, 16] ones",
            "token_type_ids: int64 [1, 16] zeros");
    }

    [Fact]
    public void Measure_Should_FeedRandomFloats_When_TheModelTakesFeaturesOrImages()
    {
        // Arrange
        var mlp = Export(StudentFixtures.SmallMlp(), "mlp.onnx");
        var cnn = Export(StudentFixtures.SmallImageCnn(), "cnn.onnx");

        // Act
        var mlpResult = OnnxBench.Measure(mlp, Quick);
        var cnnResult = OnnxBench.Measure(cnn, Quick);

        // Assert: the image's dynamic height and width take the image size, not the sequence length.
        mlpResult.Inputs.Should().Equal("features: float [1, 12] uniform in [-1, 1)");
        mlpResult.SequenceLength.Should().BeNull();
        cnnResult.Inputs.Should().Equal("pixel_values: float [1, 3, 8, 8] uniform in [-1, 1)");
        cnnResult.LatencyMs.Should().BeGreaterThan(0);
        cnnResult.ThroughputRowsPerSecond.Should().BeGreaterThan(0);
    }

    [Fact]
    public void Compare_Should_ShowTheSmallStudentFaster_When_TheTeacherIsMuchLarger()
    {
        // Arrange: about 100 times the work per token.
        var teacher = Export(new TransformerStudentOptions { VocabSize = 200, MaxPositions = 64, Layers = 4, Hidden = 128, Heads = 4, Intermediate = 512 }, "teacher.onnx");
        var student = Export(new TransformerStudentOptions { VocabSize = 200, MaxPositions = 64, Layers = 1, Hidden = 16, Heads = 2, Intermediate = 32 }, "student.onnx");

        // Act
        var comparison = OnnxBench.Compare(teacher, student, Quick with { SequenceLength = 32, Repeats = 7, BatchRepeats = 3 });

        // Assert
        comparison.Teacher.Path.Should().Be(teacher);
        comparison.Student.Path.Should().Be(student);
        comparison.SizeRatio.Should().Be((double)new FileInfo(teacher).Length / new FileInfo(student).Length);
        comparison.SizeRatio.Should().BeGreaterThan(20);
        comparison.LatencySpeedup.Should().Be(comparison.Teacher.LatencyMs / comparison.Student.LatencyMs).And.BeGreaterThan(1.5);
        comparison.ThroughputSpeedup.Should().BeGreaterThan(1.5);
    }

    [Fact]
    public void Measure_Should_ThrowOneLineError_When_TheFileIsMissing()
    {
        // Act
        var act = () => OnnxBench.Measure(Path.Combine(_folder, "absent.onnx"), Quick);

        // Assert
        act.Should().Throw<DistillException>().WithMessage("*absent.onnx: file not found*").Which.Kind.Should().Be(DistillErrorKind.InvalidInput);
    }

    [Fact]
    public void Measure_Should_ThrowEveryProblem_When_TheSettingsAreInvalid()
    {
        // Act
        var act = () => OnnxBench.Measure("any.onnx", new OnnxBenchOptions { SequenceLength = 0, Repeats = 0, VocabularySize = 1 });

        // Assert
        act.Should().Throw<DistillException>()
            .WithMessage("bench sequence length must be >= 1 (was 0); bench repeats must be >= 1 (was 0); bench vocabulary size must be >= 2 (was 1)");
    }

    [Fact]
    public void Measure_Should_ExplainTheFailure_When_OnnxRuntimeCannotLoadTheModel()
    {
        // Arrange: a well-formed graph with an operator no runtime knows.
        var model = TinyOnnxModel.Model("unknown",
            [TinyOnnxModel.Node("NoSuchOperator", ["x"], ["logits"])],
            [TinyOnnxModel.Tensor("x", DataType.Float, "batch", 4L)],
            [TinyOnnxModel.Tensor("logits", DataType.Float, "batch", 4L)]);
        var path = Path.Combine(_folder, "unknown.onnx");
        File.WriteAllBytes(path, model.ToByteArray());

        // Act
        var act = () => OnnxBench.Measure(path, Quick);

        // Assert
        act.Should().Throw<DistillException>().WithMessage($"{path}: ONNX Runtime cannot load the model (*NoSuchOperator*");
    }

    [Fact]
    public void Measure_Should_AskForADynamicBatch_When_TheBatchSizeIsFixed()
    {
        // Arrange
        var model = TinyOnnxModel.Model("fixed",
            [TinyOnnxModel.Node("Identity", ["x"], ["logits"])],
            [TinyOnnxModel.Tensor("x", DataType.Float, 1L, 4L)],
            [TinyOnnxModel.Tensor("logits", DataType.Float, 1L, 4L)]);
        var path = Path.Combine(_folder, "fixed.onnx");
        File.WriteAllBytes(path, model.ToByteArray());

        // Act
        var act = () => OnnxBench.Measure(path, Quick);

        // Assert
        act.Should().Throw<DistillException>().WithMessage("*input 'x' (float [1, 4]) has a fixed batch size of 1*dynamic batch axis");
    }
}

using Distill.Export;
using Distill.Students;
using Spectre.Console.Testing;
using static TorchSharp.torch;

namespace Distill.Cli.Tests;

/// <summary><c>distill bench</c> on two small transformers exported by Distill, and on files it must refuse.</summary>
public sealed class BenchCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("distill-cli-bench-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static (int Code, string Output) Run(params string[] args)
    {
        var console = new TestConsole().Width(1000);
        var code = DistillApp.Run(args, console);
        return (code, console.Output);
    }

    private string Export(string name, int layers, int hidden)
    {
        manual_seed(5);
        using var model = new TransformerStudent(new TransformerStudentOptions { VocabSize = 300, MaxPositions = 64, Layers = layers, Hidden = hidden, Heads = 4, Intermediate = hidden * 2 });
        model.eval();
        var path = Path.Combine(_folder, name);
        OnnxExporter.Export(model, path);
        return path;
    }

    [Fact]
    public void Bench_Should_PrintSizesLatenciesAndSpeedups_When_BothModelsRun()
    {
        // Arrange
        var teacher = Export("teacher.onnx", layers: 4, hidden: 128);
        var student = Export("student.onnx", layers: 1, hidden: 16);

        // Act
        var (code, output) = Run("bench", teacher, student, "--sequence", "32", "--repeats", "5", "--batch-repeats", "2", "--warmup", "1", "--batch-size", "8");

        // Assert
        code.Should().Be(DistillApp.Success, output);
        output.Should().Contain("latency, batch 1").And.Contain("throughput, batch 8");
        output.Should().MatchRegex(@"teacher\s+│ .*teacher\.onnx\s+│\s+\d+(\.\d+)? (kB|MB) │\s+\d+(\.\d+)? ms │\s+[\d,.]+ rows/s");
        output.Should().MatchRegex(@"student\s+│ .*student\.onnx\s+│\s+\d+(\.\d+)? kB │\s+\d+(\.\d+)? ms │\s+[\d,.]+ rows/s");
        output.Should().MatchRegex(@"student vs teacher\s+│\s+│\s+×\d+(\.\d+)? smaller │\s+×\d+(\.\d+)? faster │\s+×\d+(\.\d+)? more rows");
        output.Should().Contain("latency: median of 5 batch-1 runs; throughput: median of 2 runs of 8 rows; 1 warm-up runs each; sequence length 32.");
    }

    [Fact]
    public void Bench_Should_ExitWith2AndOneLine_When_AFileIsMissing()
    {
        // Arrange
        var teacher = Export("teacher.onnx", layers: 1, hidden: 16);
        var missing = Path.Combine(_folder, "student.onnx");

        // Act
        var (code, output) = Run("bench", teacher, missing, "--repeats", "1");

        // Assert
        code.Should().Be(DistillApp.BadInput);
        output.Trim().Should().Be($"error: {missing}: file not found; pass an .onnx model file");
    }

    [Fact]
    public void Bench_Should_ExitWith2AndOneLine_When_OnnxRuntimeCannotRunTheModel()
    {
        // Arrange: a well-formed model whose only operator does not exist.
        var teacher = Export("teacher.onnx", layers: 1, hidden: 16);
        var graph = new Onnx.GraphProto { Name = "broken" };
        graph.Node.Add(new Onnx.NodeProto { OpType = "NoSuchOperator", Input = { "x" }, Output = { "logits" } });
        graph.Input.Add(Value("x"));
        graph.Output.Add(Value("logits"));
        var model = new Onnx.ModelProto { IrVersion = 8, Graph = graph };
        model.OpsetImport.Add(new Onnx.OperatorSetIdProto { Version = 17 });
        var broken = Path.Combine(_folder, "broken.onnx");
        File.WriteAllBytes(broken, Google.Protobuf.MessageExtensions.ToByteArray(model));

        // Act
        var (code, output) = Run("bench", teacher, broken, "--repeats", "1");

        // Assert
        code.Should().Be(DistillApp.BadInput);
        output.Trim().Split('\n').Should().ContainSingle();
        output.Should().StartWith($"error: {broken}: ONNX Runtime cannot load the model (").And.Contain("NoSuchOperator");
    }

    [Fact]
    public void Bench_Should_ExitWith2_When_TheSettingsAreInvalid()
    {
        // Act
        var (code, output) = Run("bench", "teacher.onnx", "student.onnx", "--sequence", "0", "--repeats", "0");

        // Assert
        code.Should().Be(DistillApp.BadInput);
        output.Trim().Should().Be("error: bench sequence length must be >= 1 (was 0); bench repeats must be >= 1 (was 0)");
    }

    private static Onnx.ValueInfoProto Value(string name)
    {
        var shape = new Onnx.TensorShapeProto();
        shape.Dim.Add(new Onnx.TensorShapeProto.Types.Dimension { DimParam = "batch" });
        shape.Dim.Add(new Onnx.TensorShapeProto.Types.Dimension { DimValue = 4 });
        return new Onnx.ValueInfoProto
        {
            Name = name,
            Type = new Onnx.TypeProto { TensorType = new Onnx.TypeProto.Types.Tensor { ElemType = (int)Onnx.TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }
}

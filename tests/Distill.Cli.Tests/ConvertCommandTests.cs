using System.Globalization;
using System.Text.RegularExpressions;
using Distill.Core.Tests.Teacher.Support;
using Distill.Students;
using Distill.Students.Checkpoints;
using Spectre.Console.Testing;
using static TorchSharp.torch;

namespace Distill.Cli.Tests;

/// <summary><c>distill convert</c> on a graph written as torch.onnx writes a BERT classifier, and on files it must refuse.</summary>
public sealed class ConvertCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("distill-cli-convert-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static (int Code, string Output) Run(params string[] args)
    {
        var console = new TestConsole().Width(1000);
        var code = DistillApp.Run(args, console);
        return (code, console.Output);
    }

    private static TransformerStudent Student(int seed)
    {
        manual_seed(seed);
        var model = new TransformerStudent(new TransformerStudentOptions { VocabSize = 60, MaxPositions = 32, Layers = 2, Hidden = 24, Heads = 4, Intermediate = 40, NumLabels = 3 });
        model.eval();
        return model;
    }

    private string Graph(TransformerStudent model, BertGraphStyle style)
    {
        var path = Path.Combine(_folder, "model.onnx");
        BertOnnxGraphs.Write(BertOnnxGraphs.Build(model, style), path);
        return path;
    }

    [Fact]
    public void Convert_Should_WriteACheckpointWithTheGraphsLogits_When_GraphIsATorchOnnxExport()
    {
        // Arrange
        using var original = Student(seed: 21);
        var model = Graph(original, new BertGraphStyle());
        var checkpoint = Path.Combine(_folder, "checkpoint");

        // Act
        var (code, output) = Run("convert", model, checkpoint, "--labels", "negative,neutral,positive");

        // Assert: the parity line with its number, and a checkpoint that computes what the original does.
        code.Should().Be(DistillApp.Success, output);
        var parity = Regex.Match(output, @"^parity: largest absolute difference (\S+) between the module and ONNX Runtime over 3 hidden states and the logits \(.*; tolerance 0\.001\)$", RegexOptions.Multiline);
        parity.Success.Should().BeTrue(output);
        double.Parse(parity.Groups[1].Value, CultureInfo.InvariantCulture).Should().BeLessThan(1e-4);
        output.Should().Contain($"wrote student checkpoint {Path.GetFullPath(checkpoint)}");

        var loaded = StudentCheckpoint.Load(checkpoint);
        using var converted = loaded.Model;
        loaded.Info.Labels.Should().Equal("negative", "neutral", "positive");
        converted.Options.Should().Be(original.Settings);
        Logits(converted).Should().Equal(Logits(original));
    }

    [Fact]
    public void Convert_Should_ExitWith2AndOneLine_When_TheFileIsNotAnOnnxModel()
    {
        // Arrange
        var model = Path.Combine(_folder, "model.onnx");
        File.WriteAllText(model, "not a model");

        // Act
        var (code, output) = Run("convert", model, Path.Combine(_folder, "checkpoint"));

        // Assert
        code.Should().Be(DistillApp.BadInput);
        output.TrimEnd().Should().NotContain("\n").And.StartWith($"error: {model}: ");
        Directory.Exists(Path.Combine(_folder, "checkpoint")).Should().BeFalse();
    }

    [Fact]
    public void Convert_Should_ExitWith2NamingTheNode_When_TheGraphIsNotABertEncoder()
    {
        // Arrange
        using var original = Student(seed: 22);
        var model = Graph(original, new BertGraphStyle { Gelu = GeluForm.Relu });

        // Act
        var (code, output) = Run("convert", model, Path.Combine(_folder, "checkpoint"));

        // Assert
        code.Should().Be(DistillApp.BadInput);
        output.TrimEnd().Should().NotContain("\n");
        output.Should().StartWith($"error: {model}: cannot map the graph onto a BERT-layout encoder at node '/bert/encoder/layer.0/intermediate/intermediate_act_fn/Relu' (Relu): ");
    }

    // The logits on a padded batch, as managed numbers.
    private static float[] Logits(StudentModel model)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        long[] ids = [2, 17, 33, 8, 59, 4, 1, 0, 0, 0, 5, 44, 23, 0, 0, 0, 0, 0, 0, 0];
        long[] mask = [1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
        var output = model.call(StudentInput.Text(tensor(ids, [2, 10]), tensor(mask, [2, 10])));
        return output.Logits.contiguous().data<float>().ToArray();
    }
}

using Distill.Core.Tests.Teacher.Support;
using Google.Protobuf;
using Spectre.Console.Testing;

namespace Distill.Cli.Tests;

/// <summary><c>distill inspect</c> on a CNN exported as PyTorch writes one: the end of each stage, with shapes.</summary>
public sealed class InspectCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("distill-cli-inspect-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Inspect_Should_List_The_Feature_Maps_Of_A_PyTorch_Style_Cnn()
    {
        var path = Path.Combine(_folder, "cnn.onnx");
        File.WriteAllBytes(path, PyTorchCnnOnnx.Simple().ToByteArray());
        var console = new TestConsole().Width(1000);

        var code = DistillApp.Run(["inspect", path], console);

        code.Should().Be(0, console.Output);
        var lines = console.Output.Split('\n').Select(l => l.TrimEnd()).ToList();
        lines.Should().Contain("logits: logits");
        lines.Should().Contain("taps: 3 feature maps (the end of each CNN stage)");
        lines.Should().Contain("  feature_maps[0]  /relu/Relu_output_0       [?, 16, 28, 28]  before MaxPool /pool/MaxPool");
        lines.Should().Contain("  feature_maps[2]  /pool_1/MaxPool_output_0  [?, 32, 7, 7]    before Reshape /Reshape");
    }
}

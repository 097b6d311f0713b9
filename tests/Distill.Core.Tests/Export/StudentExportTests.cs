using Distill.Core.Tests.Export.Support;
using Distill.Core.Tests.Students;
using Distill.Export;
using Distill.Students;
using Google.Protobuf;
using static TorchSharp.torch;

namespace Distill.Core.Tests.Export;

/// <summary>Every student type, exported and run in ONNX Runtime, against its own TorchSharp eval output.</summary>
public class StudentExportTests
{
    public static TheoryData<StudentOptions, int> Cases()
    {
        var data = new TheoryData<StudentOptions, int>();
        foreach (var options in StudentFixtures.AllSmall())
        {
            foreach (var seed in new[] { 1, 2, 3 })
            {
                data.Add(options, seed);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Export_Should_MatchTorchSharp_AtSeveralBatchSizesAndLengths(StudentOptions options, int seed)
    {
        // Arrange: seed 1 is a single row; 2 and 3 are padded batches of different lengths (text) or sizes.
        manual_seed(seed);
        using var model = options.CreateModel();
        StudentFixtures.WarmUpBatchNorm(model, seed);
        model.eval();
        var bytes = OnnxExporter.ToModel(model, new OnnxExportOptions { ExtraOutputs = OnnxExporter.SupportedExtras(model.Kind) }).ToByteArray();
        using var scope = NewDisposeScope();
        var (input, feeds) = Batch(model, seed);

        // Act
        var expected = model.call(input with { Capture = Intermediates.All });
        var actual = OrtRunner.Run(bytes, feeds);

        // Assert
        OrtRunner.MaxAbsDifference(actual[OnnxNames.Logits], expected.Logits).Should().BeLessThan(1e-4);
        if (expected.FeatureMaps is { } maps)
        {
            for (var stage = 0; stage < maps.Count; stage++)
            {
                OrtRunner.MaxAbsDifference(actual[OnnxNames.FeatureMaps(stage)], maps[stage]).Should().BeLessThan(1e-4);
            }
        }
    }

    [Fact]
    public void Export_Should_WriteTheMetadataAndDynamicAxes()
    {
        using var model = StudentFixtures.SmallTextCnn().CreateModel();

        var onnx = OnnxExporter.ToModel(model, new OnnxExportOptions { Labels = ["negative", "neutral", "positive"], VocabularyHash = "sha256:abc" });

        onnx.OpsetImport.Single().Version.Should().BeGreaterThanOrEqualTo(17);
        onnx.Graph.Input.Select(i => i.Name).Should().Equal(OnnxNames.InputIds, OnnxNames.AttentionMask);
        onnx.Graph.Output.Select(o => o.Name).Should().Equal(OnnxNames.Logits);
        onnx.Graph.Input[0].Type.TensorType.Shape.Dim.Select(d => d.DimParam).Should().Equal("batch", "sequence");
        var metadata = onnx.MetadataProps.ToDictionary(p => p.Key, p => p.Value);
        metadata[OnnxMetadataKeys.Labels].Should().Be("[\"negative\",\"neutral\",\"positive\"]");
        metadata[OnnxMetadataKeys.VocabularyHash].Should().Be("sha256:abc");
        metadata[OnnxMetadataKeys.DistillVersion].Should().NotBeNullOrEmpty();
        StudentOptionsJson.Deserialize(metadata[OnnxMetadataKeys.Architecture], "distill.architecture").Should().Be(model.Options);
    }

    [Fact]
    public void Export_Should_NameWhatIsMissing_When_AnArchitectureHasNoSuchTap()
    {
        using var model = StudentFixtures.SmallBiLstm().CreateModel();

        var act = () => OnnxExporter.ToModel(model, new OnnxExportOptions { ExtraOutputs = Intermediates.AttentionProbabilities });

        act.Should().Throw<DistillException>().WithMessage("export.extra_outputs: a bilstm student has no AttentionProbabilities to export (it has: None)");
    }

    [Fact]
    public void Export_Should_KeepAnExistingFile_Unless_OverwriteIsAsked()
    {
        using var model = StudentFixtures.SmallMlp().CreateModel();
        var folder = Directory.CreateTempSubdirectory("distill-export-").FullName;
        try
        {
            var path = Path.Combine(folder, "student.onnx");
            File.WriteAllText(path, "a previous run's model");

            var act = () => OnnxExporter.Export(model, path);

            act.Should().Throw<DistillException>().WithMessage($"{path}: the file exists; choose another path or allow overwriting*");
            File.ReadAllText(path).Should().Be("a previous run's model");
            OnnxExporter.Export(model, path, new OnnxExportOptions { Overwrite = true });
            Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(path)).Graph.Output[0].Name.Should().Be(OnnxNames.Logits);
            Directory.GetFiles(folder).Should().ContainSingle("no temporary file is left behind");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static (StudentInput Input, Dictionary<string, Tensor> Feeds) Batch(StudentModel model, int seed)
    {
        int[] lengths = seed switch { 1 => [5], 2 => [3, 7, 1], _ => [9, 2, 12, 6, 4] };
        if (model.TakesTokens)
        {
            var (ids, mask) = StudentFixtures.TokenBatch(seed, lengths.Max() + seed % 2, lengths);
            var feeds = new Dictionary<string, Tensor> { [OnnxNames.InputIds] = ids, [OnnxNames.AttentionMask] = mask };
            if (model.Kind == StudentKind.Transformer)
            {
                feeds[OnnxNames.TokenTypeIds] = zeros_like(ids);
            }

            return (StudentInput.Text(ids, mask), feeds);
        }

        var features = model.Options switch
        {
            MlpStudentOptions m => randn(lengths.Length, m.InputSize),
            ImageCnnStudentOptions i => randn(lengths.Length, i.InputChannels, 8 + 3 * seed, 7 + 2 * seed),
            _ => throw new NotSupportedException(),
        };
        var name = model.Kind == StudentKind.Mlp ? OnnxNames.Features : OnnxNames.PixelValues;
        return (StudentInput.Float(features), new Dictionary<string, Tensor> { [name] = features });
    }
}

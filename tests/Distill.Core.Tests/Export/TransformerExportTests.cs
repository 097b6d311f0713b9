using Distill.Core.Tests.Export.Support;
using Distill.Core.Tests.Students;
using Distill.Export;
using Distill.Students;
using Google.Protobuf;
using static TorchSharp.torch;

namespace Distill.Core.Tests.Export;

public class TransformerExportTests
{
    [Theory]
    [InlineData(1, 5, new[] { 5 })]
    [InlineData(3, 9, new[] { 9, 2, 6 })]
    [InlineData(4, 17, new[] { 1, 17, 8, 16 })]
    public void Export_Should_MatchTorchSharp_OnRandomPaddedBatches(int batch, int sequence, int[] lengths)
    {
        // Arrange
        lengths.Should().HaveCount(batch);
        manual_seed(21);
        using var model = new TransformerStudent(StudentFixtures.SmallTransformer());
        model.eval();
        var bytes = OnnxExporter.ToModel(model, new OnnxExportOptions { ExtraOutputs = OnnxExporter.SupportedExtras(StudentKind.Transformer) }).ToByteArray();
        using var scope = NewDisposeScope();
        var (ids, mask) = StudentFixtures.TokenBatch(batch * 100 + sequence, sequence, lengths);
        var types = (arange(sequence).unsqueeze(0) >= sequence / 2).to(ScalarType.Int64).expand(batch, sequence).contiguous();

        // Act
        var expected = model.call(StudentInput.Text(ids, mask, types, Intermediates.All));
        var actual = OrtRunner.Run(bytes, new Dictionary<string, Tensor>
        {
            [OnnxNames.InputIds] = ids, [OnnxNames.AttentionMask] = mask, [OnnxNames.TokenTypeIds] = types,
        });

        // Assert
        OrtRunner.MaxAbsDifference(actual[OnnxNames.Logits], expected.Logits).Should().BeLessThan(1e-4);
        for (var layer = 0; layer < 2; layer++)
        {
            OrtRunner.MaxAbsDifference(actual[OnnxNames.AttentionProbabilities(layer)], expected.AttentionProbabilities![layer]).Should().BeLessThan(1e-4);
            OrtRunner.MaxAbsDifference(actual[OnnxNames.AttentionScores(layer)], expected.AttentionScores![layer]).Should().BeLessThan(1e-4);
            OrtRunner.MaxAbsDifference(actual[OnnxNames.Values(layer)], expected.Values![layer]).Should().BeLessThan(1e-4);
        }

        for (var index = 0; index <= 2; index++)
        {
            OrtRunner.MaxAbsDifference(actual[OnnxNames.HiddenStates(index)], expected.HiddenStates![index]).Should().BeLessThan(1e-4);
        }
    }

    [Fact]
    public void ExportedTransformer_Should_ImportBackExactly_AsAFrozenTeacherModule()
    {
        // Arrange: a teacher exported by Distill, taps and all, on disk.
        manual_seed(8);
        using var original = new TransformerStudent(StudentFixtures.SmallTransformer(labels: 4));
        original.eval();
        var folder = Directory.CreateTempSubdirectory("distill-roundtrip-").FullName;
        try
        {
            var path = Path.Combine(folder, "teacher.onnx");
            OnnxExporter.Export(original, path, new OnnxExportOptions
            {
                ExtraOutputs = Intermediates.AttentionProbabilities | Intermediates.HiddenStates,
                Labels = ["a", "b", "c", "d"],
            });

            // Act
            var imported = Distill.Teacher.OnnxTransformerImport.Import(path);
            using var model = imported.Model;

            // Assert: every weight equal, the same settings, the same logits.
            imported.Report.Missing.Should().BeEmpty();
            imported.Report.Unexpected.Should().BeEmpty();
            imported.Labels.Should().Equal("a", "b", "c", "d");
            model.Options.Should().Be(original.Options);
            var expected = original.state_dict();
            foreach (var (key, value) in model.state_dict())
            {
                value.equal(expected[key]).all().item<bool>().Should().BeTrue(key);
            }

            using var scope = NewDisposeScope();
            var (ids, mask) = StudentFixtures.TokenBatch(2, 9, 9, 4);
            model.call(StudentInput.Text(ids, mask)).Logits.equal(original.call(StudentInput.Text(ids, mask)).Logits).all().item<bool>().Should().BeTrue();
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}

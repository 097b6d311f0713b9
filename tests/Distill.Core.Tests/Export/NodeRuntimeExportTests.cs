using Distill.Core.Tests.Export.Support;
using Distill.Core.Tests.Students;
using Distill.Export;
using Distill.Students;
using static TorchSharp.torch;

namespace Distill.Core.Tests.Export;

/// <summary>
/// Every student type, exported by Distill and run in onnxruntime-node: a runtime that shares no code with the .NET
/// side, against the student's TorchSharp eval output.
/// </summary>
public class NodeRuntimeExportTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("distill-node-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    public static TheoryData<StudentOptions> Students => new(StudentFixtures.AllSmall());

    [Theory]
    [MemberData(nameof(Students))]
    public void Export_Should_GiveTheSameLogitsInOnnxRuntimeNode(StudentOptions options)
    {
        // Arrange: a padded batch of four rows (text) or four random examples.
        manual_seed(17);
        using var model = options.CreateModel();
        StudentFixtures.WarmUpBatchNorm(model, 17);
        model.eval();
        var path = Path.Combine(_folder, $"{options.ArchitectureName}.onnx");
        OnnxExporter.Export(model, path);
        using var scope = NewDisposeScope();
        StudentInput input;
        var feeds = new Dictionary<string, NodeInput>();
        if (model.TakesTokens)
        {
            var (ids, mask) = StudentFixtures.TokenBatch(23, 10, 10, 3, 7, 1);
            input = StudentInput.Text(ids, mask);
            feeds[OnnxNames.InputIds] = NodeInput.Int64(ids.data<long>().ToArray(), ids.shape);
            feeds[OnnxNames.AttentionMask] = NodeInput.Int64(mask.data<long>().ToArray(), mask.shape);
            if (model.Kind == StudentKind.Transformer)
            {
                feeds[OnnxNames.TokenTypeIds] = NodeInput.Int64(new long[ids.numel()], ids.shape);
            }
        }
        else
        {
            input = StudentFixtures.InputFor(model, seed: 29, batch: 4);
            var name = model.Kind == StudentKind.Mlp ? OnnxNames.Features : OnnxNames.PixelValues;
            feeds[name] = NodeInput.Float32(input.Features!.data<float>().ToArray(), input.Features.shape);
        }

        // Act
        var expected = model.call(input).Logits;
        var (dims, data) = OnnxNodeRunner.Run(path, feeds, [OnnxNames.Logits])[OnnxNames.Logits];

        // Assert
        dims.Should().Equal(expected.shape);
        OrtRunner.MaxAbsDifference(tensor(data, dims), expected).Should().BeLessThan(1e-4);
    }
}

using Distill.Cache;
using Distill.Export;
using Distill.Students;
using Distill.Teacher;
using static TorchSharp.torch;

namespace Distill.Core.Tests.Cache;

public class TeacherEnsembleTests : IClassFixture<CacheFixture>
{
    private readonly CacheFixture _fixture;

    public TeacherEnsembleTests(CacheFixture fixture)
    {
        _fixture = fixture;
    }

    [Fact]
    public void ReadProbabilities_Should_BeTheWeightedMeanOfEachTeachersSoftmax()
    {
        // Arrange: a second teacher with other weights, each with its own cache over the same rows (the second one
        // built from the rows in reverse order, so positions differ and rows must be matched by id).
        manual_seed(99);
        using var other = new TransformerStudent(new TransformerStudentOptions { MaxPositions = 128, Layers = 1, Hidden = 16, Heads = 2, Intermediate = 24 });
        other.eval();
        var otherPath = Path.Combine(_fixture.Folder, "other-teacher.onnx");
        OnnxExporter.Export(other, otherPath, new OnnxExportOptions { Overwrite = true });
        using var otherTeacher = OnnxTeacher.Load(otherPath, new OnnxTeacherOptions { Device = Distill.Platform.DeviceSetting.Cpu });
        var rows = CacheFixture.Sst2Rows(10);
        var logitsOnly = _fixture.Options(type: CacheElementType.Float32) with { Tensors = [CachedTensorSpec.Logits(OnnxNames.Logits)] };
        var first = new TeacherCacheBuilder(_fixture.Teacher, _fixture.TeacherPath, logitsOnly).Build(rows, _fixture.Root("ensemble-a"));
        var second = new TeacherCacheBuilder(otherTeacher, otherPath, logitsOnly).Build(rows.Reverse().ToList(), _fixture.Root("ensemble-b"));
        using var a = TeacherCache.Open(first.Folder);
        using var b = TeacherCache.Open(second.Folder);
        using var scope = NewDisposeScope();

        // Act
        var ensemble = new TeacherEnsemble([a, b], [3, 1]);
        var probabilities = ensemble.ReadProbabilities([0, 4, 9]);

        // Assert
        ensemble.Weights.Should().Equal(0.75, 0.25);
        for (var i = 0; i < 3; i++)
        {
            var position = new[] { 0, 4, 9 }[i];
            var pa = tensor(a.Read(position, CachedTensorSpec.LogitsName).Values).softmax(0);
            var pb = tensor(b.Read(9 - position, CachedTensorSpec.LogitsName).Values).softmax(0);
            (probabilities[i] - (0.75 * pa + 0.25 * pb)).abs().max().item<float>().Should().BeLessThan(1e-6f);
        }

        probabilities.sum(-1).allclose(ones(3)).Should().BeTrue();
    }

    [Fact]
    public void Constructor_Should_SayWhichRowIsMissing_When_TheCachesHoldOtherRows()
    {
        var logitsOnly = _fixture.Options() with { Tensors = [CachedTensorSpec.Logits(OnnxNames.Logits)] };
        var builder = new TeacherCacheBuilder(_fixture.Teacher, _fixture.TeacherPath, logitsOnly);
        using var a = TeacherCache.Open(builder.Build(CacheFixture.Sst2Rows(5), _fixture.Root("ensemble-c")).Folder);
        using var b = TeacherCache.Open(builder.Build(CacheFixture.Sst2Rows(5, skip: 1), _fixture.Root("ensemble-d")).Folder);

        var act = () => new TeacherEnsemble([a, b]);

        act.Should().Throw<DistillException>().WithMessage("teachers: *'s cache lacks row 0 (augmentation 0); build every teacher's cache from the same transfer set");
    }
}

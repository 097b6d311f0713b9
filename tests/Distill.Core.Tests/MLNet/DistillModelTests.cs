using Distill.MLNet;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace Distill.Core.Tests.MLNet;

public sealed class DistillModelTests : IClassFixture<StudentPipelineFixture>
{
    private readonly StudentPipelineFixture _fixture;

    public DistillModelTests(StudentPipelineFixture fixture)
    {
        _fixture = fixture;
    }

    private MLContext MLContext => _fixture.MLContext;

    [Fact]
    public void Load_Should_GiveTheSameScores_When_TheWholePipelineIsSavedAndLoaded()
    {
        var folder = _fixture.Path("saved-pipeline");
        var expected = MLNetFixture.Vectors<float>(_fixture.Model.Transform(_fixture.Dev), DistillColumnNames.Score);

        DistillModel.Save(_fixture.Model, folder);
        var loaded = DistillModel.Load(new MLContext(seed: 2), folder);
        var actual = MLNetFixture.Vectors<float>(loaded.Transform(_fixture.Dev), DistillColumnNames.Score);

        var parts = ((IEnumerable<ITransformer>)loaded).ToList();
        parts.Should().HaveCount(4);
        parts[1].Should().BeOfType<TextTokenizerTransformer>();
        parts[2].Should().BeOfType<TeacherOutputsTransformer>();
        parts[3].Should().BeOfType<StudentPredictionTransformer>().Which.Labels.Should().Equal("0", "1");
        actual.Should().HaveCount(expected.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            actual[i].Should().Equal(expected[i], $"row {i} should score the same after a round trip");
        }

        Directory.GetFiles(folder, "*.zip").Should().ContainSingle("MapValueToKey is saved by ML.NET's own saver");
        File.Exists(Path.Combine(folder, "02-teacher_outputs", "teacher.onnx")).Should().BeTrue();
        File.Exists(Path.Combine(folder, "01-tokenizer", "vocab.txt")).Should().BeTrue();
        parts.OfType<TeacherOutputsTransformer>().Single().Teacher.Dispose();
        parts.OfType<StudentPredictionTransformer>().Single().Student.Dispose();
    }

    [Fact]
    public void Load_Should_ServeAPredictionEngine_When_TheStudentAloneIsSaved()
    {
        var folder = _fixture.Path("saved-student");
        var tokenized = _fixture.Model.Take(3).Aggregate(_fixture.Dev, (data, transformer) => transformer.Transform(data));
        var expected = MLNetFixture.Vectors<float>(_fixture.Trained.Transform(tokenized), DistillColumnNames.Score);

        DistillModel.Save(_fixture.Trained, folder);
        var loaded = (StudentPredictionTransformer)DistillModel.Load(MLContext, folder);
        var actual = MLNetFixture.Vectors<float>(loaded.Transform(tokenized), DistillColumnNames.Score);
        using var engine = MLContext.Model.CreatePredictionEngine<Tokens, Scores>(loaded);
        var first = engine.Predict(new Tokens { InputIds = MLNetFixture.Vectors<long>(tokenized, DistillColumnNames.InputIds)[0] });

        loaded.Training.Should().BeNull();
        loaded.Student.Options.Should().Be(_fixture.Trained.Student.Options);
        actual.Zip(expected).Should().OnlyContain(p => p.First.SequenceEqual(p.Second));
        first.Score.Zip(expected[0]).Should().OnlyContain(p => Math.Abs(p.First - p.Second) < 1e-5);
        loaded.Student.Dispose();
    }

    [Fact]
    public void MLNetSave_Should_PointToDistillModel_When_TheModelHasDistillTransformers()
    {
        var path = _fixture.Path("mlnet-model.zip");

        var save = () => MLContext.Model.Save(_fixture.Model, _fixture.Train.Schema, path);

        save.Should().Throw<Exception>().Where(e => Messages(e).Any(m => m.Contains("save the model with Distill.MLNet.DistillModel.Save(model, folder)")));
    }

    [Fact]
    public void Save_Should_RefuseToReplace_When_TheFolderHoldsAModelAndOverwriteIsNotSet()
    {
        var folder = _fixture.Path("saved-twice");
        DistillModel.Save(_fixture.Trained, folder);

        var again = () => DistillModel.Save(_fixture.Trained, folder);
        var overwrite = () => DistillModel.Save(_fixture.Trained, folder, overwrite: true);

        again.Should().Throw<DistillException>().WithMessage("*already holds a saved model; pass overwrite: true to replace it*");
        overwrite.Should().NotThrow();
    }

    [Fact]
    public void Load_Should_SayWhatIsWrong_When_TheFolderIsNotASavedModel()
    {
        var folder = Directory.CreateDirectory(_fixture.Path("not-a-model")).FullName;
        File.WriteAllText(Path.Combine(folder, DistillModel.ManifestFileName), "{\"format\": \"distill.mlnet\", \"format_version\": 9}");

        var missing = () => DistillModel.Load(MLContext, _fixture.Path("nowhere"));
        var newer = () => DistillModel.Load(MLContext, folder);

        missing.Should().Throw<DistillException>().WithMessage("*nowhere: folder not found; pass the folder DistillModel.Save wrote");
        newer.Should().Throw<DistillException>().WithMessage("*format_version 9 is not supported*reads version 1*");
    }

    private static IEnumerable<string> Messages(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            yield return e.Message;
        }
    }

    public sealed class Tokens
    {
        public long[] InputIds { get; set; } = [];
    }

    public sealed class Scores
    {
        public float[] Score { get; set; } = [];
    }
}

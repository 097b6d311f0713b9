using Distill.Export;
using Distill.MLNet;
using Distill.MLNet.Internal;
using Distill.Platform;
using Distill.Students;
using Distill.Teacher;
using Distill.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using static TorchSharp.torch;

namespace Distill.Core.Tests.MLNet;

public sealed class TeacherOutputsTests : IClassFixture<MLNetFixture>
{
    private readonly MLNetFixture _fixture;
    private readonly MLContext _mlContext = new(seed: 1);

    public TeacherOutputsTests(MLNetFixture fixture)
    {
        _fixture = fixture;
    }

    [Fact]
    public void Transform_Should_GiveTheOnnxTeachersLogits_When_RunOverTokenizedSst2()
    {
        var data = MLNetFixture.Sst2(_mlContext, "dev", rows: 20);
        var pipeline = _mlContext.Distillation().Tokenize(MLNetFixture.VocabPath, "Sentence", maxLength: 64)
            .Append(_mlContext.Distillation().TeacherOutputs(new TeacherOutputsOptions { TeacherPath = _fixture.TeacherPath, BatchSize = 8, Device = DeviceSetting.Cpu }));

        var logits = MLNetFixture.Vectors<float>(pipeline.Fit(data).Transform(data), DistillColumnNames.TeacherLogits);

        var expected = RunDirectly(MLNetFixture.Sentences("dev", 20));
        logits.Should().HaveCount(20);
        for (var i = 0; i < 20; i++)
        {
            logits[i].Should().HaveCount(2);
            logits[i].Zip(expected[i]).Should().OnlyContain(p => Math.Abs(p.First - p.Second) < 1e-4, $"row {i} should get the logits ONNX Runtime gives directly");
        }

        logits.Select(l => l[0]).Distinct().Should().HaveCountGreaterThan(10, "different sentences get different logits");
    }

    [Fact]
    public void Transform_Should_GiveTheSameLogits_When_TheBatchSizeChanges()
    {
        var data = MLNetFixture.Sst2(_mlContext, "train", rows: 15);
        var tokenized = _mlContext.Distillation().Tokenize(MLNetFixture.VocabPath, "Sentence").Fit(data).Transform(data);

        List<float[]> Logits(int batch) => MLNetFixture.Vectors<float>(
            _mlContext.Distillation().TeacherOutputs(_fixture.TeacherPath, batchSize: batch).Fit(tokenized).Transform(tokenized), DistillColumnNames.TeacherLogits);

        var one = Logits(1);
        var seven = Logits(7);
        one.Should().HaveCount(15);
        seven.Should().HaveCount(15);
        for (var i = 0; i < 15; i++)
        {
            one[i].Zip(seven[i]).Should().OnlyContain(p => Math.Abs(p.First - p.Second) < 1e-4, $"row {i} should not depend on its batch");
        }
    }

    [Fact]
    public void GetOutputSchema_Should_AgreeWithTheFittedTransformer_When_TheInputHasTokens()
    {
        var data = MLNetFixture.Sst2(_mlContext, rows: 3);
        var tokenized = _mlContext.Distillation().Tokenize(MLNetFixture.VocabPath, "Sentence").Fit(data).Transform(data);
        var estimator = _mlContext.Distillation().TeacherOutputs(_fixture.TeacherPath);

        var shape = estimator.GetOutputSchema(SchemaShapes.Of(tokenized.Schema));
        var transformer = estimator.Fit(tokenized);
        var schema = transformer.Transform(tokenized).Schema;

        MLNetFixture.ShouldAgree(shape, schema);
        schema[DistillColumnNames.TeacherLogits].Type.Should().Be(new VectorDataViewType(NumberDataViewType.Single, 2));
        transformer.Classes.Should().Be(2);
        transformer.IsText.Should().BeTrue();
        transformer.Teacher.Dispose();
    }

    [Fact]
    public void Fit_Should_NameTheTokenColumn_When_ItIsMissingOrNotTokens()
    {
        var data = MLNetFixture.Sst2(_mlContext, rows: 2);
        var renamed = _mlContext.Transforms.CopyColumns("InputIds", "Sentence").Fit(data).Transform(data);
        var estimator = _mlContext.Distillation().TeacherOutputs(_fixture.TeacherPath);

        var missing = () => estimator.Fit(data);
        var wrongType = () => estimator.GetOutputSchema(SchemaShapes.Of(renamed.Schema));

        missing.Should().Throw<ArgumentOutOfRangeException>()
            .WithMessage("Could not find token ids column 'InputIds'; the input has columns Sentence, Label; set InputIdsColumnName*");
        wrongType.Should().Throw<ArgumentOutOfRangeException>()
            .WithMessage("Schema mismatch for token ids column 'InputIds': expected Vector<Int64>, got String; *");
    }

    [Fact]
    public void Transform_Should_RunAFloatTeacher_When_TheInputHasFeatures()
    {
        manual_seed(3);
        var path = _fixture.Path("mlp-teacher.onnx");
        using (var mlp = new MlpStudent(new MlpStudentOptions { NumLabels = 3, InputSize = 6, HiddenSizes = [8] }))
        {
            mlp.eval();
            OnnxExporter.Export(mlp, path);
        }

        var rows = Enumerable.Range(0, 10).Select(i => new FeatureRow { Features = Enumerable.Range(0, 6).Select(j => (float)Math.Sin(i + j * 0.7)).ToArray() }).ToArray();
        var data = _mlContext.Data.LoadFromEnumerable(rows);

        var logits = MLNetFixture.Vectors<float>(_mlContext.Distillation().TeacherOutputs(path, batchSize: 4).Fit(data).Transform(data), DistillColumnNames.TeacherLogits);

        using var teacher = OnnxTeacher.Load(path, new OnnxTeacherOptions { Device = DeviceSetting.Cpu });
        using var outputs = teacher.Run(new TeacherBatch { Rows = 10, Features = rows.SelectMany(r => r.Features).ToArray(), FeatureDims = [6] }, [teacher.LogitsOutput]);
        var expected = outputs.Values(teacher.LogitsOutput).ToArray();
        logits.SelectMany(l => l).Zip(expected).Should().OnlyContain(p => Math.Abs(p.First - p.Second) < 1e-5);
        logits.Should().OnlyContain(l => l.Length == 3);
    }

    [Fact]
    public void Fit_Should_SayWhichSizeTheTeacherTakes_When_TheFeaturesHaveAnotherSize()
    {
        var path = _fixture.Path("mlp-teacher-12.onnx");
        using (var mlp = new MlpStudent(new MlpStudentOptions { NumLabels = 3, InputSize = 12, HiddenSizes = [4] }))
        {
            OnnxExporter.Export(mlp, path);
        }

        var data = _mlContext.Data.LoadFromEnumerable(new[] { new FeatureRow { Features = new float[6] } });

        var fit = () => _mlContext.Distillation().TeacherOutputs(path).Fit(data);

        fit.Should().Throw<ArgumentOutOfRangeException>()
            .WithMessage("Schema mismatch for features column 'Features': expected Vector<Single, 12>, got Vector<Single, 6>; give the teacher 12 features per row*");
    }

    private List<float[]> RunDirectly(IReadOnlyList<string> sentences)
    {
        var encoder = TextEncoder.Create(new TextEncoderOptions { VocabPath = MLNetFixture.VocabPath, MaxLength = 64 });
        var batch = TextBatch.Pad(sentences.Select(encoder.Encode).ToList());
        using var teacher = OnnxTeacher.Load(_fixture.TeacherPath, new OnnxTeacherOptions { Device = DeviceSetting.Cpu });
        using var outputs = teacher.Run(
            new TeacherBatch { Rows = batch.BatchSize, Length = batch.SequenceLength, InputIds = batch.InputIds, AttentionMask = batch.AttentionMask, TokenTypeIds = batch.TokenTypeIds },
            [teacher.LogitsOutput]);
        var values = outputs.Values(teacher.LogitsOutput).ToArray();
        return values.Chunk(2).ToList();
    }

    private sealed class FeatureRow
    {
        [VectorType(6)]
        public float[] Features { get; set; } = [];
    }
}

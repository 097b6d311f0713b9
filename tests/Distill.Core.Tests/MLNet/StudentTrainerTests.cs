using Distill.Losses;
using Distill.MLNet;
using Distill.MLNet.Internal;
using Distill.Platform;
using Distill.Students;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Distill.Core.Tests.MLNet;

public sealed class StudentTrainerTests : IClassFixture<StudentPipelineFixture>
{
    private readonly StudentPipelineFixture _fixture;

    public StudentTrainerTests(StudentPipelineFixture fixture)
    {
        _fixture = fixture;
    }

    private MLContext MLContext => _fixture.MLContext;

    [Fact]
    public void Fit_Should_TrainWithTheEngine_When_ThePipelineHasATeacher()
    {
        var training = _fixture.Trained.Training!;

        training.Steps.Should().Be(StudentPipelineFixture.Epochs * StudentPipelineFixture.TrainRows / StudentPipelineFixture.BatchSize);
        File.Exists(training.MetricsLog).Should().BeTrue();
        File.ReadAllText(training.MetricsLog).Should().Contain("kd", "the default loss with a teacher column is CE + KD");
        _fixture.Trained.Labels.Should().Equal("0", "1");
    }

    [Fact]
    public void MulticlassEvaluate_Should_ReadTheStudentsColumns_When_TheDevSetIsScored()
    {
        var scored = _fixture.Model.Transform(_fixture.Dev);

        var metrics = MLContext.MulticlassClassification.Evaluate(scored, "Label", DistillColumnNames.Score, DistillColumnNames.PredictedLabel);

        metrics.MicroAccuracy.Should().BeInRange(0, 1);
        metrics.MacroAccuracy.Should().BeInRange(0, 1);
        double.IsFinite(metrics.LogLoss).Should().BeTrue();
        metrics.ConfusionMatrix.NumberOfClasses.Should().Be(2);
        metrics.ConfusionMatrix.Counts.Sum(row => row.Sum()).Should().Be(48, "every dev row is counted");
        metrics.MicroAccuracy.Should().BeApproximately(Accuracy(scored), 1e-9, "the evaluator reads the same predictions the columns hold");
    }

    [Fact]
    public void BinaryEvaluate_Should_ReadTheBinaryColumns_When_TheStudentHasTwoLabels()
    {
        var scored = _fixture.Model.Transform(_fixture.Dev);

        var binary = MLContext.BinaryClassification.Evaluate(scored, "Label", DistillColumnNames.BinaryScore, DistillColumnNames.Probability, DistillColumnNames.BinaryPredictedLabel);
        var multiclass = MLContext.MulticlassClassification.Evaluate(scored, "Label", DistillColumnNames.Score, DistillColumnNames.PredictedLabel);

        binary.AreaUnderRocCurve.Should().BeInRange(0, 1);
        binary.Accuracy.Should().BeApproximately(multiclass.MicroAccuracy, 1e-9, "both evaluators see the same two-class predictions");
        // ML.NET's binary log-loss is in bits, its multiclass one in nats.
        binary.LogLoss.Should().BeApproximately(multiclass.LogLoss / Math.Log(2), 1e-3, "both read the same probabilities");
    }

    [Fact]
    public void Transform_Should_WriteConsistentScores_When_ScoringRows()
    {
        var scored = _fixture.Model.Transform(_fixture.Dev);

        var scores = MLNetFixture.Vectors<float>(scored, DistillColumnNames.Score);
        var predicted = MLNetFixture.Column<uint>(scored, DistillColumnNames.PredictedLabel);
        var probability = MLNetFixture.Column<float>(scored, DistillColumnNames.Probability);
        var logOdds = MLNetFixture.Column<float>(scored, DistillColumnNames.BinaryScore);
        var positive = MLNetFixture.Column<bool>(scored, DistillColumnNames.BinaryPredictedLabel);

        for (var i = 0; i < scores.Count; i++)
        {
            scores[i].Sum().Should().BeApproximately(1f, 1e-5f);
            predicted[i].Should().Be(scores[i][1] > scores[i][0] ? 2u : 1u);
            probability[i].Should().Be(scores[i][1]);
            logOdds[i].Should().BeApproximately((float)Math.Log(scores[i][1] / scores[i][0]), 1e-3f);
            positive[i].Should().Be(predicted[i] == 2);
        }

        VBuffer<ReadOnlyMemory<char>> names = default;
        scored.Schema[DistillColumnNames.PredictedLabel].GetKeyValues(ref names);
        names.DenseValues().Select(n => n.ToString()).Should().Equal("0", "1");
        scored.Schema[DistillColumnNames.Score].GetSlotNames(ref names);
        names.DenseValues().Select(n => n.ToString()).Should().Equal("0", "1");
    }

    [Fact]
    public void PredictionEngine_Should_GiveTheScoresOfTransform_When_RunOneRowAtATime()
    {
        var sentences = MLNetFixture.Sentences("dev", 5);
        var expected = MLNetFixture.Vectors<float>(_fixture.Model.Transform(MLNetFixture.Sst2(MLContext, "dev", 5)), DistillColumnNames.Score);

        using var engine = MLContext.Model.CreatePredictionEngine<Sst2Row, Prediction>(_fixture.Model);
        var predictions = sentences.Select(s => engine.Predict(new Sst2Row { Sentence = s, Label = "0" })).ToList();

        for (var i = 0; i < 5; i++)
        {
            predictions[i].Score.Zip(expected[i]).Should().OnlyContain(p => Math.Abs(p.First - p.Second) < 1e-5, $"row {i} alone should score as in a batch");
            predictions[i].Probability.Should().Be(predictions[i].Score[1]);
            predictions[i].PredictedLabel.Should().Be(predictions[i].Score[1] > predictions[i].Score[0] ? 2u : 1u);
        }
    }

    [Fact]
    public void PredictionEngine_Should_LeaveTheModelUsable_When_TheEngineIsDisposed()
    {
        // ML.NET 5 disposes the disposable transformers of a model with its PredictionEngine; Distill's are not disposable.
        var engine = MLContext.Model.CreatePredictionEngine<Sst2Row, Prediction>(_fixture.Model);
        var before = engine.Predict(new Sst2Row { Sentence = "a fine film ." }).Score;
        engine.Dispose();

        var after = MLNetFixture.Vectors<float>(_fixture.Model.Transform(_fixture.Dev), DistillColumnNames.Score);

        after.Should().HaveCount(48);
        _fixture.Trained.Student.state_dict().Should().NotBeEmpty("the student's weights must outlive the engine");
        before.Should().HaveCount(2);
    }

    [Fact]
    public void GetOutputSchema_Should_AgreeWithTheFittedTransformer_When_ThePipelineIsFitted()
    {
        var shape = _fixture.Pipeline.GetOutputSchema(SchemaShapes.Of(_fixture.Train.Schema));
        var schema = _fixture.Model.Transform(_fixture.Train).Schema;

        MLNetFixture.ShouldAgree(shape, schema);
        shape.Select(c => c.Name).Should().Contain([DistillColumnNames.Score, DistillColumnNames.PredictedLabel, DistillColumnNames.BinaryScore, DistillColumnNames.Probability, DistillColumnNames.BinaryPredictedLabel]);
        schema[DistillColumnNames.Score].Type.Should().Be(new VectorDataViewType(NumberDataViewType.Single, 2));
        schema[DistillColumnNames.PredictedLabel].Type.Should().Be(new KeyDataViewType(typeof(uint), 2));
    }

    [Theory]
    [InlineData(StudentKind.Transformer)]
    [InlineData(StudentKind.TextCnn)]
    public void Fit_Should_TrainOtherTextStudents_When_GivenTheirOptions(StudentKind kind)
    {
        var tokenized = Tokenized(rows: 24, classes: 2);
        var distill = MLContext.Distillation();
        using var folder = new Students.Checkpoints.TempFolder();
        var estimator = kind == StudentKind.Transformer
            ? distill.TrainTransformer(new TransformerStudentOptions { NumLabels = 2, MaxPositions = 64, Layers = 1, Hidden = 8, Heads = 2, Intermediate = 16 }, epochs: 1, batchSize: 8, outputDirectory: folder.Path)
            : distill.TrainTextCnn(new TextCnnStudentOptions { NumLabels = 2, EmbeddingDim = 8, FilterWidths = [2, 3], FiltersPerWidth = 4 }, epochs: 1, batchSize: 8, outputDirectory: folder.Path);

        var student = estimator.Fit(tokenized);
        var scores = MLNetFixture.Vectors<float>(student.Transform(tokenized), DistillColumnNames.Score);

        student.Student.Kind.Should().Be(kind);
        student.Training!.Steps.Should().Be(3);
        scores.Should().HaveCount(24).And.OnlyContain(s => s.Length == 2 && Math.Abs(s.Sum() - 1) < 1e-5);
        student.Student.Dispose();
    }

    [Fact]
    public void Fit_Should_TrainAnMlp_When_TheInputHasFeaturesAndThreeClasses()
    {
        var rows = Enumerable.Range(0, 30).Select(i => new FeatureRow
        {
            Class = (i % 3).ToString(System.Globalization.CultureInfo.InvariantCulture),
            Features = Enumerable.Range(0, 4).Select(j => (float)(j == i % 3 ? 2 : 0) + 0.1f * (float)Math.Sin(i * j)).ToArray(),
        }).ToArray();
        var data = MLContext.Transforms.Conversion.MapValueToKey("Label", "Class").Fit(MLContext.Data.LoadFromEnumerable(rows)).Transform(MLContext.Data.LoadFromEnumerable(rows));
        using var folder = new Students.Checkpoints.TempFolder();

        var student = MLContext.Distillation().TrainMlp(new MlpStudentOptions { NumLabels = 3, InputSize = 4, HiddenSizes = [8] }, epochs: 2, batchSize: 10, learningRate: 1e-2, outputDirectory: folder.Path).Fit(data);
        var scored = student.Transform(data);
        var metrics = MLContext.MulticlassClassification.Evaluate(scored);

        student.Labels.Should().Equal("0", "1", "2");
        scored.Schema.GetColumnOrNull(DistillColumnNames.Probability).Should().BeNull("binary columns are only for two classes");
        metrics.ConfusionMatrix.NumberOfClasses.Should().Be(3);
        metrics.LogLoss.Should().BeLessThan(Math.Log(3) + 0.5, "two epochs on separable data should not be worse than chance by much");
        student.Student.Dispose();
    }

    [Fact]
    public void Fit_Should_TrainAnImageCnn_When_TheOptionsGiveTheFeatureShape()
    {
        var rows = Enumerable.Range(0, 16).Select(i => new ImageRow
        {
            Class = (i % 2).ToString(System.Globalization.CultureInfo.InvariantCulture),
            Pixels = Enumerable.Range(0, 16).Select(j => (float)((i % 2 == 0 ? j : 16 - j) / 16.0)).ToArray(),
        }).ToArray();
        var raw = MLContext.Data.LoadFromEnumerable(rows);
        var data = MLContext.Transforms.Conversion.MapValueToKey("Label", "Class").Fit(raw).Transform(raw);
        using var folder = new Students.Checkpoints.TempFolder();
        var estimator = MLContext.Distillation().TrainStudent(new StudentTrainerOptions
        {
            Student = new ImageCnnStudentOptions { NumLabels = 2, InputChannels = 1, StageChannels = [4, 4], BlocksPerStage = 1 },
            FeatureColumnName = "Pixels",
            FeatureShape = [1, 4, 4],
            Epochs = 1,
            BatchSize = 8,
            Device = DeviceSetting.Cpu,
            OutputDirectory = folder.Path,
        });

        var student = estimator.Fit(data);
        var probability = MLNetFixture.Column<float>(student.Transform(data), DistillColumnNames.Probability);

        student.Training!.Steps.Should().Be(2);
        probability.Should().HaveCount(16).And.OnlyContain(p => p >= 0 && p <= 1);
        student.Student.Dispose();
    }

    [Fact]
    public void Fit_Should_SaySchemaMismatchForLabel_When_TheLabelIsNotAKey()
    {
        var tokenized = Tokenized(rows: 4, classes: 2, keys: false);
        var estimator = MLContext.Distillation().TrainBiLstm(StudentPipelineFixture.StudentOptions());

        var fit = () => estimator.Fit(tokenized);

        fit.Should().Throw<ArgumentOutOfRangeException>()
            .WithMessage("Schema mismatch for label column 'Label': expected Key, got String; map the labels to keys first, e.g. mlContext.Transforms.Conversion.MapValueToKey(\"Label\")*");
    }

    [Fact]
    public void Fit_Should_SayHowManyClassesTheLabelHas_When_TheStudentHasAnotherNumber()
    {
        var tokenized = Tokenized(rows: 4, classes: 2);
        var estimator = MLContext.Distillation().TrainBiLstm(StudentPipelineFixture.StudentOptions() with { NumLabels = 3 });

        var fit = () => estimator.Fit(tokenized);

        fit.Should().Throw<ArgumentOutOfRangeException>()
            .WithMessage("Schema mismatch for label column 'Label': expected Key with 3 values, got Key with 2 values; set the student's NumLabels*");
    }

    [Fact]
    public void GetOutputSchema_Should_AskForTeacherLogits_When_TheLossHasKdAndTheInputHasNone()
    {
        var tokenized = Tokenized(rows: 4, classes: 2);
        var estimator = MLContext.Distillation().TrainBiLstm(StudentPipelineFixture.StudentOptions(), new WeightedLossSum().Add(new KdLoss()));

        var shape = () => estimator.GetOutputSchema(SchemaShapes.Of(tokenized.Schema));

        shape.Should().Throw<ArgumentOutOfRangeException>()
            .WithMessage("Could not find teacher logits column 'TeacherLogits'; *the loss has kd, which needs the teacher's logits: append Distillation().TeacherOutputs(...)*");
    }

    [Fact]
    public void Constructor_Should_RefuseIntermediateTerms_When_TheLossNeedsMoreThanLogits()
    {
        var loss = new WeightedLossSum().Add(new KdLoss()).Add(new HiddenCosineLoss());

        var create = () => MLContext.Distillation().TrainTransformer(new TransformerStudentOptions { NumLabels = 2 }, loss);

        create.Should().Throw<DistillException>().WithMessage("*loss term 'cosine' needs the teacher's intermediate tensors, which the ML.NET path does not carry (it carries logits only)*");
    }

    [Fact]
    public void Fit_Should_NameTheRowAndId_When_ATokenIsOutsideTheStudentsVocabulary()
    {
        var tokenized = Tokenized(rows: 4, classes: 2);
        var estimator = MLContext.Distillation().TrainBiLstm(StudentPipelineFixture.StudentOptions() with { VocabSize = 1000 });

        var fit = () => estimator.Fit(tokenized);

        fit.Should().Throw<DistillException>().WithMessage("row 0: token id * in column 'InputIds' is outside the student's vocabulary (vocab_size 1000); set the student's VocabSize*");
    }

    private static double Accuracy(IDataView scored)
    {
        var labels = MLNetFixture.Column<uint>(scored, "Label");
        var predicted = MLNetFixture.Column<uint>(scored, DistillColumnNames.PredictedLabel);
        return labels.Zip(predicted).Count(p => p.First == p.Second) / (double)labels.Count;
    }

    private IDataView Tokenized(int rows, int classes, bool keys = true)
    {
        var data = MLNetFixture.Sst2(MLContext, "train", rows);
        IEstimator<ITransformer> pipeline = MLContext.Distillation().Tokenize(MLNetFixture.VocabPath, "Sentence", maxLength: 48);
        if (keys)
        {
            pipeline = MLContext.Transforms.Conversion.MapValueToKey("Label").Append(pipeline);
        }

        var result = pipeline.Fit(data).Transform(data);
        if (keys)
        {
            result.Schema["Label"].Type.Should().Be(new KeyDataViewType(typeof(uint), classes));
        }

        return result;
    }

    public sealed class Prediction
    {
        public float[] Score { get; set; } = [];

        public uint PredictedLabel { get; set; }

        public float Probability { get; set; }

        public bool BinaryPredictedLabel { get; set; }
    }

    private sealed class ImageRow
    {
        public string Class { get; set; } = string.Empty;

        [VectorType(16)]
        public float[] Pixels { get; set; } = [];
    }

    private sealed class FeatureRow
    {
        public string Class { get; set; } = string.Empty;

        [VectorType(4)]
        public float[] Features { get; set; } = [];
    }
}

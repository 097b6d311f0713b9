using System.Text.Json.Nodes;
using Distill.Cache;
using Distill.Export;
using Distill.Losses;
using Distill.Students;
using Distill.Teacher;
using Distill.Training;
using static TorchSharp.torch;

namespace Distill.Core.Tests.Training;

/// <summary>The float-input students: an MLP taught by logits in memory, an image CNN taught through attention transfer.</summary>
public sealed class FloatStudentTrainingTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("distill-float-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static List<double> Term(TrainingResult result, string term) =>
        File.ReadAllLines(result.MetricsLog).Select(l => JsonNode.Parse(l)!.AsObject())
            .Where(l => (string)l["kind"]! == "step").Select(l => (double)l["terms"]![term]!).ToList();

    [Fact]
    public void Train_Should_FitTheTeachersLogits_When_TheStudentIsAnMlp()
    {
        // Arrange: the "teacher" is a fixed linear map of the features; its logits are given in memory.
        var random = new Random(3);
        var examples = Enumerable.Range(0, 128).Select(i =>
            new StudentExample(i, 0, null, Enumerable.Range(0, 12).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray(), -1)).ToList();
        var logits = examples.Select(e => new[] { e.Features![0] * 3 + e.Features[1], -e.Features[2] * 2, e.Features[3] - e.Features[4] }).ToList();
        manual_seed(6);
        using var student = new MlpStudentOptions { InputSize = 12, HiddenSizes = [32], NumLabels = 3, Dropout = 0 }.CreateModel();
        var trainer = new DistillationTrainer(student,
            new TrainingOptions { OutputDirectory = Path.Combine(_folder, "mlp"), BatchSize = 16, LogEverySteps = 1, Device = Distill.Platform.DeviceSetting.Cpu },
            [new TrainingStage { Loss = new WeightedLossSum().Add(new KdLoss(new KdLossOptions { Temperature = 1 })), Epochs = 10, LearningRate = 1e-2 }]);

        // Act: unlabelled rows, no dev set: teacher targets alone.
        var result = trainer.Train(new TrainingData { Train = examples, Labels = ["a", "b", "c"], Teacher = TeacherTargets.FromLogits(logits) });

        // Assert
        var kd = Term(result, "kd");
        kd.TakeLast(8).Average().Should().BeLessThan(kd.Take(8).Average() * 0.5);
        result.Best.Should().BeNull("there is no dev set");
    }

    [Fact]
    public void Train_Should_TransferAttention_When_TheStudentIsAnImageCnn()
    {
        // Arrange: an image-CNN teacher exported with its stage feature maps as outputs, cached as fixed-shape tensors.
        manual_seed(7);
        var options = new ImageCnnStudentOptions { InputChannels = 1, StageChannels = [8, 16], NumLabels = 3 };
        var teacherPath = Path.Combine(_folder, "cnn-teacher.onnx");
        using (var teacherModel = (options with { StageChannels = [16, 32] }).CreateModel())
        {
            teacherModel.eval();
            OnnxExporter.Export(teacherModel, teacherPath, new OnnxExportOptions { ExtraOutputs = Intermediates.FeatureMaps });
        }

        var random = new Random(4);
        var examples = Enumerable.Range(0, 64).Select(i =>
            new StudentExample(i, 0, null, Enumerable.Range(0, 100).Select(_ => (float)random.NextDouble()).ToArray(), i % 3)).ToList();
        using var onnx = OnnxTeacher.Load(teacherPath, new OnnxTeacherOptions { Device = Distill.Platform.DeviceSetting.Cpu });
        var cacheFolder = new TeacherCacheBuilder(onnx, teacherPath, new TeacherCacheOptions
        {
            Tensors =
            [
                CachedTensorSpec.Logits(OnnxNames.Logits),
                new CachedTensorSpec("feature_maps.0", CachedTensorKind.Fixed, OnnxNames.FeatureMaps(0)),
                new CachedTensorSpec("feature_maps.1", CachedTensorKind.Fixed, OnnxNames.FeatureMaps(1)),
            ],
            FeatureShape = [1, 10, 10],
        }).Build(examples.Select(e => new TeacherRow(e.RowId, 0, null, e.Features)).ToList(), Path.Combine(_folder, "cnn-cache")).Folder;
        using var cache = TeacherCache.Open(cacheFolder);
        manual_seed(8);
        using var student = options.CreateModel();
        var loss = new WeightedLossSum().Add(new AttentionTransferLoss(), 100).Add(new LabelCrossEntropyLoss());
        var trainer = new DistillationTrainer(student,
            new TrainingOptions { OutputDirectory = Path.Combine(_folder, "cnn"), BatchSize = 16, LogEverySteps = 1, Device = Distill.Platform.DeviceSetting.Cpu },
            [new TrainingStage { Loss = loss, Epochs = 6, LearningRate = 1e-2 }]);

        // Act
        var result = trainer.Train(new TrainingData
        {
            Train = examples, Dev = examples.Take(16).ToList(), Labels = ["a", "b", "c"], Teacher = TeacherTargets.FromCache(cache), FeatureShape = [1, 10, 10],
        });

        // Assert
        var at = Term(result, "at");
        at.TakeLast(4).Average().Should().BeLessThan(at.Take(4).Average());
        result.Evaluations.Should().HaveCount(6);
    }
}

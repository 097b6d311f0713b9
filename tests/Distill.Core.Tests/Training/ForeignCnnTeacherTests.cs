using System.Text.Json.Nodes;
using Distill.Cache;
using Distill.Core.Tests.Teacher.Support;
using Distill.Data;
using Distill.Losses;
using Distill.Students;
using Distill.Teacher;
using Distill.Training;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using static TorchSharp.torch;

namespace Distill.Core.Tests.Training;

/// <summary>
/// Attention transfer from a CNN teacher that Distill did not export: a graph written as torch.onnx writes one, its
/// stage ends found by structure, tapped, cached, and distilled into a smaller image CNN.
/// </summary>
public sealed class ForeignCnnTeacherTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("distill-foreign-cnn-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void A_PyTorch_Style_Cnn_Should_Teach_An_Image_Cnn_Through_Its_Feature_Maps()
    {
        // Arrange: the teacher, and 60 images of 1×28×28 in 10 classes.
        var teacherPath = Path.Combine(_folder, "teacher.onnx");
        File.WriteAllBytes(teacherPath, PyTorchCnnOnnx.Simple(seed: 5).ToByteArray());
        var random = new Random(9);
        var examples = Enumerable.Range(0, 60).Select(i =>
            new StudentExample(i, 0, null, Enumerable.Range(0, 784).Select(_ => (float)random.NextDouble()).ToArray(), i % 10)).ToList();
        var student = new ImageCnnStudentOptions { InputChannels = 1, StageChannels = [8, 16], NumLabels = 10 };
        var loss = new WeightedLossSum().Add(new AttentionTransferLoss(), 100).Add(new KdLoss()).Add(new LabelCrossEntropyLoss());
        var maps = TeacherGraph.Inspect(teacherPath).FeatureMaps.Count;

        // Act 1: plan the cache as a recipe does: two student stages pair with maps 0 and 2, and the cache holds all three.
        var needs = TeacherTensorNeeds.Of("distillation", loss, student, maps, teacherPath);
        using var teacher = OnnxTeacher.Load(teacherPath, TeacherCachePlanner.WithTaps(new OnnxTeacherOptions { Device = Distill.Platform.DeviceSetting.Cpu }, needs));
        var specs = TeacherCachePlanner.Specs(teacher, needs.OrderBy(n => n.Name, StringComparer.Ordinal));
        var rows = examples.Select(e => new DataRow(e.RowId, [], null, e.Features)).ToList();
        var options = new TeacherCacheOptions { Tensors = specs, FeatureShape = [1, 28, 28] };
        var plan = TeacherCachePlanner.PlanFeatures("train", teacher, teacherPath, rows, options);
        var built = plan.Build(Path.Combine(_folder, "cache"));
        using var cache = TeacherCache.Open(built.Folder);

        // Assert 1: the key follows the rows; the taps are the graph's own tensors, cached at their shapes (fp16: about 3
        // significant digits).
        built.Key.Should().Be(plan.Key);
        TeacherCachePlanner.PlanFeatures("train", teacher, teacherPath, rows, options).Key.Should().Be(plan.Key);
        TeacherCachePlanner.PlanFeatures("train", teacher, teacherPath, rows.Take(59).ToList(), options).Key.Should().NotBe(plan.Key);
        maps.Should().Be(3);
        needs.Select(n => n.Name).Order(StringComparer.Ordinal).Should().Equal("feature_maps.0", "feature_maps.1", "feature_maps.2", "logits");
        specs.Select(s => s.Source).Should().Contain(["/relu/Relu_output_0", "/relu_1/Relu_output_0", "/pool_1/MaxPool_output_0"]);
        var (cached, dims) = cache.Read(cache.PositionOf(7), "feature_maps.1");
        dims.Should().Equal(32, 14, 14);
        var direct = RunTap(teacherPath, "/relu_1/Relu_output_0", examples[7].Features!);
        cached.Zip(direct).Max(p => Math.Abs(p.First - p.Second) / Math.Max(1f, Math.Abs(p.Second))).Should().BeLessThan(2e-3f);

        // Act 2: distil.
        manual_seed(8);
        using var model = student.CreateModel();
        var result = new DistillationTrainer(model,
            new TrainingOptions { OutputDirectory = Path.Combine(_folder, "run"), BatchSize = 12, LogEverySteps = 1, Device = Distill.Platform.DeviceSetting.Cpu },
            [new TrainingStage { Loss = loss, Epochs = 6, LearningRate = 1e-2 }])
            .Train(new TrainingData { Train = examples, Labels = [.. Enumerable.Range(0, 10).Select(i => $"c{i}")], Teacher = TeacherTargets.FromCache(cache), FeatureShape = [1, 28, 28] });

        // Assert 2: the attention-transfer term falls as the student learns the teacher's maps.
        var at = File.ReadAllLines(result.MetricsLog).Select(l => JsonNode.Parse(l)!.AsObject())
            .Where(l => (string)l["kind"]! == "step").Select(l => (double)l["terms"]!["at"]!).ToList();
        at.Should().HaveCount(30);
        at.TakeLast(5).Average().Should().BeLessThan(at.Take(5).Average() * 0.8);
    }

    // The tensor as ONNX Runtime computes it in the unedited graph made to output it.
    private static float[] RunTap(string path, string tensor, float[] image)
    {
        var edited = TeacherGraph.WithOutputs(TeacherGraph.Load(path), [tensor]);
        using var session = new InferenceSession(edited.ToByteArray());
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", new DenseTensor<float>(image, [1, 1, 28, 28]))]);
        return results.Single(r => r.Name == tensor).AsTensor<float>().ToArray();
    }
}

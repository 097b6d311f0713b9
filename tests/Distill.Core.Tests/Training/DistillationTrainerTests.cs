using System.Text.Json.Nodes;
using Distill.Losses;
using Distill.Students;
using Distill.Training;
using static TorchSharp.torch;

namespace Distill.Core.Tests.Training;

public class DistillationTrainerTests : IClassFixture<TrainingFixture>
{
    private readonly TrainingFixture _fixture;

    public DistillationTrainerTests(TrainingFixture fixture)
    {
        _fixture = fixture;
    }

    private static TrainingOptions Options(string output, int seed = 1) => new()
    {
        OutputDirectory = output, BatchSize = 16, Seed = seed, LogEverySteps = 1, CheckpointEverySteps = 4, Device = Distill.Platform.DeviceSetting.Cpu,
    };

    private static TrainingStage Stage(WeightedLossSum loss, int epochs = 3, string name = "train", double rate = 3e-3) =>
        new() { Name = name, Loss = loss, Epochs = epochs, LearningRate = rate, WarmupFraction = 0.1 };

    private static List<JsonObject> Log(TrainingResult result) =>
        File.ReadAllLines(result.MetricsLog).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();

    [Fact]
    public void Train_Should_LowerTheLoss_And_KeepTheBestCheckpoint_When_DistillingLogits()
    {
        // Arrange
        manual_seed(1);
        using var student = TrainingFixture.Student().CreateModel();
        var loss = new WeightedLossSum().Add(new LabelCrossEntropyLoss(), 0.5).Add(new KdLoss(new KdLossOptions { Temperature = 2 }), 0.5);
        var trainer = new DistillationTrainer(student, Options(_fixture.Output("kd")), [Stage(loss)]);

        // Act
        var result = trainer.Train(_fixture.Data());

        // Assert
        var steps = Log(result).Where(l => (string)l["kind"]! == "step").ToList();
        steps.Should().HaveCount(18, "96 rows at batch 16 are 6 steps an epoch, for 3 epochs");
        ((double)steps[^1]["terms"]!["kd"]!).Should().BeLessThan((double)steps[0]["terms"]!["kd"]!);
        result.Evaluations.Should().HaveCount(3);
        result.Best.Should().NotBeNull();
        result.BestCheckpoint.Should().NotBeNull();
        File.Exists(Path.Combine(result.BestCheckpoint!, "distill.json")).Should().BeTrue();
        result.Steps.Should().Be(18);
    }
}

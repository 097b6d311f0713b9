using System.Text.Json.Nodes;
using Distill.Losses;
using Distill.Students;
using Distill.Training;
using static TorchSharp.torch;

namespace Distill.Core.Tests.Training;

public class ResumeAndErrorTests : IClassFixture<TrainingFixture>
{
    private readonly TrainingFixture _fixture;

    public ResumeAndErrorTests(TrainingFixture fixture)
    {
        _fixture = fixture;
    }

    private static TrainingOptions Options(string output, int seed = 11, int checkpointEvery = 4) => new()
    {
        OutputDirectory = output, BatchSize = 16, Seed = seed, LogEverySteps = 1, CheckpointEverySteps = checkpointEvery,
        Device = Distill.Platform.DeviceSetting.Cpu,
    };

    private static IReadOnlyList<TrainingStage> Stages() =>
    [
        new TrainingStage
        {
            Name = "intermediate", Epochs = 1, LearningRate = 3e-3,
            Loss = new WeightedLossSum().Add(new AttentionKlLoss(new AttentionKlLossOptions { LayerMap = LayerMap.Uniform })).Add(new HiddenMseLoss(16, 16)),
        },
        new TrainingStage
        {
            Name = "prediction", Epochs = 2, LearningRate = 3e-3,
            Loss = new WeightedLossSum().Add(new LabelCrossEntropyLoss(), 0.5).Add(new KdLoss(new KdLossOptions { Temperature = 2 }), 0.5),
        },
    ];

    private TrainingResult Run(string output, CancellationToken cancellation = default, Action<TrainingProgress>? onProgress = null)
    {
        manual_seed(21);
        var student = TrainingFixture.Student().CreateModel();
        var progress = onProgress is null ? null : new SynchronousProgress(onProgress);
        return new DistillationTrainer(student, Options(output), Stages()).Train(_fixture.Data(), progress, cancellation);
    }

    private static List<JsonObject> Steps(TrainingResult result) =>
        File.ReadAllLines(result.MetricsLog).Select(l => JsonNode.Parse(l)!.AsObject()).Where(l => (string)l["kind"]! == "step").ToList();

    [Fact]
    public void Train_Should_EndAsAnUninterruptedRun_When_StoppedAndResumed()
    {
        // Arrange: one run straight through; another stopped after step 9 (its last checkpoint is at step 8), then
        // resumed by a new trainer on a new student, as a new process would.
        var whole = Run(_fixture.Output("resume-whole"));
        using var stop = new CancellationTokenSource();
        var stopped = () => Run(_fixture.Output("resume-cut"), stop.Token, p =>
        {
            if (p.Evaluation is null && p.Stage == "prediction" && p.Step == 3)
            {
                stop.Cancel();
            }
        });

        // Act
        stopped.Should().Throw<OperationCanceledException>();
        var resumed = Run(_fixture.Output("resume-cut"));

        // Assert
        resumed.Resumed.Should().BeTrue();
        resumed.Steps.Should().Be(whole.Steps).And.Be(18);
        resumed.Evaluations.Select(e => e.Metrics.Accuracy).Should().Equal(whole.Evaluations.Select(e => e.Metrics.Accuracy));
        resumed.Evaluations.Select(e => e.Metrics.LogLoss).Should().Equal(whole.Evaluations.Select(e => e.Metrics.LogLoss), (a, b) => Math.Abs(a - b) < 1e-5);
        Steps(resumed).Select(l => (double)l["loss"]!).Should().Equal(Steps(whole).Select(l => (double)l["loss"]!), (a, b) => Math.Abs(a - b) < 1e-4);
        foreach (var (name, value) in resumed.Student.state_dict())
        {
            (value - whole.Student.state_dict()[name]).abs().max().item<float>().Should().BeLessThan(1e-4f, name);
        }
    }

    [Fact]
    public void Train_Should_RepeatItself_When_RunTwiceWithTheSameSeed()
    {
        var first = Run(_fixture.Output("repeat-a"));
        var second = Run(_fixture.Output("repeat-b"));

        Steps(second).Select(l => (double)l["loss"]!).Should().Equal(Steps(first).Select(l => (double)l["loss"]!));
        second.Evaluations.Select(e => e.Metrics.LogLoss).Should().Equal(first.Evaluations.Select(e => e.Metrics.LogLoss));
    }

    [Fact]
    public void Train_Should_StopWithTheStepAndTerm_And_KeepTheLastCheckpoint_When_ALossIsNaN()
    {
        manual_seed(1);
        using var student = TrainingFixture.Student().CreateModel();
        var loss = new WeightedLossSum().Add(new LabelCrossEntropyLoss()).Add(new NaNAfter(5));
        var output = _fixture.Output("nan");
        var trainer = new DistillationTrainer(student, Options(output, checkpointEvery: 2), [new TrainingStage { Loss = loss, Epochs = 2, LearningRate = 1e-3 }]);

        var act = () => trainer.Train(_fixture.Data());

        var error = act.Should().Throw<TrainingDivergedException>().Which;
        error.Term.Should().Be("exploding");
        error.Step.Should().Be(6);
        error.Kind.Should().Be(DistillErrorKind.RunFailed);
        error.Message.Should().StartWith("stage 'train', step 6: loss term 'exploding' is NaN; the run stopped, the last good checkpoint is ");
        var state = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "checkpoint", "state.json")))!;
        ((long)state["global_step"]!).Should().Be(4, "the checkpoint written before the bad step is kept");
    }

    [Fact]
    public void Train_Should_StopEarly_When_TheDevMetricStopsImproving()
    {
        manual_seed(1);
        using var student = TrainingFixture.Student().CreateModel();
        var options = Options(_fixture.Output("patience")) with { EarlyStoppingPatience = 1 };
        var stage = new TrainingStage { Loss = new WeightedLossSum().Add(new LabelCrossEntropyLoss()), Epochs = 6, LearningRate = 1e-9 };

        var result = new DistillationTrainer(student, options, [stage]).Train(_fixture.Data());

        result.StoppedEarly.Should().BeTrue();
        result.Evaluations.Should().HaveCount(2, "a learning rate of 1e-9 changes nothing, so the second epoch does not improve");
    }

    public static TheoryData<string> BadInputs => ["label", "empty", "classes", "teacher_classes", "no_teacher", "value_relation", "dev_unlabelled"];

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void Train_Should_NameTheProblem_BeforeTraining_When_TheInputIsBad(string problem)
    {
        manual_seed(1);
        using var student = (problem is "classes" or "teacher_classes" ? TrainingFixture.Student() with { NumLabels = 3 } : TrainingFixture.Student()).CreateModel();
        ILossTerm term = problem switch
        {
            "no_teacher" => new KdLoss(),
            "value_relation" => new ValueRelationLoss(),
            _ => new LabelCrossEntropyLoss(),
        };
        var data = _fixture.Data(teacher: problem != "no_teacher") with
        {
            Train = problem switch
            {
                "label" => [.. _fixture.Train.Take(10), _fixture.Train[10] with { Label = 7 }],
                "empty" => [],
                _ => _fixture.Train,
            },
            Labels = problem == "teacher_classes" ? ["a", "b", "c"] : TrainingFixture.Labels,
            Dev = problem == "dev_unlabelled" ? [_fixture.Dev[0] with { Label = -1 }] : _fixture.Dev,
        };
        var output = _fixture.Output($"bad-{problem}");

        var act = () => new DistillationTrainer(student, Options(output), [new TrainingStage { Loss = new WeightedLossSum().Add(term) }]).Train(data);

        var message = act.Should().Throw<DistillException>().Where(e => e.Kind == DistillErrorKind.InvalidInput).Which.Message;
        message.Should().Contain(problem switch
        {
            "label" => "training row 10 has label id 7, outside the 2 labels (negative, positive)",
            "empty" => "the training set is empty",
            "classes" => "the data has 2 labels (negative, positive) but the student predicts 3",
            "teacher_classes" => "predicts 2 classes but the student 3",
            "no_teacher" => "stage 'train', loss 'kd': needs the teacher's logits, but the run has no teacher",
            "value_relation" => "needs the teacher's value vectors",
            _ => "dev row 0 has no label",
        });
        Directory.Exists(Path.Combine(output, "checkpoint")).Should().BeFalse("nothing was trained");
    }

    /// <summary>A term that turns NaN from a given step on: a stand-in for a run that diverges.</summary>
    private sealed class NaNAfter(long step) : ILossTerm
    {
        public string Key => "exploding";

        public string Formula => "NaN after a while";

        public Tensor Compute(LossInputs inputs) =>
            inputs.Progress.Step >= step ? tensor(float.NaN) : inputs.StudentLogits!.sum() * 0;
    }

    /// <summary>IProgress that reports on the calling thread, so a test can stop a run at an exact step.</summary>
    private sealed class SynchronousProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}

using Distill.Evaluation.Internal;
using Distill.Training;
using Distill.Training.Internal;

namespace Distill.Core.Tests.Training;

/// <summary>The metrics log's lines: their JSON text, reading them back, and the log kept through a step on resume.</summary>
public sealed class MetricsLogTests : IDisposable
{
    // Lines as DistillationTrainer has written them since the first version of the log, spelled out by hand.
    private const string StepLine =
        """{"kind":"step","stage":"prediction","epoch":1,"step":20,"global_step":45,"loss":0.8125,"learning_rate":5E-05,"rows_per_second":812.5,"terms":{"kd":0.5,"ce":1.125}}""";

    private const string EvalLine =
        """{"kind":"eval","stage":"prediction","epoch":1,"step":20,"global_step":45,"accuracy":0.85,"macro_f1":0.8,"log_loss":0.4,"teacher_agreement":null,"best":true}""";

    private readonly string _folder = Directory.CreateTempSubdirectory("distill-metrics-log-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void ToJson_Should_WriteTheKeysTheTrainerHasAlwaysWritten_When_AStepAndAnEvaluation()
    {
        // Arrange
        MetricsLogLine step = new MetricsLogStep
        {
            Stage = "prediction", Epoch = 1, Step = 20, GlobalStep = 45, Loss = 0.8125, LearningRate = 5e-5, RowsPerSecond = 812.5,
            Terms = new Dictionary<string, double> { ["kd"] = 0.5, ["ce"] = 1.125 },
        };
        MetricsLogLine evaluation = new MetricsLogEvaluation
        {
            Stage = "prediction", Epoch = 1, Step = 20, GlobalStep = 45, Accuracy = 0.85, MacroF1 = 0.8, LogLoss = 0.4, TeacherAgreement = null, Best = true,
        };

        // Act and assert
        step.ToJson().Should().Be(StepLine);
        evaluation.ToJson().Should().Be(EvalLine);
    }

    [Fact]
    public void Parse_Should_ReadEveryKey_When_TheLinesAreOfTheTrainersFormat()
    {
        // Act
        var step = MetricsLogLine.Parse(StepLine);
        var evaluation = MetricsLogLine.Parse(EvalLine);

        // Assert
        var s = step.Should().BeOfType<MetricsLogStep>().Subject;
        (s.Stage, s.Epoch, s.Step, s.GlobalStep, s.Loss, s.LearningRate, s.RowsPerSecond).Should().Be(("prediction", 1, 20L, 45L, 0.8125, 5e-5, 812.5));
        s.Terms.Should().Equal(new Dictionary<string, double> { ["kd"] = 0.5, ["ce"] = 1.125 });
        var e = evaluation.Should().BeOfType<MetricsLogEvaluation>().Subject;
        (e.Stage, e.Epoch, e.Step, e.GlobalStep, e.Accuracy, e.MacroF1, e.LogLoss, e.TeacherAgreement, e.Best).Should().Be(("prediction", 1, 20L, 45L, 0.85, 0.8, 0.4, (double?)null, true));
    }

    [Fact]
    public void Parse_Should_GiveNullOrAPlainLine_When_TheLineIsCutOrOfAnotherKind()
    {
        // Act and assert
        MetricsLogLine.Parse(StepLine[..40]).Should().BeNull("a line cut short by a killed run is not JSON");
        MetricsLogLine.Parse("42").Should().BeNull();
        MetricsLogLine.Parse("").Should().BeNull();
        MetricsLogLine.Parse("""{"kind":"note","stage":"train","global_step":3}""").Should().Be(new MetricsLogLine { Stage = "train", GlobalStep = 3 });
        MetricsLogLine.Parse("""{"stage":"prediction","kind":"eval","accuracy":0.5}""").Should().BeOfType<MetricsLogEvaluation>()
            .Which.Accuracy.Should().Be(0.5, "kind need not come first");
    }

    [Fact]
    public void Read_Should_GiveStepsAndEvaluationsInFileOrder_And_SkipLinesThatAreNotWhole()
    {
        // Arrange: the trainer's lines, a blank line, an unknown kind, and a last line cut short.
        var path = Path.Combine(_folder, "metrics.jsonl");
        File.WriteAllLines(path,
        [
            StepLine,
            "",
            EvalLine,
            """{"kind":"step","stage":"prediction","epoch":1,"step":21,"global_step":46,"loss":0.75,"learning_rate":5E-05,"rows_per_second":800,"terms":{"kd":0.25}}""",
            """{"kind":"note"}""",
            StepLine[..50],
        ]);

        // Act
        var (steps, evaluations) = MetricsLogReader.Read(path);

        // Assert
        steps.Select(s => (s.Stage, s.GlobalStep, s.Loss)).Should().Equal(("prediction", 45L, 0.8125), ("prediction", 46L, 0.75));
        steps[0].Terms.Should().Equal(KeyValuePair.Create("kd", 0.5), KeyValuePair.Create("ce", 1.125));
        evaluations.Should().Equal(new MetricsLogReader.Evaluation("prediction", 1, 20, 0.85, 0.8, 0.4, null));
    }

    [Fact]
    public void Open_Should_KeepLinesThroughTheStep_And_AppendAfterThem_When_Resuming()
    {
        // Arrange: steps 1 to 3, then a line cut short by the kill.
        var path = Path.Combine(_folder, "metrics.jsonl");
        string Line(long globalStep) => new MetricsLogStep { Stage = "train", GlobalStep = globalStep, Loss = 1, LearningRate = 0.1, RowsPerSecond = 10 }.ToJson();
        File.WriteAllLines(path, [Line(1), Line(2), Line(3), Line(4)[..30]]);

        // Act
        using (var log = MetricsLog.Open(path, keepThroughStep: 2))
        {
            log.Write(new MetricsLogStep { Stage = "train", GlobalStep = 3, Loss = 0.5, LearningRate = 0.1, RowsPerSecond = 10 });
        }

        // Assert
        File.ReadAllLines(path).Select(l => MetricsLogLine.Parse(l)!.GlobalStep).Should().Equal(1, 2, 3);
        MetricsLogLine.Parse(File.ReadAllLines(path)[2]).Should().BeOfType<MetricsLogStep>().Which.Loss.Should().Be(0.5);
    }
}

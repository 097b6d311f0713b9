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

    public static TheoryData<string> TransformerFamilies => ["ce", "dkd", "attention_kl", "attention_mse", "hidden_mse", "cosine"];

    [Theory]
    [MemberData(nameof(TransformerFamilies))]
    public void Train_Should_LowerEachTermFamily_When_TheStudentIsATransformer(string family)
    {
        // Arrange
        manual_seed(2);
        using var student = TrainingFixture.Student().CreateModel();
        ILossTerm term = family switch
        {
            "ce" => new LabelCrossEntropyLoss(),
            "dkd" => new DkdLoss(new DkdLossOptions { OnWarning = _ => { } }),
            "attention_kl" => new AttentionKlLoss(new AttentionKlLossOptions { LayerMap = LayerMap.Uniform }),
            "attention_mse" => new AttentionMseLoss(new AttentionMseLossOptions { Kind = AttentionKind.Probabilities }),
            "hidden_mse" => new HiddenMseLoss(16, 16),
            _ => new HiddenCosineLoss(new HiddenCosineLossOptions { LayerMap = LayerMap.Uniform }),
        };
        var loss = new WeightedLossSum().Add(term);
        var trainer = new DistillationTrainer(student, Options(_fixture.Output($"family-{family}")), [Stage(loss, epochs: 4, rate: 5e-3)]);

        // Act
        var result = trainer.Train(_fixture.Data(teacher: family != "ce"));

        // Assert: the term falls from its first steps to its last.
        var values = Log(result).Where(l => (string)l["kind"]! == "step").Select(l => (double)l["terms"]![term.Key]!).ToList();
        values.Should().HaveCount(24);
        values.TakeLast(4).Average().Should().BeLessThan(values.Take(4).Average(), "{0} should fall", family);
        (term as IDisposable)?.Dispose();
    }

    [Fact]
    public void Train_Should_RunStagesInOrder_As_TinyBertDoes()
    {
        // Arrange: intermediate layers first, then the predictions; the projection carries over.
        manual_seed(3);
        using var student = TrainingFixture.Student().CreateModel();
        using var hidden = new HiddenMseLoss(16, 16);
        var intermediate = new WeightedLossSum()
            .Add(new AttentionMseLoss(new AttentionMseLossOptions { Kind = AttentionKind.Probabilities }))
            .Add(hidden);
        var prediction = new WeightedLossSum().Add(new KdLoss(new KdLossOptions { Temperature = 1 }));
        var trainer = new DistillationTrainer(student, Options(_fixture.Output("stages")),
            [Stage(intermediate, epochs: 2, name: "intermediate"), Stage(prediction, epochs: 2, name: "prediction")]);
        var projectionBefore = hidden.parameters().First().detach().clone();

        // Act
        var result = trainer.Train(_fixture.Data());

        // Assert
        var steps = Log(result).Where(l => (string)l["kind"]! == "step").ToList();
        steps.Select(l => (string)l["stage"]!).Distinct().Should().Equal("intermediate", "prediction");
        steps.Where(l => (string)l["stage"]! == "intermediate").Should().OnlyContain(l => l["terms"]!.AsObject().ContainsKey("hidden_mse"));
        steps.Where(l => (string)l["stage"]! == "prediction").Should().OnlyContain(l => l["terms"]!.AsObject().ContainsKey("kd"));
        result.Evaluations.Select(e => e.Stage).Should().Equal("intermediate", "intermediate", "prediction", "prediction");
        result.Steps.Should().Be(24);
        (hidden.parameters().First() - projectionBefore).abs().sum().item<float>().Should().BeGreaterThan(0, "the projection trains with the student");
        projectionBefore.Dispose();
    }

    [Theory]
    [InlineData("bilstm")]
    [InlineData("text_cnn")]
    public void Train_Should_DistilIntoTheClassicTextStudents(string architecture)
    {
        manual_seed(4);
        StudentOptions options = architecture == "bilstm"
            ? new BiLstmStudentOptions { EmbeddingDim = 16, HiddenSize = 8, MlpHidden = 16 }
            : new TextCnnStudentOptions { EmbeddingDim = 16, FiltersPerWidth = 8 };
        using var student = options.CreateModel();
        var loss = new WeightedLossSum().Add(new LabelCrossEntropyLoss(), 0.5).Add(new KdLoss(), 0.5);
        var trainer = new DistillationTrainer(student, Options(_fixture.Output($"classic-{architecture}")), [Stage(loss, epochs: 4, rate: 1e-2)]);

        var result = trainer.Train(_fixture.Data());

        var kd = Log(result).Where(l => (string)l["kind"]! == "step").Select(l => (double)l["terms"]!["kd"]!).ToList();
        kd.TakeLast(4).Average().Should().BeLessThan(kd.Take(4).Average());
        result.Evaluations.Should().HaveCount(4);
    }

    [Fact]
    public void Train_Should_DistilThroughSteppingStones_When_TheTeacherIsAFrozenTorchSharpModule()
    {
        // Arrange: the ONNX teacher's weights back in TorchSharp, frozen, with connectors to the student's blocks.
        manual_seed(9);
        using var teacher = Distill.Teacher.OnnxTransformerImport.Import(_fixture.TeacherPath).Model;
        var teacherBefore = teacher.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().clone());
        using var student = TrainingFixture.Student().CreateModel();
        using var blockwise = new BlockwiseDistillation(teacher, TrainingFixture.Student());
        var connectorBefore = blockwise.parameters().First().detach().clone();
        var loss = new WeightedLossSum().Add(new KdLoss()).Add(new BlockwiseLogitLoss());
        var trainer = new DistillationTrainer(student, Options(_fixture.Output("blockwise")), [Stage(loss, epochs: 4, rate: 5e-3)], blockwise);

        // Act
        var result = trainer.Train(_fixture.Data());

        // Assert
        var block = Log(result).Where(l => (string)l["kind"]! == "step").Select(l => (double)l["terms"]!["blockwise_logit"]!).ToList();
        block.TakeLast(4).Average().Should().BeLessThan(block.Take(4).Average());
        (blockwise.parameters().First() - connectorBefore).abs().sum().item<float>().Should().BeGreaterThan(0, "connectors train with the student");
        foreach (var (name, value) in teacher.state_dict())
        {
            value.equal(teacherBefore[name]).all().item<bool>().Should().BeTrue($"the teacher's {name} stays frozen");
        }

        connectorBefore.Dispose();
        foreach (var value in teacherBefore.Values)
        {
            value.Dispose();
        }
    }

    [Fact]
    public void Train_Should_StepOncePerAccumulatedBatches_And_StopAtMaxSteps()
    {
        // Arrange: batches of 8 accumulated 2 at a time are 6 optimizer steps an epoch; max 10 steps over 3 epochs.
        manual_seed(10);
        using var student = TrainingFixture.Student().CreateModel();
        var options = Options(_fixture.Output("accumulate")) with { BatchSize = 8, GradientAccumulation = 2 };
        var stage = Stage(new WeightedLossSum().Add(new LabelCrossEntropyLoss())) with { MaxSteps = 10 };

        // Act
        var result = new DistillationTrainer(student, options, [stage]).Train(_fixture.Data(teacher: false));

        // Assert
        var steps = Log(result).Where(l => (string)l["kind"]! == "step").ToList();
        result.Steps.Should().Be(10);
        steps.Select(l => (long)l["step"]!).Should().Equal(Enumerable.Range(1, 10).Select(i => (long)i));
        steps.Select(l => (int)l["epoch"]!).Should().Equal(0, 0, 0, 0, 0, 0, 1, 1, 1, 1);
        var rates = steps.Select(l => (double)l["learning_rate"]!).ToList();
        rates[0].Should().BeApproximately(3e-3, 1e-12, "one warm-up step (10% of 10) reaches the peak");
        rates.Skip(1).Should().BeInDescendingOrder("the rate then decays linearly");
        rates[^1].Should().BeApproximately(3e-3 * (1 - 8.0 / 9), 1e-12);
    }

    [Fact]
    public void Train_Should_LeaveFrozenParametersAsTheyWere_And_TrainTheRest()
    {
        // Arrange
        manual_seed(11);
        using var student = TrainingFixture.Student().CreateModel();
        var before = student.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().clone());
        var options = Options(_fixture.Output("freeze")) with { Freeze = ["bert.embeddings.word_embeddings", "bert.encoder.layer.0.attention.self.query.bias"] };

        // Act
        new DistillationTrainer(student, options, [Stage(new WeightedLossSum().Add(new LabelCrossEntropyLoss()), epochs: 1)]).Train(_fixture.Data(teacher: false));

        // Assert: the frozen ones are unchanged to the bit; a neighbour of each changed.
        var after = student.state_dict();
        foreach (var key in new[] { "bert.embeddings.word_embeddings.weight", "bert.encoder.layer.0.attention.self.query.bias" })
        {
            Distill.Core.Tests.Students.Checkpoints.Tensors.MaxDifference(after[key], before[key]).Should().Be(0, key);
        }

        foreach (var key in new[] { "bert.embeddings.position_embeddings.weight", "bert.encoder.layer.0.attention.self.query.weight" })
        {
            Distill.Core.Tests.Students.Checkpoints.Tensors.MaxDifference(after[key], before[key]).Should().BeGreaterThan(0, key);
        }
    }

    [Fact]
    public void Train_Should_NameTheFreezeEntry_When_ItMatchesNoParameter()
    {
        using var student = TrainingFixture.Student().CreateModel();
        var options = Options(_fixture.Output("freeze-bad")) with { Freeze = ["bert.embedding"] };

        var act = () => new DistillationTrainer(student, options, [Stage(new WeightedLossSum().Add(new LabelCrossEntropyLoss()), epochs: 1)]).Train(_fixture.Data(teacher: false));

        act.Should().Throw<DistillException>().Which.Message.Should().StartWith(
            "training.freeze: 'bert.embedding' names no parameter of the student; give a state-dict key or a module path such as bert, classifier");
    }
}

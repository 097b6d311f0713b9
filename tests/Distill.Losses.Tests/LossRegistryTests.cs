using Distill.Losses.Tests.Support;
using static TorchSharp.torch;

namespace Distill.Losses.Tests;

public class LossRegistryTests
{
    private const string KnownKeys = "ce, kd, dkd, at, attention_mse, attention_kl, value_relation, hidden_mse, cosine, blockwise_logit";

    private static readonly LossBuildContext Sizes = new() { StudentHidden = 4, TeacherHidden = 8 };

    private static Dictionary<string, object?> Settings(params (string Name, object? Value)[] values) =>
        values.ToDictionary(v => v.Name, v => v.Value);

    [Fact]
    public void Create_Should_ListKnownKeys_When_KeyIsUnknown()
    {
        // Arrange
        var registry = LossRegistry.CreateDefault();

        // Act
        var act = () => registry.Create("kld");

        // Assert
        act.Should().Throw<ArgumentException>().Which.Message.Should().StartWith($"Unknown loss 'kld'. Known: {KnownKeys}");
    }

    [Fact]
    public void Keys_Should_ListEveryBuiltInTermInOrder_When_RegistryIsDefault()
    {
        // Act + Assert
        string.Join(", ", LossRegistry.CreateDefault().Keys).Should().Be(KnownKeys);
    }

    [Theory]
    [InlineData("ce", typeof(LabelCrossEntropyLoss))]
    [InlineData("kd", typeof(KdLoss))]
    [InlineData("dkd", typeof(DkdLoss))]
    [InlineData("at", typeof(AttentionTransferLoss))]
    [InlineData("attention_mse", typeof(AttentionMseLoss))]
    [InlineData("attention_kl", typeof(AttentionKlLoss))]
    [InlineData("value_relation", typeof(ValueRelationLoss))]
    [InlineData("hidden_mse", typeof(HiddenMseLoss))]
    [InlineData("cosine", typeof(HiddenCosineLoss))]
    [InlineData("blockwise_logit", typeof(BlockwiseLogitLoss))]
    public void Create_Should_BuildTheTermWithDefaults_When_KeyIsKnown(string key, Type expected)
    {
        // Act
        var term = LossRegistry.CreateDefault().Create(key, context: Sizes);

        // Assert
        term.Should().BeOfType(expected);
        term.Key.Should().Be(key);
        term.Formula.Should().NotBeNullOrWhiteSpace();
        (term as IDisposable)?.Dispose();
    }

    [Fact]
    public void Create_Should_BuildHiddenMseWithTheContextSizes_When_ContextGivesThem()
    {
        // Act
        using var term = (HiddenMseLoss)LossRegistry.CreateDefault().Create("hidden_mse", Settings(("layers", "last"), ("embeddings", false)), Sizes);

        // Assert
        (term.StudentHidden, term.TeacherHidden).Should().Be((4, 8));
        term.Options.LayerMap.Should().BeSameAs(LayerMap.Last);
        term.Options.IncludeEmbeddings.Should().BeFalse();
        ((ILossTerm)term).Parameters().Select(p => p.shape).Should().BeEquivalentTo(new[] { new long[] { 8, 4 }, new long[] { 8 } });
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData(4, null)]
    [InlineData(null, 8)]
    public void Create_Should_AskForHiddenSizes_When_ContextLacksThem(int? studentHidden, int? teacherHidden)
    {
        // Arrange
        var context = new LossBuildContext { StudentHidden = studentHidden, TeacherHidden = teacherHidden };

        // Act
        var act = () => LossRegistry.CreateDefault().Create("hidden_mse", context: context);

        // Assert
        act.Should().Throw<ArgumentException>()
            .WithMessage("Loss 'hidden_mse' needs the hidden sizes of the student and the teacher*set LossBuildContext.StudentHidden and TeacherHidden");
    }

    [Theory]
    [InlineData("kd", "temprature", "temperature, teacher_probabilities")]
    [InlineData("ce", "smoothing", "label_smoothing")]
    [InlineData("dkd", "gamma", "alpha, beta, temperature, warmup_epochs")]
    [InlineData("attention_mse", "kind", "layers, attention")]
    [InlineData("value_relation", "heads", "layers, relation_heads")]
    [InlineData("hidden_mse", "proj", "layers, embeddings, projection")]
    [InlineData("blockwise_logit", "lambda", "temperature, cross_weight")]
    public void Create_Should_NameTheSettingAndTheKnownOnes_When_SettingIsUnknown(string key, string setting, string known)
    {
        // Act
        var act = () => LossRegistry.CreateDefault().Create(key, Settings((setting, 1)), Sizes);

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage($"Loss '{key}' has no setting '{setting}'. Known: {known}");
    }

    [Theory]
    [InlineData("kd", "temperature", "hot", "Loss 'kd': temperature must be a number (was 'hot')")]
    [InlineData("kd", "temperature", -1, "Loss 'kd': temperature must be > 0 (was -1)")]
    [InlineData("kd", "teacher_probabilities", "yes", "Loss 'kd': teacher_probabilities must be true or false (was 'yes')")]
    [InlineData("ce", "label_smoothing", 1, "Loss 'ce': label_smoothing must be in [0, 1) (was 1)")]
    [InlineData("dkd", "warmup_epochs", 1.5, "Loss 'dkd': warmup_epochs must be a whole number (was '1.5')")]
    [InlineData("dkd", "beta", -2, "Loss 'dkd': beta must be >= 0 (was -2)")]
    [InlineData("at", "p", 0, "Loss 'at': p must be > 0 (was 0)")]
    [InlineData("attention_mse", "attention", "logits", "Loss 'attention_mse': attention must be one of scores, probabilities (was 'logits')")]
    [InlineData("attention_kl", "layers", "middle", "Loss 'attention_kl': layers must be uniform, last, or a list of teacher layer numbers (was 'middle')")]
    [InlineData("value_relation", "relation_heads", 0, "Loss 'value_relation': relation_heads must be >= 1 (was 0)")]
    [InlineData("cosine", "embeddings", 3, "Loss 'cosine': embeddings must be true or false (was '3')")]
    [InlineData("blockwise_logit", "cross_weight", -0.5, "Loss 'blockwise_logit': cross_weight must be >= 0 (was -0.5)")]
    public void Create_Should_ExplainTheProblem_When_SettingValueIsBad(string key, string setting, object value, string message)
    {
        // Act
        var act = () => LossRegistry.CreateDefault().Create(key, Settings((setting, value)), Sizes);

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage(message);
    }

    [Fact]
    public void Create_Should_ApplySettingsOfEveryType_When_ValuesAreNumbersStringsAndLists()
    {
        // Arrange
        var registry = LossRegistry.CreateDefault();

        // Act
        var kd = (KdLoss)registry.Create("kd", Settings(("temperature", "2.5"), ("teacher_probabilities", "true")));
        var dkd = (DkdLoss)registry.Create("dkd", Settings(("alpha", 0.5f), ("beta", 2L), ("warmup_epochs", 20.0)));
        var attention = (AttentionMseLoss)registry.Create("attention_mse", Settings(("layers", new object[] { 2, 5L, "8" }), ("attention", "Probabilities")));
        var values = (ValueRelationLoss)registry.Create("value_relation", Settings(("relation_heads", 12L)));
        var at = (AttentionTransferLoss)registry.Create("at", Settings(("p", 1m), ("stages", "last")));

        // Assert
        (kd.Options.Temperature, kd.Options.TeacherGivesProbabilities).Should().Be((2.5, true));
        (dkd.Options.Alpha, dkd.Options.Beta, dkd.Options.WarmupEpochs).Should().Be((0.5, 2.0, 20));
        attention.Options.LayerMap.ToString().Should().Be("[0→2, 1→5, 2→8]");
        attention.Options.Kind.Should().Be(AttentionKind.Probabilities);
        values.Options.RelationHeads.Should().Be(12);
        (at.Options.P, at.Options.StageMap).Should().Be((1.0, LayerMap.Last));
    }

    [Fact]
    public void Create_Should_PassTheContextWarningToDkd_When_ContextHasOnWarning()
    {
        // Arrange
        var warnings = new List<string>();
        var dkd = (DkdLoss)LossRegistry.CreateDefault().Create("dkd", context: new LossBuildContext { OnWarning = warnings.Add });
        using var scope = NewDisposeScope();

        // Act
        dkd.Compute(randn(3, 2), randn(3, 2), TensorHelpers.Labels(0, 1, 1));

        // Assert
        warnings.Should().ContainSingle();
    }

    [Fact]
    public void Register_Should_AddACustomTermAndRejectARepeatedKey_When_Registering()
    {
        // Arrange
        var registry = LossRegistry.CreateDefault();

        // Act
        registry.Register("kd_t2", (s, _) => new KdLoss(new KdLossOptions { Temperature = s.Double("temperature", 2) }));
        var repeat = () => registry.Register("kd", (_, _) => new KdLoss());
        var unknown = () => registry.Create("nope");

        // Assert
        ((KdLoss)registry.Create("kd_t2")).Options.Temperature.Should().Be(2);
        repeat.Should().Throw<ArgumentException>().WithMessage("key: a loss named 'kd' is already registered*");
        unknown.Should().Throw<ArgumentException>().WithMessage($"Unknown loss 'nope'. Known: {KnownKeys}, kd_t2");
    }

    [Fact]
    public void ThrowIfUnknown_Should_SayNone_When_NoSettingWasRead()
    {
        // Arrange
        var settings = new LossSettings("custom", Settings(("x", 1)));

        // Act
        var act = settings.ThrowIfUnknown;

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("Loss 'custom' has no setting 'x'. Known: none");
    }

    [Fact]
    public void OptionalInt_Should_ReturnNullAndCountAsKnown_When_SettingIsAbsent()
    {
        // Arrange
        var settings = new LossSettings("custom", Settings(("y", 1)));

        // Act
        var value = settings.OptionalInt("x");
        var act = settings.ThrowIfUnknown;

        // Assert
        value.Should().BeNull();
        act.Should().Throw<ArgumentException>().WithMessage("Loss 'custom' has no setting 'y'. Known: x");
    }

    [Fact]
    public void Create_Should_ReadALayerListOfWholeDoubles_When_ARecipeGivesNumbersAsDoubles()
    {
        // YAML readers often hand numbers over as doubles.
        var term = LossRegistry.CreateDefault().Create("attention_kl", new Dictionary<string, object?>
        {
            ["layers"] = new List<object?> { 2.0, 5.0, "8" },
        });

        ((AttentionKlLoss)term).Options.LayerMap.ToString().Should().Be("[0→2, 1→5, 2→8]");
    }

    [Theory]
    [InlineData(2.5, "2.5")]
    [InlineData(5000000000L, "5000000000")]
    [InlineData("two", "two")]
    public void Create_Should_NameTheBadItem_When_ALayerListHoldsANonLayer(object item, string shown)
    {
        var act = () => LossRegistry.CreateDefault().Create("attention_kl", new Dictionary<string, object?>
        {
            ["layers"] = new List<object?> { 1, item },
        });

        act.Should().Throw<ArgumentException>()
            .WithMessage($"Loss 'attention_kl': layers must be uniform, last, or a list of teacher layer numbers (was '{shown}')");
    }
}

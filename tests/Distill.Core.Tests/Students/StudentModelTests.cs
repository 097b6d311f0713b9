using Distill.Students;
using TorchSharp;
using static TorchSharp.torch;

namespace Distill.Core.Tests.Students;

public class StudentModelTests
{
    public static TheoryData<StudentOptions> AllStudents => new(StudentFixtures.AllSmall());

    public static TheoryData<StudentOptions> TextStudents => new(StudentFixtures.AllSmall().Where(o => o.CreateModel().TakesTokens));

    [Theory]
    [MemberData(nameof(AllStudents))]
    public void Training_Should_LowerTheLoss_When_FittingOneBatchForAFewSteps(StudentOptions options)
    {
        // Arrange: a fixed batch with fixed labels that a working model and optimizer can fit.
        manual_seed(7);
        using var model = options.CreateModel();
        model.train();
        using var optimizer = optim.AdamW(model.parameters(), lr: 0.01);
        var input = StudentFixtures.InputFor(model, seed: 11, batch: 6);
        using var labels = tensor(Enumerable.Range(0, 6).Select(i => (long)(i % options.NumLabels)).ToArray());
        double First() => Step();
        double Step()
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var loss = nn.functional.cross_entropy(model.call(input).Logits, labels);
            loss.backward();
            optimizer.step();
            return loss.item<float>();
        }

        // Act
        var first = First();
        var last = first;
        for (var step = 0; step < 60; step++)
        {
            last = Step();
        }

        // Assert
        double.IsFinite(last).Should().BeTrue();
        last.Should().BeLessThan(first * 0.5, "{0} should fit one small batch", options.ArchitectureName);
        model.parameters().Where(p => p.grad is null).Should().BeEmpty("every parameter takes part in the forward pass");
    }

    [Theory]
    [MemberData(nameof(TextStudents))]
    public void Forward_Should_GiveASentenceTheSameLogits_WhateverThePaddingOfItsBatch(StudentOptions options)
    {
        // Arrange
        manual_seed(3);
        using var model = options.CreateModel();
        model.eval();
        using var scope = NewDisposeScope();
        var (alone, aloneMask) = StudentFixtures.TokenBatch(5, 4, 4);
        var (padded, paddedMask) = StudentFixtures.TokenBatch(99, 11, 4, 11);
        padded[0, ..4] = alone[0];

        // Act
        var single = model.call(StudentInput.Text(alone, aloneMask)).Logits;
        var inBatch = model.call(StudentInput.Text(padded, paddedMask)).Logits[0];

        // Assert
        (single[0] - inBatch).abs().max().item<float>().Should().BeLessThan(1e-5f);
    }

    [Fact]
    public void ImageCnn_Should_ExposeEachStagesFeatureMap_When_Asked()
    {
        using var scope = NewDisposeScope();
        using var model = StudentFixtures.SmallImageCnn().CreateModel();
        var input = StudentInput.Float(randn(2, 3, 12, 10), Intermediates.FeatureMaps);

        var output = model.call(input);

        output.FeatureMaps!.Select(m => m.shape).Should().BeEquivalentTo(
            new[] { new long[] { 2, 4, 12, 10 }, new long[] { 2, 8, 6, 5 }, new long[] { 2, 8, 3, 3 } },
            o => o.WithStrictOrdering());
        output.Logits.shape.Should().Equal(2, 5);
    }

    [Fact]
    public void CreateModel_Should_ListEveryBadSetting_WithItsValue()
    {
        var options = new TransformerStudentOptions { Hidden = 312, Heads = 5, Layers = 0, NumLabels = 1, HiddenDropout = 1.5 };

        var act = () => options.CreateModel();

        act.Should().Throw<DistillException>()
            .Where(e => e.Kind == DistillErrorKind.InvalidInput)
            .WithMessage("Invalid student settings: transformer: num_labels must be >= 2 (was 1); transformer: layers must be >= 1 (was 0); " +
                         "transformer: hidden_dropout must be in [0, 1) (was 1.5); transformer: hidden (312) must be divisible by heads (5)");
    }

    [Theory]
    [InlineData("bilstm")]
    [InlineData("text_cnn")]
    [InlineData("mlp")]
    [InlineData("image_cnn")]
    public void Validate_Should_NameTheSettingAndValue_ForEachArchitecture(string architecture)
    {
        StudentOptions options = architecture switch
        {
            "bilstm" => StudentFixtures.SmallBiLstm() with { HiddenSize = 0 },
            "text_cnn" => StudentFixtures.SmallTextCnn() with { FilterWidths = [3, 0] },
            "mlp" => new MlpStudentOptions { InputSize = 0 },
            _ => StudentFixtures.SmallImageCnn() with { StageChannels = [] },
        };

        var errors = options.Validate().ToList();

        errors.Should().ContainSingle().Which.Should().Be(architecture switch
        {
            "bilstm" => "bilstm: hidden_size must be >= 1 (was 0)",
            "text_cnn" => "text_cnn: filter_widths must all be >= 1 (was 0)",
            "mlp" => "mlp: input_size must be >= 1 (was 0)",
            _ => "image_cnn: stage_channels must list at least one stage (was empty)",
        });
    }

    [Fact]
    public void Forward_Should_SayWhatIsMissing_When_ATextStudentGetsFeatures()
    {
        using var scope = NewDisposeScope();
        using var model = StudentFixtures.SmallBiLstm().CreateModel();

        var act = () => model.call(StudentInput.Float(randn(2, 4)));

        act.Should().Throw<ArgumentException>().WithMessage("bilstm student: StudentInput.InputIds is required (token ids, [batch, sequence])*");
    }
}

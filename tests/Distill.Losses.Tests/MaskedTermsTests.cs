using Distill.Losses.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Distill.Losses.Tests;

/// <summary>What the token-level terms do with a batch that has no token at all (every position padding).</summary>
public class MaskedTermsTests
{
    private static Tensor NoTokens(int batch, int sequence) => zeros(batch, sequence, ScalarType.Int64);

    public static TheoryData<string> Terms => ["attention_mse", "attention_kl", "value_relation", "hidden_mse", "cosine"];

    [Theory]
    [MemberData(nameof(Terms))]
    public void Compute_Should_GiveZeroWithFiniteGradients_When_EveryPositionIsPadding(string term)
    {
        // Arrange
        var rng = new Random(901);
        using var scope = NewDisposeScope();
        var mask = NoTokens(2, 5);
        var student = term switch
        {
            "hidden_mse" or "cosine" => TensorHelpers.Leaf(RandomData.Array3(rng, 2, 5, 4)),
            _ => TensorHelpers.Leaf(RandomData.Array4(rng, 2, 2, 5, 5)),
        };
        var teacher = term switch
        {
            "hidden_mse" or "cosine" => TensorHelpers.FromArray(RandomData.Array3(rng, 2, 5, 4), ScalarType.Float64),
            "attention_kl" => TensorHelpers.FromArray(RandomData.AttentionProbabilities(rng, 2, 2, RandomData.Mask(5, 5, 5)), ScalarType.Float64),
            _ => TensorHelpers.FromArray(RandomData.Array4(rng, 2, 2, 5, 5), ScalarType.Float64),
        };
        using var hiddenMse = new HiddenMseLoss(4, 4);
        hiddenMse.to(ScalarType.Float64);

        // Act
        var value = term switch
        {
            "attention_mse" => new AttentionMseLoss().Compute(student, teacher, mask),
            "attention_kl" => new AttentionKlLoss().Compute(student, teacher, mask),
            "value_relation" => new ValueRelationLoss().Compute(student, teacher, mask),
            "hidden_mse" => hiddenMse.Compute(student, teacher, mask),
            _ => new HiddenCosineLoss().Compute(student, teacher, mask),
        };
        value.backward();

        // Assert
        TensorHelpers.Scalar(value).Should().Be(0);
        TensorHelpers.Values(student.grad!).Should().OnlyContain(g => g == 0);
    }
}

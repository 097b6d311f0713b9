using Distill.Data;

namespace Distill.Core.Tests.Data;

public class FeatureNormalizationTests
{
    [Fact]
    public void Apply_Should_ScaleThenNormalizePerChannel_When_ValuesAreChannelsFirst()
    {
        // Arrange: 3 channels of 2 values; ImageNet's mean and std.
        var normalization = new FeatureNormalization
        {
            Scale = 1 / 255f, Mean = [0.485f, 0.456f, 0.406f], Std = [0.229f, 0.224f, 0.225f],
        };
        float[] raw = [0, 255, 128, 64, 10, 200];

        // Act
        var result = normalization.Apply(raw, channels: 3);

        // Assert: each value by the formula, channel c = block c.
        var expected = raw.Select((x, i) => (x / 255f - normalization.Mean[i / 2]) / normalization.Std[i / 2]).ToArray();
        result.Should().Equal(expected, (a, b) => Math.Abs(a - b) < 1e-6f);
        result[0].Should().BeApproximately(-2.117904f, 1e-5f);
    }

    [Fact]
    public void Apply_Should_LeaveValuesAlone_When_ItIsNone()
    {
        float[] raw = [1.5f, -2f];

        var result = FeatureNormalization.None.Apply(raw, channels: 2);

        result.Should().Equal(1.5f, -2f);
        FeatureNormalization.None.IsIdentity.Should().BeTrue();
    }

    [Fact]
    public void Validate_Should_ReportEveryProblem_When_CountsDifferAndAStdIsZero()
    {
        var normalization = new FeatureNormalization { Scale = 0, Mean = [0.5f], Std = [0.5f, 0f, 1f] };

        var errors = normalization.Validate(channels: 3, key: "teacher.normalization").ToList();

        errors.Should().Equal(
            "teacher.normalization.scale must be a finite number other than 0 (was 0)",
            "teacher.normalization.mean has 1 value but the features have 3 channels; give one mean per channel, or none",
            "teacher.normalization.std[1] must be a finite number > 0 (was 0); a zero std would divide by zero");
    }

    [Fact]
    public void ApplyInPlace_Should_Throw_When_ValuesDoNotSplitIntoTheChannels()
    {
        var act = () => new FeatureNormalization { Scale = 2 }.ApplyInPlace(new float[5], channels: 3);

        act.Should().Throw<ArgumentException>();
    }

    [Fact]
    public void Equals_Should_CompareValues_When_ListsAreDifferentInstances()
    {
        var a = new FeatureNormalization { Mean = [0.5f], Std = [0.25f] };
        var b = new FeatureNormalization { Mean = [0.5f], Std = [0.25f] };

        a.Should().Be(b);
        a.Should().NotBe(a with { Std = [0.5f] });
    }
}

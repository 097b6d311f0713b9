namespace Distill.Losses.Tests;

public class WeightScheduleTests
{
    [Theory]
    [InlineData(0L, 0.0)]
    [InlineData(1L, 0.002)]
    [InlineData(250L, 0.5)]
    [InlineData(999L, 1.998)]
    [InlineData(1000L, 2.0)]
    [InlineData(50_000L, 2.0)]
    public void WeightAt_Should_RiseLinearlyThenHold_When_WarmupCountsSteps(long step, double expected)
    {
        // Arrange: weight 2 over 1000 steps; the epoch fields must not matter.
        var schedule = WeightSchedule.LinearWarmupSteps(2.0, 1000);

        // Act
        var weight = schedule.WeightAt(new LossProgress(step, Epoch: 7, EpochFraction: 7.5));

        // Assert
        weight.Should().BeApproximately(expected, 1e-15);
    }

    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(0.5, 0.1)]
    [InlineData(1.25, 0.25)]
    [InlineData(2.5, 0.5)]
    [InlineData(5.0, 1.0)]
    [InlineData(12.0, 1.0)]
    public void WeightAt_Should_FollowFractionalEpochs_When_WarmupCountsEpochs(double epochFraction, double expected)
    {
        // Arrange: weight 1 over 5 epochs; the step must not matter.
        var schedule = WeightSchedule.LinearWarmupEpochs(1.0, 5);

        // Act
        var weight = schedule.WeightAt(new LossProgress(Step: 123_456, Epoch: (int)epochFraction, EpochFraction: epochFraction));

        // Assert
        weight.Should().BeApproximately(expected, 1e-15);
    }

    [Fact]
    public void WeightAt_Should_StayConstant_When_ScheduleIsConstant()
    {
        // Arrange
        var schedule = WeightSchedule.Constant(0.75);

        // Act + Assert
        schedule.WeightAt(LossProgress.Start).Should().Be(0.75);
        schedule.WeightAt(new LossProgress(10_000, 30, 30.9)).Should().Be(0.75);
    }

    [Fact]
    public void ToString_Should_PrintTheWeightFormula_When_Printed()
    {
        // Act + Assert
        WeightSchedule.Constant(0.5).ToString().Should().Be("0.5");
        WeightSchedule.LinearWarmupSteps(0.5, 1000).ToString().Should().Be("0.5·min(step/1000, 1)");
        WeightSchedule.LinearWarmupEpochs(2, 2.5).ToString().Should().Be("2·min(epoch/2.5, 1)");
    }

    [Theory]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Constructor_Should_Throw_When_WeightIsNegativeOrNotFinite(double weight)
    {
        // Act
        var constant = () => new ConstantWeight(weight);
        var warmup = () => new LinearWarmupWeight(weight, 10, WarmupUnit.Steps);

        // Assert
        constant.Should().Throw<ArgumentOutOfRangeException>().Where(e => e.ParamName == "weight");
        warmup.Should().Throw<ArgumentOutOfRangeException>().Where(e => e.ParamName == "weight");
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-3.0)]
    public void Constructor_Should_Throw_When_WarmupLengthIsNotPositive(double length)
    {
        // Act
        var act = () => WeightSchedule.LinearWarmupEpochs(1, length);

        // Assert
        act.Should().Throw<ArgumentOutOfRangeException>().Where(e => e.ParamName == "length");
    }
}

using Distill.Losses.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Distill.Losses.Tests;

public class WeightedLossSumTests
{
    /// <summary>A term that counts its calls and returns a fixed value.</summary>
    private sealed class CountingTerm(double value) : ILossTerm
    {
        public int Calls { get; private set; }

        public string Key => "counting";

        public string Formula => "C";

        public Tensor Compute(LossInputs inputs)
        {
            Calls++;
            return tensor(value, dtype: ScalarType.Float64);
        }
    }

    [Fact]
    public void ToString_Should_PrintTheFormula_When_SumHasCeAndWarmedUpKd()
    {
        // Arrange
        var sum = new WeightedLossSum()
            .Add(new LabelCrossEntropyLoss(), 0.5)
            .Add(new KdLoss(), WeightSchedule.LinearWarmupSteps(0.5, 1000));

        // Act
        var formula = sum.ToString();

        // Assert
        formula.Should().Be("L = 0.5·CE(s, y) + 0.5·min(step/1000, 1)·T²·KL(softmax(t/T) ‖ softmax(s/T)) [T=4]");
    }

    [Fact]
    public void ToString_Should_ParenthesiseFormulasWithASum_When_TermIsDkd()
    {
        // Arrange
        var sum = new WeightedLossSum()
            .Add(new LabelCrossEntropyLoss(new LabelCrossEntropyLossOptions { LabelSmoothing = 0.1 }))
            .Add(new DkdLoss(), WeightSchedule.LinearWarmupEpochs(0.25, 20));

        // Act + Assert
        sum.ToString().Should().Be("L = 1·CE_ε(s, y) [ε=0.1] + 0.25·min(epoch/20, 1)·(T²·(α·TCKD + β·NCKD) [T=4, α=1, β=8])");
        new WeightedLossSum().ToString().Should().Be("L = 0");
    }

    [Theory]
    [InlineData(0L, 0)]
    [InlineData(40L, 1)]
    [InlineData(100L, 3)]
    [InlineData(5000L, 9)]
    public void Compute_Should_EqualHandWeightedReferenceSum_When_WeightsFollowSchedules(long step, int epoch)
    {
        // Arrange: ce · 0.3, kd · 0.7·min(step/100, 1), dkd · 2 with its own warm-up over 4 epochs.
        var rng = new Random(1001);
        var student = RandomData.Matrix(rng, 5, 7);
        var teacher = RandomData.Matrix(rng, 5, 7);
        var labels = RandomData.Labels(rng, 5, 7, 3);
        var sum = new WeightedLossSum()
            .Add(new LabelCrossEntropyLoss(new LabelCrossEntropyLossOptions { LabelSmoothing = 0.1 }), 0.3)
            .Add(new KdLoss(new KdLossOptions { Temperature = 2 }), WeightSchedule.LinearWarmupSteps(0.7, 100))
            .Add(new DkdLoss(new DkdLossOptions { Temperature = 4.5, WarmupEpochs = 4 }), 2);
        using var scope = NewDisposeScope();
        var inputs = new LossInputs
        {
            StudentLogits = TensorHelpers.FromArray(student, ScalarType.Float64),
            TeacherLogits = TensorHelpers.FromArray(teacher, ScalarType.Float64),
            Labels = TensorHelpers.Labels(labels),
            Progress = new LossProgress(step, epoch, epoch + 0.25),
        };

        // Act
        var result = sum.Compute(inputs);

        // Assert
        var ce = ReferenceLosses.CrossEntropy(student, labels, 0.1);
        var kdWeight = 0.7 * Math.Min(step / 100.0, 1);
        var kd = ReferenceLosses.Kd(student, teacher, 2);
        var dkd = ReferenceLosses.Dkd(student, teacher, labels, 4.5, 1, 8, warmup: Math.Min((epoch + 1) / 4.0, 1));
        result.Total.ShouldBeClose(0.3 * ce + kdWeight * kd + 2 * dkd, Approx.Float64);
        result.Terms.Select(t => t.Name).Should().Equal("ce", "kd", "dkd");
        result.Terms.Select(t => t.Weight).Should().Equal(0.3, kdWeight, 2.0);
        result.Terms[0].Value.ShouldBeClose(ce, Approx.Float64);
        result.Terms[1].Value.ShouldBeClose(kdWeight == 0 ? 0 : kd, Approx.Float64);
        result.Terms[2].Value.ShouldBeClose(dkd, Approx.Float64, "the reported value is before the sum's weight, after DKD's own warm-up");
    }

    [Fact]
    public void Compute_Should_SkipAndReportZero_When_ATermsWeightIsZero()
    {
        // Arrange: at step 0 a step warm-up weighs 0; attention_mse would throw for lack of inputs if it were computed.
        var counting = new CountingTerm(5);
        var sum = new WeightedLossSum()
            .Add(new LabelCrossEntropyLoss(), 1.0)
            .Add(counting, WeightSchedule.LinearWarmupSteps(1, 10))
            .Add(new AttentionMseLoss(), WeightSchedule.LinearWarmupSteps(1, 10))
            .Add(new CountingTerm(7), 0.0, "off");
        using var scope = NewDisposeScope();
        var logits = RandomData.Matrix(new Random(1011), 2, 3);
        var inputs = new LossInputs { StudentLogits = TensorHelpers.FromArray(logits, ScalarType.Float64), Labels = TensorHelpers.Labels(0, 2) };

        // Act
        var result = sum.Compute(inputs);

        // Assert
        counting.Calls.Should().Be(0);
        result.Total.ShouldBeClose(ReferenceLosses.CrossEntropy(logits, [0, 2]), Approx.Float64);
        result.Terms.Skip(1).Should().Equal(
            new LossTermValue("counting", 0, 0), new LossTermValue("attention_mse", 0, 0), new LossTermValue("off", 0, 0));
    }

    [Fact]
    public void Compute_Should_CallTheTermOnceWithItsWeight_When_WarmupIsUnderWay()
    {
        // Arrange
        var counting = new CountingTerm(5);
        var sum = new WeightedLossSum().Add(counting, WeightSchedule.LinearWarmupSteps(2, 10));
        using var scope = NewDisposeScope();

        // Act
        var result = sum.Compute(new LossInputs { Progress = new LossProgress(3, 0, 0.1) });

        // Assert
        counting.Calls.Should().Be(1);
        result.Total.ShouldBeClose(0.6 * 5, 1e-15);
        result.Terms.Should().ContainSingle();
        result.Terms[0].Name.Should().Be("counting");
        result.Terms[0].Weight.Should().BeApproximately(2 * 3 / 10.0, 1e-15);
        result.Terms[0].Value.Should().Be(5);
    }

    [Fact]
    public void Compute_Should_ReturnADifferentiableZero_When_EveryWeightIsZero()
    {
        // Arrange
        var sum = new WeightedLossSum().Add(new KdLoss(), WeightSchedule.LinearWarmupSteps(1, 100));
        using var scope = NewDisposeScope();

        // Act
        var result = sum.Compute(new LossInputs { StudentLogits = randn(2, 3), TeacherLogits = randn(2, 3) });
        var backward = () => result.Total.backward();

        // Assert
        TensorHelpers.Scalar(result.Total).Should().Be(0);
        result.Total.requires_grad.Should().BeTrue();
        backward.Should().NotThrow();
    }

    [Fact]
    public void Add_Should_NumberRepeatedKeysAndRejectRepeatedNames_When_TermsRepeat()
    {
        // Arrange
        var sum = new WeightedLossSum().Add(new KdLoss()).Add(new KdLoss(new KdLossOptions { Temperature = 1 })).Add(new KdLoss(), 1, "kd_soft");
        using var scope = NewDisposeScope();

        // Act
        var result = sum.Compute(new LossInputs { StudentLogits = randn(2, 3), TeacherLogits = randn(2, 3) });
        var repeat = () => sum.Add(new KdLoss(), 1, "kd_soft");

        // Assert
        result.Terms.Select(t => t.Name).Should().Equal("kd", "kd_2", "kd_soft");
        sum.Terms.Should().HaveCount(3);
        repeat.Should().Throw<ArgumentException>().WithMessage("name: the sum already has a term named 'kd_soft'*");
    }

    [Fact]
    public void Compute_Should_Throw_When_SumIsEmpty()
    {
        // Act
        var act = () => new WeightedLossSum().Compute(new LossInputs());

        // Assert
        act.Should().Throw<InvalidOperationException>().WithMessage("The loss sum has no terms*");
    }

    [Fact]
    public void Compute_Should_HaveGradientMatchingFiniteDifferences_When_InputsAreFloat64()
    {
        // Arrange
        var rng = new Random(1021);
        var student = TensorHelpers.Leaf(RandomData.Matrix(rng, 3, 5));
        var teacher = TensorHelpers.FromArray(RandomData.Matrix(rng, 3, 5), ScalarType.Float64);
        var labels = TensorHelpers.Labels(4, -1, 0);
        var sum = new WeightedLossSum()
            .Add(new LabelCrossEntropyLoss(), 0.4)
            .Add(new KdLoss(new KdLossOptions { Temperature = 2 }), WeightSchedule.LinearWarmupSteps(1.2, 10))
            .Add(new DkdLoss(new DkdLossOptions { Temperature = 4.5 }), 0.1);
        var inputs = new LossInputs { StudentLogits = student, TeacherLogits = teacher, Labels = labels, Progress = new LossProgress(5, 0, 0.5) };

        // Act + Assert
        GradientChecker.Check(() => sum.Compute(inputs).Total, [student]);
    }

    [Fact]
    public void Parameters_Should_ReachTheOptimizer_When_SumHasHiddenMse()
    {
        // Arrange: student hidden states (leaves standing in for a student), hidden_mse with its projection, and kd.
        var rng = new Random(1031);
        using var hidden = new HiddenMseLoss(3, 5);
        var sum = new WeightedLossSum().Add(hidden, 0.5).Add(new KdLoss(), 1.0);
        var studentStates = new[] { RandomData.Array3(rng, 2, 4, 3), RandomData.Array3(rng, 2, 4, 3) }
            .Select(x => TensorHelpers.FromArray(x, requiresGrad: true)).ToList();
        var teacherStates = new[] { RandomData.Array3(rng, 2, 4, 5), RandomData.Array3(rng, 2, 4, 5) }
            .Select(x => (Tensor?)TensorHelpers.FromArray(x)).ToList();
        var inputs = new LossInputs
        {
            StudentLogits = randn(2, 3),
            TeacherLogits = randn(2, 3),
            StudentHiddenStates = studentStates,
            TeacherHiddenStates = teacherStates,
        };
        var parameters = sum.Parameters().ToList();
        var before = parameters.Select(TensorHelpers.Values).ToList();
        using var optimizer = optim.SGD(parameters, 0.1);

        // Act
        optimizer.zero_grad();
        using (var result = sum.Compute(inputs).Total)
        {
            result.backward();
        }

        optimizer.step();

        // Assert
        parameters.Select(p => p.shape).Should().BeEquivalentTo(new[] { new long[] { 5, 3 }, new long[] { 5 } }, o => o.WithStrictOrdering());
        var named = hidden.named_parameters().Select(p => p.parameter.Handle).ToList();
        parameters.Select(p => p.Handle).Should().Equal(named, "the sum hands out the module's own parameters");
        for (var k = 0; k < parameters.Count; k++)
        {
            var after = TensorHelpers.Values(parameters[k]);
            after.Zip(before[k], (a, b) => Math.Abs(a - b)).Max().Should().BeGreaterThan(1e-6, "parameter {0} must move after one SGD step", k);
        }
    }

    [Fact]
    public void Compute_Should_LeaveNoLiveTensors_When_Called()
    {
        // Arrange
        using var hidden = new HiddenMseLoss(3, 4);
        var sum = new WeightedLossSum()
            .Add(new LabelCrossEntropyLoss(), 0.5)
            .Add(new KdLoss(), WeightSchedule.LinearWarmupSteps(1, 10))
            .Add(hidden, 0.2)
            .Add(new AttentionMseLoss(), 0.0);
        using var student = randn(2, 3);
        using var teacher = randn(2, 3);
        using var labels = TensorHelpers.Labels(1, -1);
        using var studentHidden = randn(2, 5, 3);
        using var teacherHidden = randn(2, 5, 4);
        var inputs = new LossInputs
        {
            StudentLogits = student,
            TeacherLogits = teacher,
            Labels = labels,
            StudentHiddenStates = [studentHidden, studentHidden],
            TeacherHiddenStates = [teacherHidden, teacherHidden],
            Progress = new LossProgress(4, 0, 0.4),
        };

        // Act + Assert
        LeakCheck.ShouldLeaveNoTensors(() => sum.Compute(inputs).Total);
    }

    [Fact]
    public void Compute_Should_LeaveNoLiveTensors_When_ATermFailsValidation()
    {
        // Arrange: ce is computed first, then kd rejects a teacher of the wrong shape.
        var sum = new WeightedLossSum().Add(new LabelCrossEntropyLoss()).Add(new KdLoss());
        using var student = randn(2, 3);
        using var teacher = randn(2, 4);
        using var labels = TensorHelpers.Labels(1, 0);
        var inputs = new LossInputs { StudentLogits = student, TeacherLogits = teacher, Labels = labels };

        // Act
        var error = LeakCheck.ShouldThrowWithoutLeaking<ArgumentException>(() => sum.Compute(inputs));

        // Assert
        error.Message.Should().StartWith("teacherLogits: expected shape [2, 3] (the shape of studentLogits), got [2, 4]");
    }
}

using Distill.Losses.Tests.Support;
using static TorchSharp.torch;

namespace Distill.Losses.Tests;

public class DkdLossTests
{
    [Theory]
    [InlineData(1.0, 1.0, 8.0, 1, 3, 201)]
    [InlineData(2.0, 0.5, 2.0, 4, 5, 202)]
    [InlineData(4.5, 1.0, 8.0, 5, 7, 203)]
    [InlineData(4.5, 2.0, 0.0, 3, 3, 204)]
    public void Compute_Should_MatchReference_When_LogitsAreRandomFloat32(double temperature, double alpha, double beta, int batch, int classes, int seed)
    {
        // Arrange
        var rng = new Random(seed);
        var student = RandomData.Matrix(rng, batch, classes);
        var teacher = RandomData.Matrix(rng, batch, classes, scale: 5);
        var labels = RandomData.Labels(rng, batch, classes);
        var loss = new DkdLoss(new DkdLossOptions { Temperature = temperature, Alpha = alpha, Beta = beta });
        using var scope = NewDisposeScope();

        // Act
        var value = loss.Compute(TensorHelpers.FromArray(student), TensorHelpers.FromArray(teacher), TensorHelpers.Labels(labels));

        // Assert
        value.dtype.Should().Be(ScalarType.Float32);
        value.ShouldBeClose(ReferenceLosses.Dkd(student, teacher, labels, temperature, alpha, beta), Approx.Float32);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(2.0)]
    [InlineData(4.5)]
    public void ComputeParts_Should_MatchReferenceTightly_When_InputsAreFloat64WithUnlabelledRows(double temperature)
    {
        // Arrange: rows 1 and 4 are unlabelled and must leave the mean.
        var rng = new Random(211);
        var student = RandomData.Matrix(rng, 6, 7);
        var teacher = RandomData.Matrix(rng, 6, 7, scale: 5);
        var labels = RandomData.Labels(rng, 6, 7, 1, 4);
        var loss = new DkdLoss(new DkdLossOptions { Temperature = temperature });
        using var scope = NewDisposeScope();

        // Act
        var (tckd, nckd) = loss.ComputeParts(
            TensorHelpers.FromArray(student, ScalarType.Float64), TensorHelpers.FromArray(teacher, ScalarType.Float64), TensorHelpers.Labels(labels));

        // Assert
        var expected = ReferenceLosses.DkdParts(student, teacher, labels, temperature);
        tckd.dtype.Should().Be(ScalarType.Float64);
        tckd.ShouldBeClose(expected.Tckd, Approx.Float64);
        nckd.ShouldBeClose(expected.Nckd, Approx.Float64);
    }

    [Fact]
    public void Compute_Should_ApplyAlphaBetaAndWarmupFactor_When_FactorIsGiven()
    {
        // Arrange
        var rng = new Random(221);
        var student = RandomData.Matrix(rng, 4, 5);
        var teacher = RandomData.Matrix(rng, 4, 5);
        var labels = RandomData.Labels(rng, 4, 5, 0);
        var loss = new DkdLoss(new DkdLossOptions { Temperature = 2, Alpha = 0.7, Beta = 3 });
        using var scope = NewDisposeScope();

        // Act
        var value = loss.Compute(
            TensorHelpers.FromArray(student, ScalarType.Float64), TensorHelpers.FromArray(teacher, ScalarType.Float64), TensorHelpers.Labels(labels), warmupFactor: 0.25);

        // Assert
        value.ShouldBeClose(ReferenceLosses.Dkd(student, teacher, labels, 2, 0.7, 3, warmup: 0.25), Approx.Float64);
    }

    [Theory]
    [InlineData(0, 0.2)]
    [InlineData(1, 0.4)]
    [InlineData(3, 0.8)]
    [InlineData(4, 1.0)]
    [InlineData(10, 1.0)]
    public void Compute_Should_WarmUpByEpoch_When_CalledThroughLossInputs(int epoch, double factor)
    {
        // Arrange: warm-up over 5 epochs, factor min((epoch + 1) / 5, 1).
        var rng = new Random(222);
        var student = RandomData.Matrix(rng, 3, 5);
        var teacher = RandomData.Matrix(rng, 3, 5);
        var labels = RandomData.Labels(rng, 3, 5);
        ILossTerm loss = new DkdLoss(new DkdLossOptions { Temperature = 4.5, WarmupEpochs = 5 });
        using var scope = NewDisposeScope();
        var inputs = new LossInputs
        {
            StudentLogits = TensorHelpers.FromArray(student, ScalarType.Float64),
            TeacherLogits = TensorHelpers.FromArray(teacher, ScalarType.Float64),
            Labels = TensorHelpers.Labels(labels),
            Progress = new LossProgress(Step: 1000 * epoch, Epoch: epoch, EpochFraction: epoch + 0.5),
        };

        // Act
        var value = loss.Compute(inputs);

        // Assert
        value.ShouldBeClose(ReferenceLosses.Dkd(student, teacher, labels, 4.5, 1, 8, warmup: factor), Approx.Float64);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(2.0)]
    [InlineData(4.5)]
    public void Compute_Should_BeZero_When_StudentEqualsTeacher(double temperature)
    {
        // Arrange
        var rng = new Random(231);
        var logits = RandomData.Matrix(rng, 5, 7, scale: 6);
        var labels = RandomData.Labels(rng, 5, 7);
        var loss = new DkdLoss(new DkdLossOptions { Temperature = temperature });
        using var scope = NewDisposeScope();
        var x = TensorHelpers.FromArray(logits, ScalarType.Float64);

        // Act
        var (tckd, nckd) = loss.ComputeParts(x, x, TensorHelpers.Labels(labels));
        var total = loss.Compute(TensorHelpers.FromArray(logits), TensorHelpers.FromArray(logits), TensorHelpers.Labels(labels));

        // Assert
        Math.Abs(TensorHelpers.Scalar(tckd)).Should().BeLessThan(1e-13);
        Math.Abs(TensorHelpers.Scalar(nckd)).Should().BeLessThan(1e-13);
        Math.Abs(TensorHelpers.Scalar(total)).Should().BeLessThan(1e-4, "float32, with β = 8 and T² = {0}", temperature * temperature);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(2.0)]
    [InlineData(4.5)]
    public void ComputeParts_Should_SatisfyKdDecomposition_When_EachRowIsCheckedAtTheSameTemperature(double temperature)
    {
        // Arrange: KD = TCKD + (1 − p_t(gt))·NCKD holds per example; check it on batches of one row.
        var rng = new Random(241);
        var student = RandomData.Matrix(rng, 5, 7);
        var teacher = RandomData.Matrix(rng, 5, 7, scale: 5);
        var labels = RandomData.Labels(rng, 5, 7);
        var dkd = new DkdLoss(new DkdLossOptions { Temperature = temperature });
        var kd = new KdLoss(new KdLossOptions { Temperature = temperature });

        for (var b = 0; b < 5; b++)
        {
            using var scope = NewDisposeScope();
            var studentRow = ReferenceLosses.Row(student, b);
            var teacherRow = ReferenceLosses.Row(teacher, b);
            var s1 = tensor(studentRow, dtype: ScalarType.Float64).unsqueeze(0);
            var t1 = tensor(teacherRow, dtype: ScalarType.Float64).unsqueeze(0);
            var y1 = TensorHelpers.Labels(labels[b]);

            // Act
            var kdValue = TensorHelpers.Scalar(kd.Compute(s1, t1));
            var (tckd, nckd) = dkd.ComputeParts(s1, t1, y1);
            var pTarget = ReferenceLosses.Softmax(teacherRow, temperature)[labels[b]];

            // Assert
            (TensorHelpers.Scalar(tckd) + (1 - pTarget) * TensorHelpers.Scalar(nckd)).ShouldBeClose(kdValue, 1e-12, $"row {b}");
            kdValue.Should().BeGreaterThan(1e-4, "the rows differ");
        }
    }

    [Fact]
    public void ComputeParts_Should_GiveZeroNckdAndWarnOnce_When_ThereAreTwoClasses()
    {
        // Arrange
        var warnings = new List<string>();
        var rng = new Random(251);
        var loss = new DkdLoss(new DkdLossOptions { Temperature = 2, Alpha = 1.5, OnWarning = warnings.Add });

        for (var call = 0; call < 3; call++)
        {
            using var scope = NewDisposeScope();
            var studentValues = RandomData.Matrix(rng, 4, 2);
            var teacherValues = RandomData.Matrix(rng, 4, 2);
            var labels = RandomData.Labels(rng, 4, 2);
            var student = TensorHelpers.Leaf(studentValues);
            var teacher = TensorHelpers.FromArray(teacherValues, ScalarType.Float64);

            // Act
            var (tckd, nckd) = loss.ComputeParts(student, teacher, TensorHelpers.Labels(labels));
            var total = loss.Compute(student, teacher, TensorHelpers.Labels(labels));
            total.backward();

            // Assert
            TensorHelpers.Scalar(nckd).Should().Be(0, "a single non-target class carries no information");
            TensorHelpers.Scalar(tckd).ShouldBeClose(ReferenceLosses.DkdParts(studentValues, teacherValues, labels, 2).Tckd, Approx.Float64);
            TensorHelpers.Scalar(total).ShouldBeClose(1.5 * TensorHelpers.Scalar(tckd), Approx.Float64, "DKD reduces to α·TCKD");
            TensorHelpers.Values(student.grad!).Should().OnlyContain(g => double.IsFinite(g));
            TensorHelpers.Values(student.grad!).Should().Contain(g => g != 0);
        }

        warnings.Should().ContainSingle().Which.Should().Contain("2 classes").And.Contain("NCKD");
    }

    [Fact]
    public void Compute_Should_HaveGradientMatchingFiniteDifferences_When_ThereAreTwoClasses()
    {
        // Arrange
        var rng = new Random(252);
        var student = TensorHelpers.Leaf(RandomData.Matrix(rng, 3, 2));
        var teacher = TensorHelpers.FromArray(RandomData.Matrix(rng, 3, 2), ScalarType.Float64);
        var labels = TensorHelpers.Labels(0, 1, 1);
        var loss = new DkdLoss(new DkdLossOptions { OnWarning = _ => { } });

        // Act + Assert
        GradientChecker.Check(() => loss.Compute(student, teacher, labels), [student]);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(4.5)]
    public void Compute_Should_HaveGradientMatchingFiniteDifferences_When_InputsAreFloat64(double temperature)
    {
        // Arrange
        var rng = new Random(261);
        var student = TensorHelpers.Leaf(RandomData.Matrix(rng, 4, 5));
        var teacher = TensorHelpers.FromArray(RandomData.Matrix(rng, 4, 5), ScalarType.Float64);
        var labels = TensorHelpers.Labels(RandomData.Labels(rng, 4, 5, 2));
        var loss = new DkdLoss(new DkdLossOptions { Temperature = temperature, Alpha = 1.3, Beta = 2 });

        // Act + Assert
        var grads = GradientChecker.Check(() => loss.Compute(student, teacher, labels, 0.6), [student]);
        grads[0].Skip(10).Take(5).Should().OnlyContain(g => g == 0, "the unlabelled row gets no gradient");
    }

    [Fact]
    public void Compute_Should_ReturnZero_When_NoRowIsLabelled()
    {
        // Arrange
        var loss = new DkdLoss();
        using var scope = NewDisposeScope();

        // Act
        var value = loss.Compute(randn(3, 5), randn(3, 5), TensorHelpers.Labels(-1, -1, -1));

        // Assert
        TensorHelpers.Scalar(value).Should().Be(0);
    }

    [Fact]
    public void Compute_Should_NameTheLabel_When_LabelIsOutOfRange()
    {
        // Arrange
        var loss = new DkdLoss();
        using var student = randn(2, 5);
        using var teacher = randn(2, 5);
        using var labels = TensorHelpers.Labels(5, 0);

        // Act
        var error = LeakCheck.ShouldThrowWithoutLeaking<ArgumentException>(() => loss.Compute(student, teacher, labels));

        // Assert
        error.Message.Should().Contain("labels: label 5 is outside the 5 classes of the logits");
    }

    [Fact]
    public void Compute_Should_NameArgumentAndShapes_When_TeacherShapeDiffers()
    {
        // Arrange
        var loss = new DkdLoss();
        using var scope = NewDisposeScope();

        // Act
        var act = () => loss.Compute(randn(2, 5), randn(3, 5), TensorHelpers.Labels(0, 1));

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("teacherLogits: expected shape [2, 5] (the shape of studentLogits), got [3, 5]*");
    }

    [Theory]
    [InlineData(-0.5)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Compute_Should_Throw_When_WarmupFactorIsNegativeOrNotFinite(double factor)
    {
        // Arrange
        var loss = new DkdLoss();
        using var scope = NewDisposeScope();

        // Act
        var act = () => loss.Compute(randn(2, 5), randn(2, 5), TensorHelpers.Labels(0, 1), factor);

        // Assert
        act.Should().Throw<ArgumentOutOfRangeException>().Where(e => e.ParamName == "warmupFactor");
    }

    [Fact]
    public void Constructor_Should_ListEveryProblem_When_OptionsAreInvalid()
    {
        // Act
        var act = () => new DkdLoss(new DkdLossOptions { Alpha = -1, Beta = double.NaN, Temperature = 0, WarmupEpochs = -2 });

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage(
            "Loss 'dkd': alpha must be >= 0 (was -1); beta must be >= 0 (was NaN); temperature must be > 0 (was 0); warmup_epochs must be >= 0 (was -2)");
    }

    [Fact]
    public void Compute_Should_LeaveNoLiveTensors_When_Called()
    {
        // Arrange
        var loss = new DkdLoss(new DkdLossOptions { WarmupEpochs = 3 });
        using var student = randn(3, 5);
        using var teacher = randn(3, 5);
        using var labels = TensorHelpers.Labels(0, -1, 4);
        var inputs = new LossInputs { StudentLogits = student, TeacherLogits = teacher, Labels = labels };

        // Act + Assert
        LeakCheck.ShouldLeaveNoTensors(() => loss.Compute(student, teacher, labels));
        LeakCheck.ShouldLeaveNoTensors(() => ((ILossTerm)loss).Compute(inputs));
        LeakCheck.ShouldLeaveNoTensors(() =>
        {
            var (tckd, nckd) = loss.ComputeParts(student, teacher, labels);
            return new[] { tckd, nckd };
        });
    }

    [Fact]
    public void Formula_Should_ShowWarmupAndSettings_When_Printed()
    {
        // Act + Assert
        new DkdLoss().Formula.Should().Be("T²·(α·TCKD + β·NCKD) [T=4, α=1, β=8]");
        new DkdLoss(new DkdLossOptions { WarmupEpochs = 20, Beta = 2.5 }).ToString()
            .Should().Be("min((epoch+1)/20, 1)·T²·(α·TCKD + β·NCKD) [T=4, α=1, β=2.5]");
    }
}

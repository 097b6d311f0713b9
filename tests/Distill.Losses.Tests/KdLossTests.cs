using Distill.Losses.Tests.Support;
using static TorchSharp.torch;

namespace Distill.Losses.Tests;

public class KdLossTests
{
    [Theory]
    [InlineData(1.0, 1, 3, 101)]
    [InlineData(2.0, 4, 5, 102)]
    [InlineData(4.5, 5, 7, 103)]
    [InlineData(4.5, 3, 3, 104)]
    public void Compute_Should_MatchReference_When_LogitsAreRandomFloat32(double temperature, int batch, int classes, int seed)
    {
        // Arrange
        var rng = new Random(seed);
        var student = RandomData.Matrix(rng, batch, classes);
        var teacher = RandomData.Matrix(rng, batch, classes, scale: 5);
        var loss = new KdLoss(new KdLossOptions { Temperature = temperature });
        using var scope = NewDisposeScope();

        // Act
        var value = loss.Compute(TensorHelpers.FromArray(student), TensorHelpers.FromArray(teacher));

        // Assert
        value.dtype.Should().Be(ScalarType.Float32);
        value.ShouldBeClose(ReferenceLosses.Kd(student, teacher, temperature), Approx.Float32);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(2.0)]
    [InlineData(4.5)]
    public void Compute_Should_MatchReferenceTightly_When_InputsAreFloat64(double temperature)
    {
        // Arrange
        var rng = new Random(111);
        var student = RandomData.Matrix(rng, 5, 7);
        var teacher = RandomData.Matrix(rng, 5, 7, scale: 5);
        var loss = new KdLoss(new KdLossOptions { Temperature = temperature });
        using var scope = NewDisposeScope();

        // Act
        var value = loss.Compute(TensorHelpers.FromArray(student, ScalarType.Float64), TensorHelpers.FromArray(teacher, ScalarType.Float64));

        // Assert
        value.dtype.Should().Be(ScalarType.Float64);
        value.ShouldBeClose(ReferenceLosses.Kd(student, teacher, temperature), Approx.Float64);
    }

    [Theory]
    [InlineData(1.0, ScalarType.Float32)]
    [InlineData(2.0, ScalarType.Float32)]
    [InlineData(4.5, ScalarType.Float64)]
    public void Compute_Should_TemperTeacherProbabilities_When_TeacherGivesProbabilitiesWithExactZeros(double temperature, ScalarType dtype)
    {
        // Arrange: rows with exact zeros (one, and two) among the teacher's probabilities.
        var rng = new Random(121);
        var student = RandomData.Matrix(rng, 4, 5);
        var probabilities = RandomData.ProbabilityRows(rng, 4, 5, (0, 2), (2, 0), (2, 4));
        var loss = new KdLoss(new KdLossOptions { Temperature = temperature, TeacherGivesProbabilities = true });
        using var scope = NewDisposeScope();

        // Act
        var value = loss.Compute(TensorHelpers.FromArray(student, dtype), TensorHelpers.FromArray(probabilities, dtype));

        // Assert
        value.ShouldBeClose(ReferenceLosses.Kd(student, probabilities, temperature, teacherGivesProbabilities: true), Approx.For(dtype));
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(4.5)]
    public void Compute_Should_EqualLogitForm_When_TeacherProbabilitiesAreSoftmaxOfLogits(double temperature)
    {
        // Arrange: softmax(log softmax(z) / T) = softmax(z / T), so both forms give the same loss.
        var rng = new Random(131);
        var student = TensorHelpers.FromArray(RandomData.Matrix(rng, 3, 7), ScalarType.Float64);
        var teacherLogits = TensorHelpers.FromArray(RandomData.Matrix(rng, 3, 7), ScalarType.Float64);
        using var probabilities = nn.functional.softmax(teacherLogits, -1);
        var fromLogits = new KdLoss(new KdLossOptions { Temperature = temperature });
        var fromProbabilities = new KdLoss(new KdLossOptions { Temperature = temperature, TeacherGivesProbabilities = true });
        using var scope = NewDisposeScope();

        // Act
        var a = TensorHelpers.Scalar(fromLogits.Compute(student, teacherLogits));
        var b = TensorHelpers.Scalar(fromProbabilities.Compute(student, probabilities));

        // Assert
        b.ShouldBeClose(a, 1e-12);
        a.Should().BeGreaterThan(1e-3, "the two random distributions differ");
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(2.0)]
    [InlineData(4.5)]
    public void Compute_Should_BeZero_When_StudentEqualsTeacher(double temperature)
    {
        // Arrange
        var logits = RandomData.Matrix(new Random(141), 5, 7, scale: 6);
        var loss = new KdLoss(new KdLossOptions { Temperature = temperature });
        using var scope = NewDisposeScope();

        // Act
        var value32 = TensorHelpers.Scalar(loss.Compute(TensorHelpers.FromArray(logits), TensorHelpers.FromArray(logits)));
        var value64 = TensorHelpers.Scalar(loss.Compute(TensorHelpers.FromArray(logits, ScalarType.Float64), TensorHelpers.FromArray(logits, ScalarType.Float64)));

        // Assert
        Math.Abs(value32).Should().BeLessThan(1e-5);
        Math.Abs(value64).Should().BeLessThan(1e-13);
    }

    [Fact]
    public void Compute_Should_BeZero_When_TeacherProbabilitiesAreTheStudentsSoftmax()
    {
        // Arrange: a teacher row with an exact zero needs a student logit of −inf to match; use rows without zeros.
        var student = TensorHelpers.FromArray(RandomData.Matrix(new Random(142), 3, 5), ScalarType.Float64);
        using var probabilities = nn.functional.softmax(student, -1);
        var loss = new KdLoss(new KdLossOptions { Temperature = 2, TeacherGivesProbabilities = true });
        using var scope = NewDisposeScope();

        // Act
        var value = TensorHelpers.Scalar(loss.Compute(student, probabilities));

        // Assert
        Math.Abs(value).Should().BeLessThan(1e-13);
    }

    [Fact]
    public void Compute_Should_ComputeInFloat32_When_InputsAreHalf()
    {
        // Arrange
        var rng = new Random(143);
        var student = RandomData.Matrix(rng, 3, 5);
        var teacher = RandomData.Matrix(rng, 3, 5);
        var loss = new KdLoss(new KdLossOptions { Temperature = 2 });
        using var scope = NewDisposeScope();
        var studentHalf = TensorHelpers.FromArray(student, ScalarType.Float16);
        var teacherHalf = TensorHelpers.FromArray(teacher, ScalarType.Float16);
        var roundedStudent = TensorHelpers.ToMatrix(studentHalf);
        var roundedTeacher = TensorHelpers.ToMatrix(teacherHalf);

        // Act
        var value = loss.Compute(studentHalf, teacherHalf);

        // Assert
        value.dtype.Should().Be(ScalarType.Float32);
        value.ShouldBeClose(ReferenceLosses.Kd(roundedStudent, roundedTeacher, 2), Approx.Float32);
    }

    [Theory]
    [InlineData(1.0, false)]
    [InlineData(2.0, false)]
    [InlineData(4.5, false)]
    [InlineData(2.0, true)]
    public void Compute_Should_HaveGradientMatchingFiniteDifferences_When_InputsAreFloat64(double temperature, bool probabilities)
    {
        // Arrange
        var rng = new Random(151);
        var student = TensorHelpers.Leaf(RandomData.Matrix(rng, 3, 5));
        var teacher = probabilities
            ? TensorHelpers.FromArray(RandomData.ProbabilityRows(rng, 3, 5, (1, 3)), ScalarType.Float64)
            : TensorHelpers.FromArray(RandomData.Matrix(rng, 3, 5), ScalarType.Float64);
        var loss = new KdLoss(new KdLossOptions { Temperature = temperature, TeacherGivesProbabilities = probabilities });

        // Act + Assert
        GradientChecker.Check(() => loss.Compute(student, teacher), [student]);
    }

    [Fact]
    public void Compute_Should_SendNoGradientToTeacher_When_TeacherRequiresGrad()
    {
        // Arrange
        var rng = new Random(152);
        var student = TensorHelpers.Leaf(RandomData.Matrix(rng, 3, 5));
        var teacher = TensorHelpers.Leaf(RandomData.Matrix(rng, 3, 5));
        var loss = new KdLoss();
        using var scope = NewDisposeScope();

        // Act
        loss.Compute(student, teacher).backward();

        // Assert
        teacher.grad.Should().BeNull("the teacher is a fixed target");
        TensorHelpers.Values(student.grad!).Should().Contain(g => g != 0);
    }

    [Fact]
    public void Compute_Should_ReadStudentAndTeacherLogits_When_CalledThroughLossInputs()
    {
        // Arrange
        var rng = new Random(153);
        var student = RandomData.Matrix(rng, 2, 3);
        var teacher = RandomData.Matrix(rng, 2, 3);
        ILossTerm loss = new KdLoss(new KdLossOptions { Temperature = 4.5 });
        using var scope = NewDisposeScope();
        var inputs = new LossInputs { StudentLogits = TensorHelpers.FromArray(student), TeacherLogits = TensorHelpers.FromArray(teacher) };

        // Act
        var value = loss.Compute(inputs);

        // Assert
        value.ShouldBeClose(ReferenceLosses.Kd(student, teacher, 4.5), Approx.Float32);
    }

    [Fact]
    public void Compute_Should_NameTheMissingProperty_When_TeacherLogitsAreAbsent()
    {
        // Arrange
        ILossTerm loss = new KdLoss();
        using var scope = NewDisposeScope();

        // Act
        var act = () => loss.Compute(new LossInputs { StudentLogits = randn(2, 3) });

        // Assert
        act.Should().Throw<InvalidOperationException>().WithMessage("Loss 'kd' needs LossInputs.TeacherLogits*cache the teacher's logits");
    }

    [Fact]
    public void Compute_Should_NameArgumentAndBothShapes_When_TeacherShapeDiffers()
    {
        // Arrange
        var loss = new KdLoss();
        using var scope = NewDisposeScope();

        // Act
        var act = () => loss.Compute(randn(4, 5), randn(4, 6));

        // Assert
        act.Should().Throw<ArgumentException>()
            .Where(e => e.ParamName == "teacherLogits")
            .WithMessage("teacherLogits: expected shape [4, 5] (the shape of studentLogits), got [4, 6]*");
    }

    [Fact]
    public void Compute_Should_NameArgumentAndShape_When_TeacherRankIsWrong()
    {
        // Arrange
        var loss = new KdLoss();
        using var scope = NewDisposeScope();

        // Act
        var act = () => loss.Compute(randn(4, 5), randn(20));

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("teacherLogits: expected shape [batch, classes], got [20]*");
    }

    [Fact]
    public void Compute_Should_LeaveNoLiveTensors_When_Called()
    {
        // Arrange
        var logitsLoss = new KdLoss(new KdLossOptions { Temperature = 2 });
        var probabilitiesLoss = new KdLoss(new KdLossOptions { TeacherGivesProbabilities = true });
        using var student = randn(3, 5);
        using var teacher = randn(3, 5);
        using var probabilities = nn.functional.softmax(teacher, -1);

        // Act + Assert
        LeakCheck.ShouldLeaveNoTensors(() => logitsLoss.Compute(student, teacher));
        LeakCheck.ShouldLeaveNoTensors(() => probabilitiesLoss.Compute(student, probabilities));
    }

    [Fact]
    public void Compute_Should_RejectWithoutLeaking_When_TeacherRowsAreNotDistributions()
    {
        // Arrange: logits passed where probabilities were promised.
        var loss = new KdLoss(new KdLossOptions { TeacherGivesProbabilities = true });
        using var student = randn(3, 5);
        using var teacher = TensorHelpers.FromArray(new double[,] { { 2, -1, 0, 0, 0 }, { 0.2, 0.2, 0.2, 0.2, 0.2 }, { 1, 0, 0, 0, 0 } });

        // Act
        var error = LeakCheck.ShouldThrowWithoutLeaking<ArgumentException>(() => loss.Compute(student, teacher));

        // Assert
        error.ParamName.Should().Be("teacherLogits");
        error.Message.Should().Contain("rows are not distributions").And.Contain("smallest value -1").And.Contain("teacher_probabilities: false");
    }

    [Theory]
    [InlineData(0.0, "0")]
    [InlineData(-1.0, "-1")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(double.PositiveInfinity, "Infinity")]
    public void Constructor_Should_Throw_When_TemperatureIsNotPositiveAndFinite(double temperature, string shown)
    {
        // Act
        var act = () => new KdLoss(new KdLossOptions { Temperature = temperature });

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage($"Loss 'kd': temperature must be > 0 (was {shown})");
    }

    [Fact]
    public void Formula_Should_ShowTemperatureAndTeacherForm_When_Printed()
    {
        // Act + Assert
        new KdLoss().Formula.Should().Be("T²·KL(softmax(t/T) ‖ softmax(s/T)) [T=4]");
        new KdLoss(new KdLossOptions { Temperature = 4.5, TeacherGivesProbabilities = true }).ToString()
            .Should().Be("T²·KL(softmax(log p_t/T) ‖ softmax(s/T)) [T=4.5]");
    }
}

using Distill.Losses.Tests.Support;
using static TorchSharp.torch;

namespace Distill.Losses.Tests;

public class BlockwiseLogitLossTests
{
    private static double[][,] Paths(Random rng, int count, int batch, int classes) =>
        Enumerable.Range(0, count).Select(_ => RandomData.Matrix(rng, batch, classes)).ToArray();

    [Theory]
    [InlineData(1.0, 1.0, 1, 1, 3, 901)]
    [InlineData(2.0, 0.5, 2, 4, 5, 902)]
    [InlineData(4.5, 1.0, 3, 5, 7, 903)]
    [InlineData(4.5, 0.0, 4, 3, 3, 904)]
    public void Compute_Should_MatchReference_When_LogitsAreRandomFloat32(double temperature, double crossWeight, int pathCount, int batch, int classes, int seed)
    {
        // Arrange
        var rng = new Random(seed);
        var student = RandomData.Matrix(rng, batch, classes);
        var teacher = RandomData.Matrix(rng, batch, classes, scale: 5);
        var paths = Paths(rng, pathCount, batch, classes);
        var loss = new BlockwiseLogitLoss(new BlockwiseLogitLossOptions { Temperature = temperature, CrossWeight = crossWeight });
        using var scope = NewDisposeScope();

        // Act
        var value = loss.Compute(TensorHelpers.FromArray(student), TensorHelpers.FromArray(teacher), paths.Select(p => TensorHelpers.FromArray(p)).ToList());

        // Assert
        value.dtype.Should().Be(ScalarType.Float32);
        value.ShouldBeClose(ReferenceLosses.Blockwise(student, teacher, paths, temperature, crossWeight), Approx.Float32);
    }

    [Fact]
    public void ComputeParts_Should_WeightPathsByPowersOfTwo_When_InputsAreFloat64()
    {
        // Arrange: three paths weigh 1/4, 1/2 and 1.
        var rng = new Random(911);
        var student = RandomData.Matrix(rng, 4, 5);
        var teacher = RandomData.Matrix(rng, 4, 5);
        var paths = Paths(rng, 3, 4, 5);
        var loss = new BlockwiseLogitLoss(new BlockwiseLogitLossOptions { Temperature = 2 });
        using var scope = NewDisposeScope();

        // Act
        var (pathPart, cross) = loss.ComputeParts(
            TensorHelpers.FromArray(student, ScalarType.Float64), TensorHelpers.FromArray(teacher, ScalarType.Float64),
            paths.Select(p => TensorHelpers.FromArray(p, ScalarType.Float64)).ToList());

        // Assert
        var byHand = 0.25 * ReferenceLosses.Kd(paths[0], teacher, 2) + 0.5 * ReferenceLosses.Kd(paths[1], teacher, 2) + ReferenceLosses.Kd(paths[2], teacher, 2);
        pathPart.ShouldBeClose(byHand, Approx.Float64);
        var expected = ReferenceLosses.BlockwiseParts(student, teacher, paths, 2);
        pathPart.ShouldBeClose(expected.Paths, Approx.Float64);
        cross.ShouldBeClose(expected.Cross, Approx.Float64);
    }

    [Fact]
    public void Compute_Should_ReadPathLogits_When_CalledThroughLossInputs()
    {
        // Arrange
        var rng = new Random(921);
        var student = RandomData.Matrix(rng, 3, 5);
        var teacher = RandomData.Matrix(rng, 3, 5);
        var paths = Paths(rng, 2, 3, 5);
        ILossTerm loss = new BlockwiseLogitLoss(new BlockwiseLogitLossOptions { Temperature = 4.5, CrossWeight = 0.3 });
        using var scope = NewDisposeScope();
        var inputs = new LossInputs
        {
            StudentLogits = TensorHelpers.FromArray(student),
            TeacherLogits = TensorHelpers.FromArray(teacher),
            PathLogits = paths.Select(p => TensorHelpers.FromArray(p)).ToList(),
        };

        // Act
        var value = loss.Compute(inputs);

        // Assert
        value.ShouldBeClose(ReferenceLosses.Blockwise(student, teacher, paths, 4.5, 0.3), Approx.Float32);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(4.5)]
    public void Compute_Should_HaveGradientMatchingFiniteDifferences_When_InputsAreFloat64(double temperature)
    {
        // Arrange
        var rng = new Random(931);
        var student = TensorHelpers.Leaf(RandomData.Matrix(rng, 3, 4));
        var teacher = TensorHelpers.FromArray(RandomData.Matrix(rng, 3, 4), ScalarType.Float64);
        var paths = new[] { TensorHelpers.Leaf(RandomData.Matrix(rng, 3, 4)), TensorHelpers.Leaf(RandomData.Matrix(rng, 3, 4)) };
        var loss = new BlockwiseLogitLoss(new BlockwiseLogitLossOptions { Temperature = temperature, CrossWeight = 0.7 });

        // Act + Assert: the student through the whole loss.
        GradientChecker.Check(() => loss.Compute(student, teacher, paths), [student]);

        // The paths: the mean of the paths is a fixed target of the cross term, so their gradient is that of the
        // path terms alone. Finite differences of the path part must match autograd of the whole loss.
        using var scope = NewDisposeScope();
        var total = loss.Compute(student, teacher, paths);
        var fullGrads = autograd.grad([total], paths).Select(TensorHelpers.Values).ToArray();
        var partGrads = GradientChecker.Check(() => loss.ComputeParts(student, teacher, paths).Paths, paths);
        for (var k = 0; k < paths.Length; k++)
        {
            for (var i = 0; i < fullGrads[k].Length; i++)
            {
                fullGrads[k][i].ShouldBeClose(partGrads[k][i], 1e-12, $"path {k} element {i}");
            }
        }
    }

    [Fact]
    public void Compute_Should_BeZero_When_PathsStudentAndTeacherAgree()
    {
        // Arrange
        var logits = RandomData.Matrix(new Random(941), 3, 5);
        var loss = new BlockwiseLogitLoss();
        using var scope = NewDisposeScope();
        var x = TensorHelpers.FromArray(logits, ScalarType.Float64);

        // Act
        var value = TensorHelpers.Scalar(loss.Compute(x, x, [x, x, x]));

        // Assert
        Math.Abs(value).Should().BeLessThan(1e-13);
    }

    [Fact]
    public void Compute_Should_NamePathAndShapes_When_APathHasTheWrongShape()
    {
        // Arrange
        var loss = new BlockwiseLogitLoss();
        using var scope = NewDisposeScope();

        // Act
        var act = () => loss.Compute(randn(3, 5), randn(3, 5), [randn(3, 5), randn(3, 4)]);

        // Assert
        act.Should().Throw<ArgumentException>()
            .Where(e => e.ParamName == "pathLogits[1]")
            .WithMessage("pathLogits[1]: expected shape [3, 5] (the shape of studentLogits), got [3, 4]*");
    }

    [Fact]
    public void Compute_Should_Throw_When_ThereIsNoPath()
    {
        // Arrange
        var loss = new BlockwiseLogitLoss();
        using var scope = NewDisposeScope();

        // Act
        var act = () => loss.Compute(randn(3, 5), randn(3, 5), []);

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("pathLogits: expected the logits of at least one stepping-stone path, got none*");
    }

    [Fact]
    public void Compute_Should_NameTheMissingProperty_When_PathLogitsAreAbsent()
    {
        // Arrange
        ILossTerm loss = new BlockwiseLogitLoss();
        using var scope = NewDisposeScope();

        // Act
        var act = () => loss.Compute(new LossInputs { StudentLogits = randn(2, 3), TeacherLogits = randn(2, 3) });

        // Assert
        act.Should().Throw<InvalidOperationException>().WithMessage("Loss 'blockwise_logit' needs LossInputs.PathLogits*");
    }

    [Theory]
    [InlineData(0.0, 1.0, "temperature must be > 0 (was 0)")]
    [InlineData(4.0, -1.0, "cross_weight must be >= 0 (was -1)")]
    public void Constructor_Should_Throw_When_OptionsAreInvalid(double temperature, double crossWeight, string problem)
    {
        // Act
        var act = () => new BlockwiseLogitLoss(new BlockwiseLogitLossOptions { Temperature = temperature, CrossWeight = crossWeight });

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage($"Loss 'blockwise_logit': {problem}");
    }

    [Fact]
    public void Compute_Should_LeaveNoLiveTensors_When_Called()
    {
        // Arrange
        var loss = new BlockwiseLogitLoss();
        using var student = randn(3, 5);
        using var teacher = randn(3, 5);
        using var path0 = randn(3, 5);
        using var path1 = randn(3, 5);
        var inputs = new LossInputs { StudentLogits = student, TeacherLogits = teacher, PathLogits = [path0, path1] };

        // Act + Assert
        LeakCheck.ShouldLeaveNoTensors(() => loss.Compute(student, teacher, [path0, path1]));
        LeakCheck.ShouldLeaveNoTensors(() => ((ILossTerm)loss).Compute(inputs));
    }

    [Fact]
    public void Formula_Should_ShowTemperatureAndCrossWeight_When_Printed()
    {
        // Act + Assert
        new BlockwiseLogitLoss(new BlockwiseLogitLossOptions { Temperature = 2, CrossWeight = 0.5 }).Formula
            .Should().Be("Σ_i 2^−(n−i)·KD(z_i, t) + λ·KD(s, mean_i z_i) [T=2, λ=0.5]");
    }
}

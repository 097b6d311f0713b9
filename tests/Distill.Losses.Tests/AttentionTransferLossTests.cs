using Distill.Losses.Tests.Support;
using static TorchSharp.torch;

namespace Distill.Losses.Tests;

public class AttentionTransferLossTests
{
    [Theory]
    [InlineData(2.0, 1, 3, 5, 4, 4, 301)]
    [InlineData(2.0, 3, 4, 2, 5, 3, 302)]
    [InlineData(1.0, 2, 3, 6, 4, 5, 303)]
    [InlineData(3.0, 2, 2, 2, 3, 3, 304)]
    public void Compute_Should_MatchReference_When_SpatialSizesAreEqual(double p, int batch, int studentChannels, int teacherChannels, int height, int width, int seed)
    {
        // Arrange: channel counts may differ, only the maps are compared.
        var rng = new Random(seed);
        var student = RandomData.Array4(rng, batch, studentChannels, height, width);
        var teacher = RandomData.Array4(rng, batch, teacherChannels, height, width);
        var loss = new AttentionTransferLoss(new AttentionTransferLossOptions { P = p });
        using var scope = NewDisposeScope();

        // Act
        var value = loss.Compute(TensorHelpers.FromArray(student), TensorHelpers.FromArray(teacher));

        // Assert
        value.dtype.Should().Be(ScalarType.Float32);
        value.ShouldBeClose(ReferenceLosses.AttentionTransfer(student, teacher, p), Approx.Float32);
    }

    [Theory]
    [InlineData(4, 4, 7, 5, ScalarType.Float32)] // teacher pooled 7×5 → 4×4: uneven, overlapping bins
    [InlineData(6, 3, 4, 5, ScalarType.Float32)] // both pooled: student 6×3 → 4×3, teacher 4×5 → 4×3
    [InlineData(5, 9, 3, 2, ScalarType.Float64)] // student pooled 5×9 → 3×2
    [InlineData(3, 7, 5, 4, ScalarType.Float64)] // both pooled to 3×4
    public void Compute_Should_PoolBothMapsToSmallerHeightAndWidth_When_SpatialSizesDiffer(int sh, int sw, int th, int tw, ScalarType dtype)
    {
        // Arrange
        var rng = new Random(311 + sh * 10 + th);
        var student = RandomData.Array4(rng, 2, 3, sh, sw);
        var teacher = RandomData.Array4(rng, 2, 5, th, tw);
        var loss = new AttentionTransferLoss();
        using var scope = NewDisposeScope();

        // Act
        var value = loss.Compute(TensorHelpers.FromArray(student, dtype), TensorHelpers.FromArray(teacher, dtype));

        // Assert
        value.ShouldBeClose(ReferenceLosses.AttentionTransfer(student, teacher, 2), Approx.For(dtype));
    }

    [Fact]
    public void ReferencePool_Should_UseFloorCeilBins_When_SizeDoesNotDivide()
    {
        // Arrange: 3 → 2 gives the overlapping bins [0, 2) and [1, 3); 5 → 3 gives [0, 2), [1, 4), [3, 5).
        var map = new double[,] { { 1, 2, 3, 4, 5 }, { 6, 7, 8, 9, 10 }, { 11, 12, 13, 14, 15 } };

        // Act
        var pooled = ReferenceLosses.AdaptiveAvgPool2d(map, 2, 3);

        // Assert
        pooled.Should().BeEquivalentTo(new double[,]
        {
            { (1 + 2 + 6 + 7) / 4.0, (2 + 3 + 4 + 7 + 8 + 9) / 6.0, (4 + 5 + 9 + 10) / 4.0 },
            { (6 + 7 + 11 + 12) / 4.0, (7 + 8 + 9 + 12 + 13 + 14) / 6.0, (9 + 10 + 14 + 15) / 4.0 },
        });
    }

    [Fact]
    public void Compute_Should_BeZero_When_TeacherIsAScaledCopyWithDuplicatedChannels()
    {
        // Arrange: the maps are channel means, normalised per example, so scale and channel duplication cancel.
        var rng = new Random(321);
        var student = RandomData.Array4(rng, 2, 3, 4, 5);
        var teacher = new double[2, 6, 4, 5];
        for (var b = 0; b < 2; b++)
        {
            for (var c = 0; c < 6; c++)
            {
                for (var y = 0; y < 4; y++)
                {
                    for (var x = 0; x < 5; x++)
                    {
                        teacher[b, c, y, x] = -3 * student[b, c % 3, y, x];
                    }
                }
            }
        }

        var loss = new AttentionTransferLoss();
        using var scope = NewDisposeScope();

        // Act
        var value = TensorHelpers.Scalar(loss.Compute(TensorHelpers.FromArray(student, ScalarType.Float64), TensorHelpers.FromArray(teacher, ScalarType.Float64)));

        // Assert
        Math.Abs(value).Should().BeLessThan(1e-15);
        ReferenceLosses.AttentionTransfer(student, RandomData.Array4(rng, 2, 6, 4, 5), 2).Should().BeGreaterThan(1e-4, "other maps do differ");
    }

    [Fact]
    public void Compute_Should_SumOverStages_When_GivenListsOfMaps()
    {
        // Arrange
        var rng = new Random(331);
        var s0 = RandomData.Array4(rng, 2, 2, 6, 6);
        var t0 = RandomData.Array4(rng, 2, 4, 6, 6);
        var s1 = RandomData.Array4(rng, 2, 3, 3, 3);
        var t1 = RandomData.Array4(rng, 2, 5, 4, 4);
        var loss = new AttentionTransferLoss();
        using var scope = NewDisposeScope();

        // Act
        var value = loss.Compute(
            [TensorHelpers.FromArray(s0, ScalarType.Float64), TensorHelpers.FromArray(s1, ScalarType.Float64)],
            [TensorHelpers.FromArray(t0, ScalarType.Float64), TensorHelpers.FromArray(t1, ScalarType.Float64)]);

        // Assert
        value.ShouldBeClose(ReferenceLosses.AttentionTransfer(s0, t0, 2) + ReferenceLosses.AttentionTransfer(s1, t1, 2), Approx.Float64);
    }

    [Fact]
    public void Compute_Should_PairStageIWithStageI_When_CalledThroughLossInputsWithDefaultMap()
    {
        // Arrange: three stages on each side.
        var rng = new Random(341);
        var student = new[] { RandomData.Array4(rng, 2, 2, 8, 8), RandomData.Array4(rng, 2, 3, 4, 4), RandomData.Array4(rng, 2, 4, 2, 2) };
        var teacher = new[] { RandomData.Array4(rng, 2, 4, 8, 8), RandomData.Array4(rng, 2, 6, 4, 4), RandomData.Array4(rng, 2, 8, 2, 2) };
        ILossTerm loss = new AttentionTransferLoss(new AttentionTransferLossOptions { P = 3 });
        using var scope = NewDisposeScope();
        var inputs = new LossInputs
        {
            StudentFeatureMaps = student.Select(x => TensorHelpers.FromArray(x, ScalarType.Float64)).ToList(),
            TeacherFeatureMaps = teacher.Select(x => (Tensor?)TensorHelpers.FromArray(x, ScalarType.Float64)).ToList(),
        };

        // Act
        var value = loss.Compute(inputs);

        // Assert
        var expected = Enumerable.Range(0, 3).Sum(i => ReferenceLosses.AttentionTransfer(student[i], teacher[i], 3));
        value.ShouldBeClose(expected, Approx.Float64);
    }

    [Fact]
    public void Compute_Should_UseTheStageMap_When_ExplicitMapAndTeacherListHasNulls()
    {
        // Arrange: student stages 0, 1 learn from teacher stages 1, 3; teacher stages 0 and 2 were not cached.
        var rng = new Random(342);
        var s0 = RandomData.Array4(rng, 1, 2, 5, 5);
        var s1 = RandomData.Array4(rng, 1, 2, 3, 3);
        var t1 = RandomData.Array4(rng, 1, 4, 5, 5);
        var t3 = RandomData.Array4(rng, 1, 4, 2, 2);
        ILossTerm loss = new AttentionTransferLoss(new AttentionTransferLossOptions { StageMap = LayerMap.Explicit(1, 3) });
        using var scope = NewDisposeScope();
        var inputs = new LossInputs
        {
            StudentFeatureMaps = [TensorHelpers.FromArray(s0), TensorHelpers.FromArray(s1)],
            TeacherFeatureMaps = [null, TensorHelpers.FromArray(t1), null, TensorHelpers.FromArray(t3)],
        };

        // Act
        var value = loss.Compute(inputs);

        // Assert
        value.ShouldBeClose(ReferenceLosses.AttentionTransfer(s0, t1, 2) + ReferenceLosses.AttentionTransfer(s1, t3, 2), Approx.Float32);
    }

    [Fact]
    public void Compute_Should_NameTheMissingLayer_When_MappedTeacherStageIsNull()
    {
        // Arrange
        ILossTerm loss = new AttentionTransferLoss(new AttentionTransferLossOptions { StageMap = LayerMap.Explicit(2) });
        using var scope = NewDisposeScope();
        var inputs = new LossInputs { StudentFeatureMaps = [randn(1, 2, 4, 4)], TeacherFeatureMaps = [randn(1, 2, 4, 4), randn(1, 2, 4, 4), null] };

        // Act
        var act = () => loss.Compute(inputs);

        // Assert
        act.Should().Throw<InvalidOperationException>()
            .WithMessage("Loss 'at' maps a student layer to teacher layer 2, but LossInputs.TeacherFeatureMaps has nothing for that layer (3 entries)*");
    }

    [Theory]
    [InlineData(2.0, 4, 4, 4, 4)]
    [InlineData(2.0, 5, 3, 3, 4)]
    [InlineData(3.0, 3, 4, 5, 5)]
    public void Compute_Should_HaveGradientMatchingFiniteDifferences_When_InputsAreFloat64(double p, int sh, int sw, int th, int tw)
    {
        // Arrange
        var rng = new Random(351);
        var student = TensorHelpers.Leaf(RandomData.Array4(rng, 2, 2, sh, sw));
        var teacher = TensorHelpers.FromArray(RandomData.Array4(rng, 2, 3, th, tw), ScalarType.Float64);
        var loss = new AttentionTransferLoss(new AttentionTransferLossOptions { P = p });

        // Act + Assert
        GradientChecker.Check(() => loss.Compute(student, teacher), [student]);
    }

    [Fact]
    public void Compute_Should_NameArgumentAndShapes_When_BatchSizesDiffer()
    {
        // Arrange
        var loss = new AttentionTransferLoss();
        using var scope = NewDisposeScope();

        // Act
        var act = () => loss.Compute(randn(2, 4, 4, 4), randn(3, 4, 4, 4));

        // Assert
        act.Should().Throw<ArgumentException>()
            .Where(e => e.ParamName == "teacherFeatures")
            .WithMessage("teacherFeatures: expected batch (as in studentFeatures) = 2 in dimension 0, got 3 (shape [3, 4, 4, 4])*");
    }

    [Fact]
    public void Compute_Should_NameArgumentAndShape_When_StudentIsNotRank4()
    {
        // Arrange
        var loss = new AttentionTransferLoss();
        using var scope = NewDisposeScope();

        // Act
        var act = () => loss.Compute(randn(2, 16), randn(2, 4, 4, 4));

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("studentFeatures: expected shape [batch, channels, height, width], got [2, 16]*");
    }

    [Fact]
    public void Compute_Should_Throw_When_StageListsDifferInLength()
    {
        // Arrange
        var loss = new AttentionTransferLoss();
        using var scope = NewDisposeScope();

        // Act
        var act = () => loss.Compute([randn(1, 2, 4, 4), randn(1, 2, 2, 2)], [randn(1, 2, 4, 4)]);

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("teacherFeatures: expected one teacher map per student map (2), got 1*");
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-2.0)]
    [InlineData(double.NaN)]
    public void Constructor_Should_Throw_When_PIsNotPositive(double p)
    {
        // Act
        var act = () => new AttentionTransferLoss(new AttentionTransferLossOptions { P = p });

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("Loss 'at': p must be > 0*");
    }

    [Fact]
    public void Compute_Should_LeaveNoLiveTensors_When_Called()
    {
        // Arrange
        var loss = new AttentionTransferLoss();
        using var student = randn(2, 3, 6, 5);
        using var teacher = randn(2, 4, 4, 7);
        var inputs = new LossInputs { StudentFeatureMaps = [student, student], TeacherFeatureMaps = [teacher, teacher] };

        // Act + Assert
        LeakCheck.ShouldLeaveNoTensors(() => loss.Compute(student, teacher));
        LeakCheck.ShouldLeaveNoTensors(() => ((ILossTerm)loss).Compute(inputs));
    }

    [Fact]
    public void Formula_Should_ShowP_When_Printed()
    {
        // Act + Assert
        new AttentionTransferLoss(new AttentionTransferLossOptions { P = 2 }).Formula
            .Should().Be("Σ_stages mean((Q_s/‖Q_s‖ − Q_t/‖Q_t‖)²), Q = Σ_c |A_c|^p [p=2]");
    }
}

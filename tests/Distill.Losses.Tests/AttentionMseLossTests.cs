using Distill.Losses.Tests.Support;
using static TorchSharp.torch;

namespace Distill.Losses.Tests;

public class AttentionMseLossTests
{
    [Theory]
    [InlineData(1, 2, 2, 5, 401)]
    [InlineData(3, 2, 6, 9, 402)]
    [InlineData(2, 3, 3, 5, 403)]
    public void Compute_Should_MatchReference_When_NothingIsPadded(int batch, int studentHeads, int teacherHeads, int sequence, int seed)
    {
        // Arrange
        var rng = new Random(seed);
        var student = RandomData.Array4(rng, batch, studentHeads, sequence, sequence, scale: 3);
        var teacher = RandomData.Array4(rng, batch, teacherHeads, sequence, sequence, scale: 3);
        var loss = new AttentionMseLoss();
        using var scope = NewDisposeScope();

        // Act
        var value = loss.Compute(TensorHelpers.FromArray(student), TensorHelpers.FromArray(teacher));

        // Assert
        value.dtype.Should().Be(ScalarType.Float32);
        value.ShouldBeClose(ReferenceLosses.AttentionMse(student, teacher, null), Approx.Float32);
    }

    [Theory]
    [InlineData(2, 2, ScalarType.Float32)]
    [InlineData(2, 6, ScalarType.Float32)]
    [InlineData(3, 6, ScalarType.Float64)]
    public void Compute_Should_CountOnlyTokenPairsTimesHeads_When_RowsHaveDifferentLengths(int studentHeads, int teacherHeads, ScalarType dtype)
    {
        // Arrange: sequence 9, true lengths 9, 5 and 2.
        var rng = new Random(411);
        var mask = RandomData.Mask(9, 9, 5, 2);
        var student = RandomData.Array4(rng, 3, studentHeads, 9, 9, scale: 3);
        var teacher = RandomData.Array4(rng, 3, teacherHeads, 9, 9, scale: 3);
        var loss = new AttentionMseLoss();
        using var scope = NewDisposeScope();

        // Act
        var value = loss.Compute(TensorHelpers.FromArray(student, dtype), TensorHelpers.FromArray(teacher, dtype), TensorHelpers.Mask(mask));

        // Assert
        value.ShouldBeClose(ReferenceLosses.AttentionMse(student, teacher, mask), Approx.For(dtype));
        var unmasked = TensorHelpers.Scalar(loss.Compute(TensorHelpers.FromArray(student, dtype), TensorHelpers.FromArray(teacher, dtype)));
        unmasked.Should().NotBeApproximately(TensorHelpers.Scalar(value), 1e-3, "padding must change what is averaged");
    }

    [Fact]
    public void Compute_Should_AcceptABooleanMask_When_MaskIsBool()
    {
        // Arrange
        var rng = new Random(412);
        var mask = RandomData.Mask(5, 3, 5);
        var student = RandomData.Array4(rng, 2, 2, 5, 5);
        var teacher = RandomData.Array4(rng, 2, 2, 5, 5);
        var loss = new AttentionMseLoss();
        using var scope = NewDisposeScope();

        // Act
        var value = loss.Compute(TensorHelpers.FromArray(student), TensorHelpers.FromArray(teacher), TensorHelpers.Mask(mask).to(ScalarType.Bool));

        // Assert
        value.ShouldBeClose(ReferenceLosses.AttentionMse(student, teacher, mask), Approx.Float32);
    }

    [Fact]
    public void Compute_Should_IgnorePaddedKeys_When_TeacherScoresCarryMinusInfinityThere()
    {
        // Arrange: teacher scores tapped before the softmax hold the additive mask (−inf) at padded keys.
        var rng = new Random(421);
        var mask = RandomData.Mask(5, 5, 3);
        var studentValues = RandomData.Array4(rng, 2, 2, 5, 5);
        var teacherValues = RandomData.Array4(rng, 2, 4, 5, 5);
        var reference = ReferenceLosses.AttentionMse(studentValues, teacherValues, mask); // before the −inf go in
        for (var h = 0; h < 4; h++)
        {
            for (var i = 0; i < 5; i++)
            {
                teacherValues[1, h, i, 3] = double.NegativeInfinity;
                teacherValues[1, h, i, 4] = double.NegativeInfinity;
            }
        }

        var student = TensorHelpers.Leaf(studentValues);
        var teacher = TensorHelpers.FromArray(teacherValues, ScalarType.Float64);
        var loss = new AttentionMseLoss();
        using var scope = NewDisposeScope();

        // Act
        var value = loss.Compute(student, teacher, TensorHelpers.Mask(mask));
        value.backward();

        // Assert
        value.ShouldBeClose(reference, Approx.Float64);
        TensorHelpers.Values(student.grad!).Should().OnlyContain(g => double.IsFinite(g));
    }

    [Fact]
    public void Compute_Should_AverageConsecutiveTeacherHeads_When_TeacherHasMoreHeads()
    {
        // Arrange: student head h equal to the mean of teacher heads 3h..3h+2 gives 0.
        var rng = new Random(431);
        var teacher = RandomData.Array4(rng, 1, 6, 5, 5);
        var student = ReferenceLosses.GroupHeads(teacher, 2);
        var loss = new AttentionMseLoss();
        using var scope = NewDisposeScope();

        // Act
        var value = TensorHelpers.Scalar(loss.Compute(TensorHelpers.FromArray(student, ScalarType.Float64), TensorHelpers.FromArray(teacher, ScalarType.Float64)));

        // Assert
        Math.Abs(value).Should().BeLessThan(1e-15);
    }

    [Fact]
    public void Compute_Should_SumUniformlyMappedLayers_When_CalledThroughLossInputsWithTeacherNulls()
    {
        // Arrange: 2 student layers over 6 teacher layers, uniform: 0 → 2, 1 → 5; only those teacher layers cached.
        var rng = new Random(441);
        var mask = RandomData.Mask(5, 5, 4, 2);
        var student = new[] { RandomData.Array4(rng, 3, 2, 5, 5), RandomData.Array4(rng, 3, 2, 5, 5) };
        var teacher2 = RandomData.Array4(rng, 3, 6, 5, 5);
        var teacher5 = RandomData.Array4(rng, 3, 6, 5, 5);
        ILossTerm loss = new AttentionMseLoss();
        using var scope = NewDisposeScope();
        var inputs = new LossInputs
        {
            AttentionMask = TensorHelpers.Mask(mask),
            StudentAttentionScores = student.Select(x => TensorHelpers.FromArray(x)).ToList(),
            TeacherAttentionScores = [null, null, TensorHelpers.FromArray(teacher2), null, null, TensorHelpers.FromArray(teacher5)],
        };

        // Act
        var value = loss.Compute(inputs);

        // Assert
        var expected = ReferenceLosses.AttentionMse(student[0], teacher2, mask) + ReferenceLosses.AttentionMse(student[1], teacher5, mask);
        value.ShouldBeClose(expected, Approx.Float32);
    }

    [Fact]
    public void Compute_Should_CompareProbabilitiesWithExplicitMap_When_KindIsProbabilities()
    {
        // Arrange: probabilities read from the probability lists, explicit map 0 → 1, 1 → 3, 2 → 0.
        var rng = new Random(442);
        var mask = RandomData.Mask(5, 3, 5);
        var student = Enumerable.Range(0, 3).Select(_ => RandomData.AttentionProbabilities(rng, 2, 2, mask)).ToArray();
        var teacher = Enumerable.Range(0, 4).Select(_ => RandomData.AttentionProbabilities(rng, 2, 2, mask)).ToArray();
        ILossTerm loss = new AttentionMseLoss(new AttentionMseLossOptions { Kind = AttentionKind.Probabilities, LayerMap = LayerMap.Explicit(1, 3, 0) });
        using var scope = NewDisposeScope();
        var inputs = new LossInputs
        {
            AttentionMask = TensorHelpers.Mask(mask),
            StudentAttentionProbabilities = student.Select(x => TensorHelpers.FromArray(x, ScalarType.Float64)).ToList(),
            TeacherAttentionProbabilities = [TensorHelpers.FromArray(teacher[0], ScalarType.Float64), TensorHelpers.FromArray(teacher[1], ScalarType.Float64), null, TensorHelpers.FromArray(teacher[3], ScalarType.Float64)],
            StudentAttentionScores = [randn(2, 2, 5, 5)], // present but not what this kind reads
        };

        // Act
        var value = loss.Compute(inputs);

        // Assert
        var expected = ReferenceLosses.AttentionMse(student[0], teacher[1], mask)
            + ReferenceLosses.AttentionMse(student[1], teacher[3], mask)
            + ReferenceLosses.AttentionMse(student[2], teacher[0], mask);
        value.ShouldBeClose(expected, Approx.Float64);
    }

    [Fact]
    public void Compute_Should_UseOnlyLastLayers_When_MapIsLast()
    {
        // Arrange
        var rng = new Random(443);
        var student = new[] { RandomData.Array4(rng, 1, 2, 5, 5), RandomData.Array4(rng, 1, 2, 5, 5) };
        var teacherLast = RandomData.Array4(rng, 1, 2, 5, 5);
        ILossTerm loss = new AttentionMseLoss(new AttentionMseLossOptions { LayerMap = LayerMap.Last });
        using var scope = NewDisposeScope();
        var inputs = new LossInputs
        {
            StudentAttentionScores = student.Select(x => TensorHelpers.FromArray(x)).ToList(),
            TeacherAttentionScores = [null, null, null, TensorHelpers.FromArray(teacherLast)],
        };

        // Act
        var value = loss.Compute(inputs);

        // Assert
        value.ShouldBeClose(ReferenceLosses.AttentionMse(student[1], teacherLast, null), Approx.Float32);
    }

    [Fact]
    public void Compute_Should_NameTheMissingLayer_When_MappedTeacherLayerIsNull()
    {
        // Arrange: uniform maps 2 student layers over 4 teacher layers to 1 and 3; layer 3 is missing.
        ILossTerm loss = new AttentionMseLoss();
        using var scope = NewDisposeScope();
        var inputs = new LossInputs
        {
            StudentAttentionScores = [randn(1, 2, 5, 5), randn(1, 2, 5, 5)],
            TeacherAttentionScores = [null, randn(1, 2, 5, 5), null, null],
        };

        // Act
        var act = () => loss.Compute(inputs);

        // Assert
        act.Should().Throw<InvalidOperationException>()
            .WithMessage("Loss 'attention_mse' maps a student layer to teacher layer 3, but LossInputs.TeacherAttentionScores has nothing for that layer (4 entries)*");
    }

    [Fact]
    public void Compute_Should_NameTheMissingProperty_When_TeacherScoresAreAbsent()
    {
        // Arrange
        ILossTerm loss = new AttentionMseLoss();
        using var scope = NewDisposeScope();

        // Act
        var act = () => loss.Compute(new LossInputs { StudentAttentionScores = [randn(1, 2, 5, 5)] });

        // Assert
        act.Should().Throw<InvalidOperationException>().WithMessage("Loss 'attention_mse' needs LossInputs.TeacherAttentionScores*");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Compute_Should_HaveGradientMatchingFiniteDifferences_When_InputsAreFloat64(bool masked)
    {
        // Arrange: 2 student heads against 6 teacher heads, sequence 5, lengths 5 and 3.
        var rng = new Random(451);
        var student = TensorHelpers.Leaf(RandomData.Array4(rng, 2, 2, 5, 5));
        var teacher = TensorHelpers.FromArray(RandomData.Array4(rng, 2, 6, 5, 5), ScalarType.Float64);
        var mask = masked ? TensorHelpers.Mask(RandomData.Mask(5, 5, 3)) : null;
        var loss = new AttentionMseLoss();

        // Act + Assert
        var grads = GradientChecker.Check(() => loss.Compute(student, teacher, mask), [student]);
        if (masked)
        {
            // Example 1, head 0, query 4 (padding): no gradient.
            grads[0].Skip(50 + 20).Take(5).Should().OnlyContain(g => g == 0);
        }
    }

    [Fact]
    public void Compute_Should_ExplainHeadCounts_When_TeacherHeadsAreNotAMultiple()
    {
        // Arrange
        var loss = new AttentionMseLoss();
        using var scope = NewDisposeScope();

        // Act
        var act = () => loss.Compute(randn(1, 2, 5, 5), randn(1, 5, 5, 5));

        // Assert
        act.Should().Throw<ArgumentException>()
            .Where(e => e.ParamName == "teacherAttention")
            .WithMessage("teacherAttention: attention_mse groups teacher heads onto student heads*got 5 teacher heads for 2 student heads*value_relation*");
    }

    [Fact]
    public void Compute_Should_NameArgumentAndShapes_When_MaskShapeIsWrong()
    {
        // Arrange
        var loss = new AttentionMseLoss();
        using var scope = NewDisposeScope();

        // Act
        var act = () => loss.Compute(randn(2, 2, 5, 5), randn(2, 2, 5, 5), ones(2, 4));

        // Assert
        act.Should().Throw<ArgumentException>()
            .Where(e => e.ParamName == "attentionMask")
            .WithMessage("attentionMask: expected shape [2, 5] ([batch, sequence]), got [2, 4]*");
    }

    [Fact]
    public void Compute_Should_NameArgumentAndLengths_When_SequenceLengthsDiffer()
    {
        // Arrange
        var loss = new AttentionMseLoss();
        using var scope = NewDisposeScope();

        // Act
        var act = () => loss.Compute(randn(2, 2, 5, 5), randn(2, 2, 7, 7));

        // Assert
        act.Should().Throw<ArgumentException>()
            .WithMessage("teacherAttention: expected sequence length 5 (as in studentAttention), got 7*one vocabulary*");
    }

    [Fact]
    public void Compute_Should_NameArgumentAndShape_When_StudentIsNotSquare()
    {
        // Arrange
        var loss = new AttentionMseLoss();
        using var scope = NewDisposeScope();

        // Act
        var act = () => loss.Compute(randn(2, 2, 5, 4), randn(2, 2, 5, 4));

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("studentAttention: expected shape [batch, heads, sequence, sequence], got [2, 2, 5, 4]*");
    }

    [Fact]
    public void Compute_Should_LeaveNoLiveTensors_When_Called()
    {
        // Arrange
        var loss = new AttentionMseLoss();
        using var student = randn(2, 2, 5, 5);
        using var teacher = randn(2, 6, 5, 5);
        using var mask = TensorHelpers.Mask(RandomData.Mask(5, 5, 2));
        var inputs = new LossInputs { AttentionMask = mask, StudentAttentionScores = [student, student], TeacherAttentionScores = [teacher, teacher] };

        // Act + Assert
        LeakCheck.ShouldLeaveNoTensors(() => loss.Compute(student, teacher, mask));
        LeakCheck.ShouldLeaveNoTensors(() => ((ILossTerm)loss).Compute(inputs));
    }

    [Fact]
    public void Compute_Should_LeaveNoLiveTensors_When_HeadCountsAreRejected()
    {
        // Arrange: the head check runs inside the term's dispose scope, after tensors were made.
        var loss = new AttentionMseLoss();
        using var student = randn(2, 2, 5, 5);
        using var teacher = randn(2, 3, 5, 5);
        using var mask = ones(2, 5);

        // Act + Assert
        LeakCheck.ShouldThrowWithoutLeaking<ArgumentException>(() => loss.Compute(student, teacher, mask));
    }

    [Fact]
    public void Formula_Should_ShowKindAndLayers_When_Printed()
    {
        // Act + Assert
        new AttentionMseLoss().Formula.Should().Be("Σ_layers MSE_masked(A_s, A_t) [scores, layers=uniform]");
        new AttentionMseLoss(new AttentionMseLossOptions { Kind = AttentionKind.Probabilities, LayerMap = LayerMap.Explicit(2, 5) }).ToString()
            .Should().Be("Σ_layers MSE_masked(A_s, A_t) [probabilities, layers=[0→2, 1→5]]");
    }
}

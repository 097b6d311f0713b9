using Distill.Losses.Tests.Support;
using static TorchSharp.torch;

namespace Distill.Losses.Tests;

public class AttentionKlLossTests
{
    [Theory]
    [InlineData(1, 2, 2, 5, 501)]
    [InlineData(3, 2, 6, 9, 502)]
    [InlineData(2, 3, 3, 5, 503)]
    public void Compute_Should_MatchReference_When_NothingIsPadded(int batch, int studentHeads, int teacherHeads, int sequence, int seed)
    {
        // Arrange
        var rng = new Random(seed);
        var mask = RandomData.Mask(sequence, Enumerable.Repeat(sequence, batch).ToArray());
        var student = RandomData.Array4(rng, batch, studentHeads, sequence, sequence, scale: 3);
        var teacher = RandomData.AttentionProbabilities(rng, batch, teacherHeads, mask);
        var loss = new AttentionKlLoss();
        using var scope = NewDisposeScope();

        // Act
        var value = loss.Compute(TensorHelpers.FromArray(student), TensorHelpers.FromArray(teacher));

        // Assert
        value.dtype.Should().Be(ScalarType.Float32);
        value.ShouldBeClose(ReferenceLosses.AttentionKl(student, teacher, null), Approx.Float32);
    }

    [Theory]
    [InlineData(2, 2, ScalarType.Float32)]
    [InlineData(2, 6, ScalarType.Float32)]
    [InlineData(3, 6, ScalarType.Float64)]
    public void Compute_Should_UseValidKeysAndQueriesOnly_When_RowsHaveDifferentLengths(int studentHeads, int teacherHeads, ScalarType dtype)
    {
        // Arrange: sequence 9, lengths 9, 6 and 1; student scores at padded positions are large so that a leak shows.
        var rng = new Random(511);
        var mask = RandomData.Mask(9, 9, 6, 1);
        var student = RandomData.Array4(rng, 3, studentHeads, 9, 9, scale: 3);
        for (var b = 0; b < 3; b++)
        {
            for (var h = 0; h < studentHeads; h++)
            {
                for (var i = 0; i < 9; i++)
                {
                    for (var j = 0; j < 9; j++)
                    {
                        if (!mask[b, i] || !mask[b, j])
                        {
                            student[b, h, i, j] = 50;
                        }
                    }
                }
            }
        }

        var teacher = RandomData.AttentionProbabilities(rng, 3, teacherHeads, mask);
        var loss = new AttentionKlLoss();
        using var scope = NewDisposeScope();

        // Act
        var value = loss.Compute(TensorHelpers.FromArray(student, dtype), TensorHelpers.FromArray(teacher, dtype), TensorHelpers.Mask(mask));

        // Assert
        value.ShouldBeClose(ReferenceLosses.AttentionKl(student, teacher, mask), Approx.For(dtype));
    }

    [Fact]
    public void Compute_Should_BeZero_When_TeacherIsTheStudentsMaskedSoftmax()
    {
        // Arrange
        var rng = new Random(521);
        var mask = RandomData.Mask(5, 5, 3);
        var scores = RandomData.Array4(rng, 2, 2, 5, 5, scale: 3);
        var probabilities = new double[2, 2, 5, 5];
        for (var b = 0; b < 2; b++)
        {
            var keys = Enumerable.Range(0, 5).Where(j => mask[b, j]).ToArray();
            for (var h = 0; h < 2; h++)
            {
                for (var i = 0; i < 5; i++)
                {
                    var p = ReferenceLosses.Softmax(keys.Select(j => scores[b, h, i, j]).ToArray());
                    for (var k = 0; k < keys.Length; k++)
                    {
                        probabilities[b, h, i, keys[k]] = p[k];
                    }
                }
            }
        }

        var loss = new AttentionKlLoss();
        using var scope = NewDisposeScope();

        // Act
        var value = TensorHelpers.Scalar(loss.Compute(
            TensorHelpers.FromArray(scores, ScalarType.Float64), TensorHelpers.FromArray(probabilities, ScalarType.Float64), TensorHelpers.Mask(mask)));

        // Assert
        Math.Abs(value).Should().BeLessThan(1e-14);
    }

    [Fact]
    public void Compute_Should_UseLastLayersByDefault_When_CalledThroughLossInputs()
    {
        // Arrange: the default map is last: student layer 2 with teacher layer 5; the other teacher layers are null.
        var rng = new Random(531);
        var mask = RandomData.Mask(5, 4, 5);
        var student = Enumerable.Range(0, 3).Select(_ => RandomData.Array4(rng, 2, 2, 5, 5)).ToArray();
        var teacherLast = RandomData.AttentionProbabilities(rng, 2, 6, mask);
        ILossTerm loss = new AttentionKlLoss();
        using var scope = NewDisposeScope();
        var inputs = new LossInputs
        {
            AttentionMask = TensorHelpers.Mask(mask),
            StudentAttentionScores = student.Select(x => TensorHelpers.FromArray(x)).ToList(),
            TeacherAttentionProbabilities = [null, null, null, null, null, TensorHelpers.FromArray(teacherLast)],
        };

        // Act
        var value = loss.Compute(inputs);

        // Assert
        value.ShouldBeClose(ReferenceLosses.AttentionKl(student[2], teacherLast, mask), Approx.Float32);
    }

    [Fact]
    public void Compute_Should_SumMappedLayers_When_MapIsUniform()
    {
        // Arrange: 2 student layers over 4 teacher layers: 0 → 1, 1 → 3.
        var rng = new Random(532);
        var mask = RandomData.Mask(5, 5, 2);
        var student = Enumerable.Range(0, 2).Select(_ => RandomData.Array4(rng, 2, 2, 5, 5)).ToArray();
        var teacher1 = RandomData.AttentionProbabilities(rng, 2, 2, mask);
        var teacher3 = RandomData.AttentionProbabilities(rng, 2, 2, mask);
        ILossTerm loss = new AttentionKlLoss(new AttentionKlLossOptions { LayerMap = LayerMap.Uniform });
        using var scope = NewDisposeScope();
        var inputs = new LossInputs
        {
            AttentionMask = TensorHelpers.Mask(mask),
            StudentAttentionScores = student.Select(x => TensorHelpers.FromArray(x, ScalarType.Float64)).ToList(),
            TeacherAttentionProbabilities = [null, TensorHelpers.FromArray(teacher1, ScalarType.Float64), null, TensorHelpers.FromArray(teacher3, ScalarType.Float64)],
        };

        // Act
        var value = loss.Compute(inputs);

        // Assert
        var expected = ReferenceLosses.AttentionKl(student[0], teacher1, mask) + ReferenceLosses.AttentionKl(student[1], teacher3, mask);
        value.ShouldBeClose(expected, Approx.Float64);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Compute_Should_HaveGradientMatchingFiniteDifferences_When_InputsAreFloat64(bool masked)
    {
        // Arrange: 2 student heads against 6 teacher heads, sequence 5.
        var rng = new Random(541);
        var maskValues = masked ? RandomData.Mask(5, 5, 3) : RandomData.Mask(5, 5, 5);
        var student = TensorHelpers.Leaf(RandomData.Array4(rng, 2, 2, 5, 5, scale: 2));
        var teacher = TensorHelpers.FromArray(RandomData.AttentionProbabilities(rng, 2, 6, maskValues), ScalarType.Float64);
        var mask = masked ? TensorHelpers.Mask(maskValues) : null;
        var loss = new AttentionKlLoss();

        // Act + Assert
        var grads = GradientChecker.Check(() => loss.Compute(student, teacher, mask), [student]);
        if (masked)
        {
            // Example 1, head 0, query 1 (a token): no gradient at the padded keys 3 and 4.
            grads[0][50 + 5 + 3].Should().Be(0);
            grads[0][50 + 5 + 4].Should().Be(0);
        }
    }

    [Fact]
    public void Compute_Should_ExplainHeadCounts_When_TeacherHeadsAreNotAMultiple()
    {
        // Arrange
        var loss = new AttentionKlLoss();
        using var scope = NewDisposeScope();

        // Act
        var act = () => loss.Compute(randn(1, 4, 5, 5), randn(1, 6, 5, 5));

        // Assert
        act.Should().Throw<ArgumentException>()
            .Where(e => e.ParamName == "teacherProbabilities")
            .WithMessage("teacherProbabilities: attention_kl groups teacher heads*got 6 teacher heads for 4 student heads*");
    }

    [Fact]
    public void Compute_Should_NameArgumentAndShapes_When_BatchSizesDiffer()
    {
        // Arrange
        var loss = new AttentionKlLoss();
        using var scope = NewDisposeScope();

        // Act
        var act = () => loss.Compute(randn(2, 2, 5, 5), randn(1, 2, 5, 5));

        // Assert
        act.Should().Throw<ArgumentException>()
            .WithMessage("teacherProbabilities: expected batch (as in studentScores) = 2 in dimension 0, got 1 (shape [1, 2, 5, 5])*");
    }

    [Fact]
    public void Compute_Should_NameArgumentAndShapes_When_MaskShapeIsWrong()
    {
        // Arrange
        var loss = new AttentionKlLoss();
        using var scope = NewDisposeScope();

        // Act
        var act = () => loss.Compute(randn(2, 2, 5, 5), randn(2, 2, 5, 5), ones(5));

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("attentionMask: expected shape [2, 5] ([batch, sequence]), got [5]*");
    }

    [Fact]
    public void Compute_Should_LeaveNoLiveTensors_When_Called()
    {
        // Arrange
        var loss = new AttentionKlLoss();
        using var student = randn(2, 2, 5, 5);
        using var teacher = nn.functional.softmax(randn(2, 6, 5, 5), -1);
        using var mask = TensorHelpers.Mask(RandomData.Mask(5, 5, 2));
        var inputs = new LossInputs { AttentionMask = mask, StudentAttentionScores = [student], TeacherAttentionProbabilities = [teacher] };

        // Act + Assert
        LeakCheck.ShouldLeaveNoTensors(() => loss.Compute(student, teacher, mask));
        LeakCheck.ShouldLeaveNoTensors(() => loss.Compute(student, teacher));
        LeakCheck.ShouldLeaveNoTensors(() => ((ILossTerm)loss).Compute(inputs));
    }

    [Fact]
    public void Formula_Should_ShowLayers_When_Printed()
    {
        // Act + Assert
        new AttentionKlLoss().Formula.Should().Be("Σ_layers mean_(h,i) KL(A_t ‖ softmax(S_s)) [layers=last]");
    }
}

using Distill.Losses.Tests.Support;
using static TorchSharp.torch;

namespace Distill.Losses.Tests;

public class HiddenCosineLossTests
{
    [Theory]
    [InlineData(1, 5, 3, 801)]
    [InlineData(3, 9, 7, 802)]
    [InlineData(2, 5, 16, 803)]
    public void Compute_Should_MatchReference_When_NothingIsPadded(int batch, int sequence, int hidden, int seed)
    {
        // Arrange
        var rng = new Random(seed);
        var student = RandomData.Array3(rng, batch, sequence, hidden, scale: 2);
        var teacher = RandomData.Array3(rng, batch, sequence, hidden, scale: 2);
        var loss = new HiddenCosineLoss();
        using var scope = NewDisposeScope();

        // Act
        var value = loss.Compute(TensorHelpers.FromArray(student), TensorHelpers.FromArray(teacher));

        // Assert
        value.dtype.Should().Be(ScalarType.Float32);
        value.ShouldBeClose(ReferenceLosses.Cosine(student, teacher, null), Approx.Float32);
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float64)]
    public void Compute_Should_AverageOverTokens_When_RowsHaveDifferentLengths(ScalarType dtype)
    {
        // Arrange: sequence 9, lengths 2, 9, 5.
        var rng = new Random(811);
        var mask = RandomData.Mask(9, 2, 9, 5);
        var student = RandomData.Array3(rng, 3, 9, 5, scale: 2);
        var teacher = RandomData.Array3(rng, 3, 9, 5, scale: 2);
        var loss = new HiddenCosineLoss();
        using var scope = NewDisposeScope();

        // Act
        var value = loss.Compute(TensorHelpers.FromArray(student, dtype), TensorHelpers.FromArray(teacher, dtype), TensorHelpers.Mask(mask));

        // Assert
        value.ShouldBeClose(ReferenceLosses.Cosine(student, teacher, mask), Approx.For(dtype));
    }

    [Fact]
    public void Compute_Should_BeZeroOrTwo_When_TeacherIsAPositiveOrNegativeMultiple()
    {
        // Arrange: cosine compares directions only.
        var rng = new Random(821);
        var student = RandomData.Array3(rng, 2, 5, 4, scale: 2);
        var scaled = new double[2, 5, 4];
        var flipped = new double[2, 5, 4];
        for (var b = 0; b < 2; b++)
        {
            for (var l = 0; l < 5; l++)
            {
                for (var k = 0; k < 4; k++)
                {
                    scaled[b, l, k] = 3.5 * student[b, l, k];
                    flipped[b, l, k] = -0.5 * student[b, l, k];
                }
            }
        }

        var loss = new HiddenCosineLoss();
        using var scope = NewDisposeScope();
        var s = TensorHelpers.FromArray(student, ScalarType.Float64);

        // Act
        var same = TensorHelpers.Scalar(loss.Compute(s, TensorHelpers.FromArray(scaled, ScalarType.Float64)));
        var opposite = TensorHelpers.Scalar(loss.Compute(s, TensorHelpers.FromArray(flipped, ScalarType.Float64)));

        // Assert
        same.ShouldBeClose(0, 1e-14);
        opposite.ShouldBeClose(2, 1e-14);
    }

    [Fact]
    public void Compute_Should_UseLastLayerByDefault_When_CalledThroughLossInputs()
    {
        // Arrange: hidden-state lists start with the embeddings; last pairs index 3 with index 5.
        var rng = new Random(831);
        var mask = RandomData.Mask(5, 5, 4);
        var student = Enumerable.Range(0, 4).Select(_ => RandomData.Array3(rng, 2, 5, 6)).ToArray();
        var teacherLast = RandomData.Array3(rng, 2, 5, 6);
        ILossTerm loss = new HiddenCosineLoss();
        using var scope = NewDisposeScope();
        var inputs = new LossInputs
        {
            AttentionMask = TensorHelpers.Mask(mask),
            StudentHiddenStates = student.Select(x => TensorHelpers.FromArray(x)).ToList(),
            TeacherHiddenStates = [null, null, null, null, null, TensorHelpers.FromArray(teacherLast)],
        };

        // Act
        var value = loss.Compute(inputs);

        // Assert
        value.ShouldBeClose(ReferenceLosses.Cosine(student[3], teacherLast, mask), Approx.Float32);
    }

    [Fact]
    public void Compute_Should_AddEmbeddingsAndUniformLayers_When_EmbeddingsAreOn()
    {
        // Arrange: 3 student layers over 6 teacher layers, uniform: 0 → 1, 1 → 3, 2 → 5 (indices 1 → 2, 2 → 4, 3 → 6).
        var rng = new Random(832);
        var student = Enumerable.Range(0, 4).Select(_ => RandomData.Array3(rng, 1, 5, 3)).ToArray();
        var teacher = Enumerable.Range(0, 7).Select(_ => RandomData.Array3(rng, 1, 5, 3)).ToArray();
        ILossTerm loss = new HiddenCosineLoss(new HiddenCosineLossOptions { IncludeEmbeddings = true, LayerMap = LayerMap.Uniform });
        using var scope = NewDisposeScope();
        var inputs = new LossInputs
        {
            StudentHiddenStates = student.Select(x => TensorHelpers.FromArray(x, ScalarType.Float64)).ToList(),
            TeacherHiddenStates = teacher.Select((x, i) => i is 0 or 2 or 4 or 6 ? TensorHelpers.FromArray(x, ScalarType.Float64) : null).ToList(),
        };

        // Act
        var value = loss.Compute(inputs);

        // Assert
        var expected = ReferenceLosses.Cosine(student[0], teacher[0], null) + ReferenceLosses.Cosine(student[1], teacher[2], null)
            + ReferenceLosses.Cosine(student[2], teacher[4], null) + ReferenceLosses.Cosine(student[3], teacher[6], null);
        value.ShouldBeClose(expected, Approx.Float64);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Compute_Should_HaveGradientMatchingFiniteDifferences_When_InputsAreFloat64(bool masked)
    {
        // Arrange
        var rng = new Random(841);
        var student = TensorHelpers.Leaf(RandomData.Array3(rng, 2, 5, 4, scale: 2));
        var teacher = TensorHelpers.FromArray(RandomData.Array3(rng, 2, 5, 4, scale: 2), ScalarType.Float64);
        var mask = masked ? TensorHelpers.Mask(RandomData.Mask(5, 3, 5)) : null;
        var loss = new HiddenCosineLoss();

        // Act + Assert
        var grads = GradientChecker.Check(() => loss.Compute(student, teacher, mask), [student]);
        if (masked)
        {
            grads[0].Skip(3 * 4).Take(2 * 4).Should().OnlyContain(g => g == 0, "padded tokens of example 0 get no gradient");
        }
    }

    [Fact]
    public void Compute_Should_NameSizesAndSuggestHiddenMse_When_HiddenSizesDiffer()
    {
        // Arrange
        var loss = new HiddenCosineLoss();
        using var scope = NewDisposeScope();

        // Act
        var act = () => loss.Compute(randn(2, 5, 4), randn(2, 5, 6));

        // Assert
        act.Should().Throw<ArgumentException>()
            .Where(e => e.ParamName == "teacherHidden")
            .WithMessage("teacherHidden: cosine needs equal hidden sizes, got student 4 and teacher 6; use hidden_mse*");
    }

    [Fact]
    public void Compute_Should_NameArgumentAndShape_When_TeacherIsNotRank3()
    {
        // Arrange
        var loss = new HiddenCosineLoss();
        using var scope = NewDisposeScope();

        // Act
        var act = () => loss.Compute(randn(2, 5, 4), randn(10, 4));

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("teacherHidden: expected shape [batch, sequence, hidden], got [10, 4]*");
    }

    [Fact]
    public void Compute_Should_NameArgumentAndShapes_When_BatchSizesDiffer()
    {
        // Arrange
        var loss = new HiddenCosineLoss();
        using var scope = NewDisposeScope();

        // Act
        var act = () => loss.Compute(randn(2, 5, 4), randn(3, 5, 4));

        // Assert
        act.Should().Throw<ArgumentException>()
            .WithMessage("teacherHidden: expected batch (as in studentHidden) = 2 in dimension 0, got 3 (shape [3, 5, 4])*");
    }

    [Fact]
    public void Compute_Should_LeaveNoLiveTensors_When_Called()
    {
        // Arrange
        var loss = new HiddenCosineLoss();
        using var student = randn(2, 5, 4);
        using var teacher = randn(2, 5, 4);
        using var mask = TensorHelpers.Mask(RandomData.Mask(5, 5, 1));
        var inputs = new LossInputs { AttentionMask = mask, StudentHiddenStates = [student, student], TeacherHiddenStates = [teacher, teacher] };

        // Act + Assert
        LeakCheck.ShouldLeaveNoTensors(() => loss.Compute(student, teacher, mask));
        LeakCheck.ShouldLeaveNoTensors(() => ((ILossTerm)loss).Compute(inputs));
    }

    [Fact]
    public void Formula_Should_ShowLayersAndEmbeddings_When_Printed()
    {
        // Act + Assert
        new HiddenCosineLoss().Formula.Should().Be("Σ_layers mean_tokens(1 − cos(h_s, h_t)) [layers=last]");
        new HiddenCosineLoss(new HiddenCosineLossOptions { IncludeEmbeddings = true }).ToString()
            .Should().Be("Σ_layers mean_tokens(1 − cos(h_s, h_t)) [layers=last + embeddings]");
    }
}

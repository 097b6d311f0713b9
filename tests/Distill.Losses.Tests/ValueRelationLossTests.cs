using Distill.Losses.Tests.Support;
using static TorchSharp.torch;

namespace Distill.Losses.Tests;

public class ValueRelationLossTests
{
    [Theory]
    [InlineData(1, 2, 3, 2, 3, 5, 601)]
    [InlineData(3, 2, 4, 2, 4, 9, 602)]
    [InlineData(2, 3, 2, 3, 5, 5, 603)]
    public void Compute_Should_MatchReference_When_RelationHeadsDefaultToStudentHeads(int batch, int heads, int studentSize, int teacherHeads, int teacherSize, int sequence, int seed)
    {
        // Arrange
        var rng = new Random(seed);
        var student = RandomData.Array4(rng, batch, heads, sequence, studentSize, scale: 2);
        var teacher = RandomData.Array4(rng, batch, teacherHeads, sequence, teacherSize, scale: 2);
        var loss = new ValueRelationLoss();
        using var scope = NewDisposeScope();

        // Act
        var value = loss.Compute(TensorHelpers.FromArray(student), TensorHelpers.FromArray(teacher));

        // Assert
        value.dtype.Should().Be(ScalarType.Float32);
        value.ShouldBeClose(ReferenceLosses.ValueRelation(student, teacher, heads, null), Approx.Float32);
    }

    [Theory]
    [InlineData(4, ScalarType.Float32)]
    [InlineData(4, ScalarType.Float64)]
    [InlineData(6, ScalarType.Float64)]
    [InlineData(1, ScalarType.Float32)]
    public void Compute_Should_SplitConcatenatedHeadsIntoRelationHeads_When_HeadCountsDiffer(int relationHeads, ScalarType dtype)
    {
        // Arrange: student 2 heads × 6 = 12, teacher 6 heads × 4 = 24; sequence 9 with lengths 9, 4, 7.
        var rng = new Random(611);
        var mask = RandomData.Mask(9, 9, 4, 7);
        var student = RandomData.Array4(rng, 3, 2, 9, 6, scale: 2);
        var teacher = RandomData.Array4(rng, 3, 6, 9, 4, scale: 2);
        var loss = new ValueRelationLoss(new ValueRelationLossOptions { RelationHeads = relationHeads });
        using var scope = NewDisposeScope();

        // Act
        var value = loss.Compute(TensorHelpers.FromArray(student, dtype), TensorHelpers.FromArray(teacher, dtype), TensorHelpers.Mask(mask));

        // Assert
        value.ShouldBeClose(ReferenceLosses.ValueRelation(student, teacher, relationHeads, mask), Approx.For(dtype));
    }

    [Fact]
    public void Compute_Should_BeZero_When_StudentValuesEqualTeacherValues()
    {
        // Arrange
        var values = RandomData.Array4(new Random(621), 2, 3, 5, 4, scale: 2);
        var loss = new ValueRelationLoss();
        using var scope = NewDisposeScope();
        var x = TensorHelpers.FromArray(values, ScalarType.Float64);

        // Act
        var value = TensorHelpers.Scalar(loss.Compute(x, x, TensorHelpers.Mask(RandomData.Mask(5, 5, 3))));

        // Assert
        Math.Abs(value).Should().BeLessThan(1e-14);
    }

    [Fact]
    public void Compute_Should_UseExplicitMap_When_CalledThroughLossInputsWithTeacherNulls()
    {
        // Arrange: student layers 0, 1 learn from teacher layers 2, 4.
        var rng = new Random(631);
        var mask = RandomData.Mask(5, 2, 5);
        var student = Enumerable.Range(0, 2).Select(_ => RandomData.Array4(rng, 2, 2, 5, 3)).ToArray();
        var teacher2 = RandomData.Array4(rng, 2, 6, 5, 2);
        var teacher4 = RandomData.Array4(rng, 2, 6, 5, 2);
        ILossTerm loss = new ValueRelationLoss(new ValueRelationLossOptions { LayerMap = LayerMap.Explicit(2, 4), RelationHeads = 3 });
        using var scope = NewDisposeScope();
        var inputs = new LossInputs
        {
            AttentionMask = TensorHelpers.Mask(mask),
            StudentValues = student.Select(x => TensorHelpers.FromArray(x)).ToList(),
            TeacherValues = [null, null, TensorHelpers.FromArray(teacher2), null, TensorHelpers.FromArray(teacher4)],
        };

        // Act
        var value = loss.Compute(inputs);

        // Assert
        var expected = ReferenceLosses.ValueRelation(student[0], teacher2, 3, mask) + ReferenceLosses.ValueRelation(student[1], teacher4, 3, mask);
        value.ShouldBeClose(expected, Approx.Float32);
    }

    [Fact]
    public void Compute_Should_UseLastLayersByDefault_When_CalledThroughLossInputs()
    {
        // Arrange
        var rng = new Random(632);
        var student = Enumerable.Range(0, 3).Select(_ => RandomData.Array4(rng, 1, 2, 5, 3)).ToArray();
        var teacherLast = RandomData.Array4(rng, 1, 2, 5, 3);
        ILossTerm loss = new ValueRelationLoss();
        using var scope = NewDisposeScope();
        var inputs = new LossInputs
        {
            StudentValues = student.Select(x => TensorHelpers.FromArray(x)).ToList(),
            TeacherValues = [null, TensorHelpers.FromArray(teacherLast)],
        };

        // Act
        var value = loss.Compute(inputs);

        // Assert
        value.ShouldBeClose(ReferenceLosses.ValueRelation(student[2], teacherLast, 2, null), Approx.Float32);
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData(4, true)]
    public void Compute_Should_HaveGradientMatchingFiniteDifferences_When_InputsAreFloat64(int? relationHeads, bool masked)
    {
        // Arrange: student 2 heads × 2, teacher 6 heads × 2, sequence 5.
        var rng = new Random(641);
        var student = TensorHelpers.Leaf(RandomData.Array4(rng, 2, 2, 5, 2, scale: 2));
        var teacher = TensorHelpers.FromArray(RandomData.Array4(rng, 2, 6, 5, 2, scale: 2), ScalarType.Float64);
        var mask = masked ? TensorHelpers.Mask(RandomData.Mask(5, 5, 3)) : null;
        var loss = new ValueRelationLoss(new ValueRelationLossOptions { RelationHeads = relationHeads });

        // Act + Assert
        GradientChecker.Check(() => loss.Compute(student, teacher, mask), [student]);
    }

    [Fact]
    public void Compute_Should_NameArgumentAndWidths_When_RelationHeadsDoNotDivideTheWidth()
    {
        // Arrange: teacher 3 × 5 = 15 is not divisible by 2 relation heads.
        var loss = new ValueRelationLoss(new ValueRelationLossOptions { RelationHeads = 2 });
        using var student = randn(1, 2, 5, 4);
        using var teacher = randn(1, 3, 5, 5);

        // Act
        var error = LeakCheck.ShouldThrowWithoutLeaking<ArgumentException>(() => loss.Compute(student, teacher));

        // Assert
        error.ParamName.Should().Be("teacherValues");
        error.Message.Should().StartWith("teacherValues: heads × head size = 3 × 5 = 15 is not divisible by 2 relation heads");
    }

    [Fact]
    public void Compute_Should_NameArgumentAndLengths_When_SequenceLengthsDiffer()
    {
        // Arrange
        var loss = new ValueRelationLoss();
        using var scope = NewDisposeScope();

        // Act
        var act = () => loss.Compute(randn(1, 2, 5, 4), randn(1, 2, 6, 4));

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("teacherValues: expected sequence length 5 (as in studentValues), got 6*");
    }

    [Fact]
    public void Compute_Should_NameArgumentAndShape_When_StudentIsNotRank4()
    {
        // Arrange
        var loss = new ValueRelationLoss();
        using var scope = NewDisposeScope();

        // Act
        var act = () => loss.Compute(randn(1, 5, 8), randn(1, 2, 5, 4));

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("studentValues: expected shape [batch, heads, sequence, head size], got [1, 5, 8]*");
    }

    [Fact]
    public void Constructor_Should_Throw_When_RelationHeadsIsBelowOne()
    {
        // Act
        var act = () => new ValueRelationLoss(new ValueRelationLossOptions { RelationHeads = 0 });

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("Loss 'value_relation': relation_heads must be >= 1 (was 0)");
    }

    [Fact]
    public void Compute_Should_LeaveNoLiveTensors_When_Called()
    {
        // Arrange
        var loss = new ValueRelationLoss(new ValueRelationLossOptions { RelationHeads = 4 });
        using var student = randn(2, 2, 5, 6);
        using var teacher = randn(2, 6, 5, 4);
        using var mask = TensorHelpers.Mask(RandomData.Mask(5, 5, 2));
        var inputs = new LossInputs { AttentionMask = mask, StudentValues = [student], TeacherValues = [teacher] };

        // Act + Assert
        LeakCheck.ShouldLeaveNoTensors(() => loss.Compute(student, teacher, mask));
        LeakCheck.ShouldLeaveNoTensors(() => ((ILossTerm)loss).Compute(inputs));
    }

    [Fact]
    public void Formula_Should_ShowRelationHeadsAndLayers_When_Printed()
    {
        // Act + Assert
        new ValueRelationLoss().Formula.Should().Be("Σ_layers mean_(r,i) KL(softmax(V_t·V_tᵀ/√d) ‖ softmax(V_s·V_sᵀ/√d)) [relation heads=student heads, layers=last]");
        new ValueRelationLoss(new ValueRelationLossOptions { RelationHeads = 12 }).ToString().Should().Contain("[relation heads=12, layers=last]");
    }
}

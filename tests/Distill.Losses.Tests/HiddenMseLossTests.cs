using Distill.Losses.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Distill.Losses.Tests;

public class HiddenMseLossTests
{
    /// <summary>The module's projection as plain arrays: weight [teacher hidden, student hidden] and bias.</summary>
    private static (double[,] Weight, double[] Bias) Projection(HiddenMseLoss loss)
    {
        var parameters = loss.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        return (TensorHelpers.ToMatrix(parameters["projection.weight"]), TensorHelpers.Values(parameters["projection.bias"]));
    }

    [Theory]
    [InlineData(1, 5, 3, 7, 701)]
    [InlineData(3, 9, 4, 6, 702)]
    [InlineData(2, 5, 6, 6, 703)]
    public void Compute_Should_MatchReferenceWithModuleWeights_When_InputsAreRandomFloat32(int batch, int sequence, int studentHidden, int teacherHidden, int seed)
    {
        // Arrange
        var rng = new Random(seed);
        var student = RandomData.Array3(rng, batch, sequence, studentHidden, scale: 2);
        var teacher = RandomData.Array3(rng, batch, sequence, teacherHidden, scale: 2);
        using var loss = new HiddenMseLoss(studentHidden, teacherHidden);
        var (weight, bias) = Projection(loss);
        using var scope = NewDisposeScope();

        // Act
        var value = loss.Compute(TensorHelpers.FromArray(student), TensorHelpers.FromArray(teacher));

        // Assert
        value.dtype.Should().Be(ScalarType.Float32);
        value.ShouldBeClose(ReferenceLosses.HiddenMse(student, teacher, weight, bias, null), Approx.Float32);
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float64)]
    public void Compute_Should_AverageOverTokensTimesTeacherHidden_When_RowsHaveDifferentLengths(ScalarType dtype)
    {
        // Arrange: sequence 9, lengths 9, 3, 6; the module is converted to the dtype of the inputs.
        var rng = new Random(711);
        var mask = RandomData.Mask(9, 9, 3, 6);
        var student = RandomData.Array3(rng, 3, 9, 4, scale: 2);
        var teacher = RandomData.Array3(rng, 3, 9, 7, scale: 2);
        using var loss = new HiddenMseLoss(4, 7);
        loss.to(dtype);
        var (weight, bias) = Projection(loss);
        using var scope = NewDisposeScope();

        // Act
        var value = loss.Compute(TensorHelpers.FromArray(student, dtype), TensorHelpers.FromArray(teacher, dtype), TensorHelpers.Mask(mask));

        // Assert
        value.dtype.Should().Be(dtype);
        value.ShouldBeClose(ReferenceLosses.HiddenMse(student, teacher, weight, bias, mask), Approx.For(dtype));
    }

    [Fact]
    public void Compute_Should_CompareHiddenStatesDirectly_When_ProjectionIsOff()
    {
        // Arrange
        var rng = new Random(721);
        var mask = RandomData.Mask(5, 5, 2);
        var student = RandomData.Array3(rng, 2, 5, 6, scale: 2);
        var teacher = RandomData.Array3(rng, 2, 5, 6, scale: 2);
        using var loss = new HiddenMseLoss(6, 6, new HiddenMseLossOptions { UseProjection = false });
        using var scope = NewDisposeScope();

        // Act
        var value = loss.Compute(TensorHelpers.FromArray(student, ScalarType.Float64), TensorHelpers.FromArray(teacher, ScalarType.Float64), TensorHelpers.Mask(mask));

        // Assert
        value.ShouldBeClose(ReferenceLosses.HiddenMse(student, teacher, null, null, mask), Approx.Float64);
        ((ILossTerm)loss).Parameters().Should().BeEmpty();
    }

    [Fact]
    public void Compute_Should_PairEmbeddingsAndUniformLayers_When_CalledThroughLossInputs()
    {
        // Arrange: 2 student layers over 6 teacher layers, uniform: 0 → 2, 1 → 5, i.e. hidden-state indices
        // 1 → 3 and 2 → 6, plus embeddings 0 → 0; teacher indices 1, 2, 4, 5 were not cached.
        var rng = new Random(731);
        var mask = RandomData.Mask(5, 5, 3);
        var student = Enumerable.Range(0, 3).Select(_ => RandomData.Array3(rng, 2, 5, 3)).ToArray();
        var teacher = Enumerable.Range(0, 7).Select(_ => RandomData.Array3(rng, 2, 5, 4)).ToArray();
        using var loss = new HiddenMseLoss(3, 4);
        var (weight, bias) = Projection(loss);
        using var scope = NewDisposeScope();
        var inputs = new LossInputs
        {
            AttentionMask = TensorHelpers.Mask(mask),
            StudentHiddenStates = student.Select(x => TensorHelpers.FromArray(x)).ToList(),
            TeacherHiddenStates = teacher.Select((x, i) => i is 0 or 3 or 6 ? TensorHelpers.FromArray(x) : null).ToList(),
        };

        // Act
        var value = ((ILossTerm)loss).Compute(inputs);

        // Assert
        var expected = ReferenceLosses.HiddenMse(student[0], teacher[0], weight, bias, mask)
            + ReferenceLosses.HiddenMse(student[1], teacher[3], weight, bias, mask)
            + ReferenceLosses.HiddenMse(student[2], teacher[6], weight, bias, mask);
        value.ShouldBeClose(expected, Approx.Float32);
    }

    [Fact]
    public void Compute_Should_SkipEmbeddingsAndUseExplicitMap_When_EmbeddingsAreOff()
    {
        // Arrange: layers 0 → 1 and 1 → 0 (hidden-state indices 1 → 2, 2 → 1); index 0 is null and unused.
        var rng = new Random(732);
        var student = Enumerable.Range(0, 3).Select(_ => RandomData.Array3(rng, 1, 5, 3)).ToArray();
        var teacher = Enumerable.Range(0, 3).Select(_ => RandomData.Array3(rng, 1, 5, 3)).ToArray();
        using var loss = new HiddenMseLoss(3, 3, new HiddenMseLossOptions { IncludeEmbeddings = false, LayerMap = LayerMap.Explicit(1, 0) });
        var (weight, bias) = Projection(loss);
        using var scope = NewDisposeScope();
        var inputs = new LossInputs
        {
            StudentHiddenStates = student.Select(x => TensorHelpers.FromArray(x)).ToList(),
            TeacherHiddenStates = [null, TensorHelpers.FromArray(teacher[1]), TensorHelpers.FromArray(teacher[2])],
        };

        // Act
        var value = ((ILossTerm)loss).Compute(inputs);

        // Assert
        var expected = ReferenceLosses.HiddenMse(student[1], teacher[2], weight, bias, null) + ReferenceLosses.HiddenMse(student[2], teacher[1], weight, bias, null);
        value.ShouldBeClose(expected, Approx.Float32);
    }

    [Fact]
    public void Compute_Should_UseLastLayerAndEmbeddings_When_MapIsLast()
    {
        // Arrange
        var rng = new Random(733);
        var student = Enumerable.Range(0, 3).Select(_ => RandomData.Array3(rng, 1, 5, 2)).ToArray();
        var teacher = Enumerable.Range(0, 5).Select(_ => RandomData.Array3(rng, 1, 5, 3)).ToArray();
        using var loss = new HiddenMseLoss(2, 3, new HiddenMseLossOptions { LayerMap = LayerMap.Last });
        var (weight, bias) = Projection(loss);
        using var scope = NewDisposeScope();
        var inputs = new LossInputs
        {
            StudentHiddenStates = student.Select(x => TensorHelpers.FromArray(x)).ToList(),
            TeacherHiddenStates = [TensorHelpers.FromArray(teacher[0]), null, null, null, TensorHelpers.FromArray(teacher[4])],
        };

        // Act
        var value = ((ILossTerm)loss).Compute(inputs);

        // Assert
        var expected = ReferenceLosses.HiddenMse(student[0], teacher[0], weight, bias, null) + ReferenceLosses.HiddenMse(student[2], teacher[4], weight, bias, null);
        value.ShouldBeClose(expected, Approx.Float32);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Compute_Should_HaveGradientMatchingFiniteDifferences_When_StudentAndProjectionAreFloat64(bool masked)
    {
        // Arrange
        var rng = new Random(741);
        using var loss = new HiddenMseLoss(3, 4);
        loss.to(ScalarType.Float64);
        var parameters = loss.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
        var student = TensorHelpers.Leaf(RandomData.Array3(rng, 2, 5, 3, scale: 2));
        var teacher = TensorHelpers.FromArray(RandomData.Array3(rng, 2, 5, 4, scale: 2), ScalarType.Float64);
        var mask = masked ? TensorHelpers.Mask(RandomData.Mask(5, 5, 2)) : null;

        // Act + Assert
        var grads = GradientChecker.Check(
            () => loss.Compute(student, teacher, mask),
            [student, parameters["projection.weight"], parameters["projection.bias"]]);
        grads[1].Should().Contain(g => Math.Abs(g) > 1e-3, "the projection weight learns");
        grads[2].Should().Contain(g => Math.Abs(g) > 1e-3, "the projection bias learns");
    }

    [Fact]
    public void Parameters_Should_ExposeProjectionWeightAndBias_When_ProjectionIsOn()
    {
        // Arrange
        using var loss = new HiddenMseLoss(3, 5);

        // Act
        var parameters = ((ILossTerm)loss).Parameters().ToList();

        // Assert
        parameters.Select(p => p.shape).Should().BeEquivalentTo(new[] { new long[] { 5, 3 }, new long[] { 5 } }, o => o.WithStrictOrdering());
        parameters.Should().OnlyContain(p => p.requires_grad);
        loss.state_dict().Keys.Should().BeEquivalentTo("projection.weight", "projection.bias");
    }

    [Fact]
    public void Compute_Should_NameArgumentAndShape_When_StudentHiddenSizeIsWrong()
    {
        // Arrange
        using var loss = new HiddenMseLoss(4, 6);
        using var scope = NewDisposeScope();

        // Act
        var act = () => loss.Compute(randn(2, 3, 5), randn(2, 3, 6));

        // Assert
        act.Should().Throw<ArgumentException>()
            .Where(e => e.ParamName == "studentHidden")
            .WithMessage("studentHidden: expected the student's hidden size = 4 in dimension 2, got 5 (shape [2, 3, 5])*");
    }

    [Fact]
    public void Compute_Should_NameArgumentAndShape_When_TeacherHiddenSizeIsWrong()
    {
        // Arrange
        using var loss = new HiddenMseLoss(4, 6);
        using var scope = NewDisposeScope();

        // Act
        var act = () => loss.Compute(randn(2, 3, 4), randn(2, 3, 8));

        // Assert
        act.Should().Throw<ArgumentException>()
            .WithMessage("teacherHidden: expected the teacher's hidden size = 6 in dimension 2, got 8 (shape [2, 3, 8])*");
    }

    [Fact]
    public void Compute_Should_NameArgumentAndLengths_When_SequenceLengthsDiffer()
    {
        // Arrange
        using var loss = new HiddenMseLoss(4, 6);
        using var scope = NewDisposeScope();

        // Act
        var act = () => loss.Compute(randn(2, 3, 4), randn(2, 5, 6));

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("teacherHidden: expected sequence length 3 (as in studentHidden), got 5*");
    }

    [Fact]
    public void Compute_Should_NameArgumentAndShape_When_StudentIsNotRank3()
    {
        // Arrange
        using var loss = new HiddenMseLoss(4, 6);
        using var scope = NewDisposeScope();

        // Act
        var act = () => loss.Compute(randn(6, 4), randn(2, 3, 6));

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("studentHidden: expected shape [batch, sequence, hidden], got [6, 4]*");
    }

    [Fact]
    public void Constructor_Should_ListEveryProblem_When_SizesAreInvalid()
    {
        // Act
        var bad = () => new HiddenMseLoss(0, -3);
        var unequal = () => new HiddenMseLoss(4, 6, new HiddenMseLossOptions { UseProjection = false });

        // Assert
        bad.Should().Throw<ArgumentException>()
            .WithMessage("Loss 'hidden_mse': student hidden size must be >= 1 (was 0); teacher hidden size must be >= 1 (was -3)");
        unequal.Should().Throw<ArgumentException>()
            .WithMessage("Loss 'hidden_mse': without a projection the hidden sizes must be equal (student 4, teacher 6); set projection: true");
    }

    [Fact]
    public void Compute_Should_LeaveNoLiveTensors_When_Called()
    {
        // Arrange
        using var loss = new HiddenMseLoss(3, 4);
        using var student = randn(2, 5, 3);
        using var teacher = randn(2, 5, 4);
        using var mask = TensorHelpers.Mask(RandomData.Mask(5, 5, 2));
        var inputs = new LossInputs { AttentionMask = mask, StudentHiddenStates = [student, student], TeacherHiddenStates = [teacher, teacher] };

        // Act + Assert
        LeakCheck.ShouldLeaveNoTensors(() => loss.Compute(student, teacher, mask));
        LeakCheck.ShouldLeaveNoTensors(() => ((ILossTerm)loss).Compute(inputs));
    }

    [Fact]
    public void Formula_Should_ShowSizesLayersAndEmbeddings_When_Printed()
    {
        // Act + Assert
        using var withProjection = new HiddenMseLoss(312, 768);
        using var without = new HiddenMseLoss(8, 8, new HiddenMseLossOptions { UseProjection = false, IncludeEmbeddings = false, LayerMap = LayerMap.Last });
        withProjection.Formula.Should().Be("Σ_layers MSE_masked(H_s·W_h + b_h, H_t) [312→768, layers=uniform + embeddings]");
        without.ToString().Should().Be("Σ_layers MSE_masked(H_s, H_t) [8→8, layers=last]");
    }
}

using Distill.Losses.Tests.Support;
using static TorchSharp.torch;

namespace Distill.Losses.Tests;

public class LabelCrossEntropyLossTests
{
    [Theory]
    [InlineData(1, 3, 0.0, 11)]
    [InlineData(4, 5, 0.0, 12)]
    [InlineData(4, 5, 0.1, 13)]
    [InlineData(6, 7, 0.25, 14)]
    public void Compute_Should_MatchReference_When_LogitsAreRandomFloat32(int batch, int classes, double smoothing, int seed)
    {
        // Arrange
        var rng = new Random(seed);
        var logits = RandomData.Matrix(rng, batch, classes);
        var labels = RandomData.Labels(rng, batch, classes);
        var loss = new LabelCrossEntropyLoss(new LabelCrossEntropyLossOptions { LabelSmoothing = smoothing });
        using var scope = NewDisposeScope();

        // Act
        var value = loss.Compute(TensorHelpers.FromArray(logits), TensorHelpers.Labels(labels));

        // Assert
        value.dtype.Should().Be(ScalarType.Float32);
        value.ShouldBeClose(ReferenceLosses.CrossEntropy(logits, labels, smoothing), Approx.Float32);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.3)]
    public void Compute_Should_MatchReferenceTightly_When_InputsAreFloat64(double smoothing)
    {
        // Arrange
        var rng = new Random(21);
        var logits = RandomData.Matrix(rng, 5, 7);
        var labels = RandomData.Labels(rng, 5, 7, 2);
        var loss = new LabelCrossEntropyLoss(new LabelCrossEntropyLossOptions { LabelSmoothing = smoothing });
        using var scope = NewDisposeScope();

        // Act
        var value = loss.Compute(TensorHelpers.FromArray(logits, ScalarType.Float64), TensorHelpers.Labels(labels));

        // Assert
        value.dtype.Should().Be(ScalarType.Float64);
        value.ShouldBeClose(ReferenceLosses.CrossEntropy(logits, labels, smoothing), Approx.Float64);
    }

    [Fact]
    public void Compute_Should_AverageOverLabelledRowsOnly_When_SomeLabelsAreNegative()
    {
        // Arrange: rows 1 and 3 are unlabelled (−1 and −100); the loss is the mean over rows 0, 2 and 4.
        var rng = new Random(31);
        var logits = RandomData.Matrix(rng, 5, 3);
        long[] labels = [2, -1, 0, -100, 1];
        var loss = new LabelCrossEntropyLoss(new LabelCrossEntropyLossOptions { LabelSmoothing = 0.2 });
        using var scope = NewDisposeScope();

        // Act
        var value = TensorHelpers.Scalar(loss.Compute(TensorHelpers.FromArray(logits, ScalarType.Float64), TensorHelpers.Labels(labels)));

        // Assert
        var labelledOnly = new double[3, 3];
        int[] rows = [0, 2, 4];
        for (var r = 0; r < 3; r++)
        {
            for (var c = 0; c < 3; c++)
            {
                labelledOnly[r, c] = logits[rows[r], c];
            }
        }

        var expected = ReferenceLosses.CrossEntropy(labelledOnly, [2, 0, 1], 0.2);
        value.ShouldBeClose(expected, Approx.Float64, "unlabelled rows leave both the sum and the count");
        value.ShouldBeClose(ReferenceLosses.CrossEntropy(logits, labels, 0.2), Approx.Float64);
    }

    [Fact]
    public void Compute_Should_ReturnZeroWithZeroGradient_When_NoRowIsLabelled()
    {
        // Arrange
        var logits = TensorHelpers.Leaf(RandomData.Matrix(new Random(41), 3, 4));
        var loss = new LabelCrossEntropyLoss();
        using var scope = NewDisposeScope();

        // Act
        var value = loss.Compute(logits, TensorHelpers.Labels(-1, -1, -1));
        value.backward();

        // Assert
        TensorHelpers.Scalar(value).Should().Be(0);
        TensorHelpers.Values(logits.grad!).Should().OnlyContain(g => g == 0);
    }

    [Fact]
    public void Compute_Should_MatchReference_When_LabelsAreInt32()
    {
        // Arrange: the labels parameter takes integer class ids; int32 is as common as int64.
        var rng = new Random(42);
        var logits = RandomData.Matrix(rng, 4, 5);
        long[] labels = [3, -1, 0, 4];
        var loss = new LabelCrossEntropyLoss();
        using var scope = NewDisposeScope();

        // Act
        var value = loss.Compute(TensorHelpers.FromArray(logits), TensorHelpers.Labels(labels).to(ScalarType.Int32));

        // Assert
        value.ShouldBeClose(ReferenceLosses.CrossEntropy(logits, labels), Approx.Float32);
    }

    [Fact]
    public void Compute_Should_ReadLogitsAndLabels_When_CalledThroughLossInputs()
    {
        // Arrange
        var rng = new Random(43);
        var logits = RandomData.Matrix(rng, 3, 5);
        var labels = RandomData.Labels(rng, 3, 5, 1);
        ILossTerm loss = new LabelCrossEntropyLoss(new LabelCrossEntropyLossOptions { LabelSmoothing = 0.1 });
        using var scope = NewDisposeScope();
        var inputs = new LossInputs { StudentLogits = TensorHelpers.FromArray(logits), Labels = TensorHelpers.Labels(labels) };

        // Act
        var value = loss.Compute(inputs);

        // Assert
        value.ShouldBeClose(ReferenceLosses.CrossEntropy(logits, labels, 0.1), Approx.Float32);
    }

    [Fact]
    public void Compute_Should_NameTheMissingProperty_When_LabelsAreAbsent()
    {
        // Arrange
        ILossTerm loss = new LabelCrossEntropyLoss();
        using var scope = NewDisposeScope();
        var inputs = new LossInputs { StudentLogits = randn(2, 3) };

        // Act
        var act = () => loss.Compute(inputs);

        // Assert
        act.Should().Throw<InvalidOperationException>().WithMessage("Loss 'ce' needs LossInputs.Labels, which this batch does not have*");
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.15)]
    public void Compute_Should_HaveGradientMatchingFiniteDifferences_When_InputsAreFloat64(double smoothing)
    {
        // Arrange
        var logits = TensorHelpers.Leaf(RandomData.Matrix(new Random(51), 4, 5));
        var labels = TensorHelpers.Labels(1, -1, 4, 0);
        var loss = new LabelCrossEntropyLoss(new LabelCrossEntropyLossOptions { LabelSmoothing = smoothing });

        // Act + Assert
        var grads = GradientChecker.Check(() => loss.Compute(logits, labels), [logits]);
        grads[0].Skip(5).Take(5).Should().OnlyContain(g => g == 0, "the unlabelled row gets no gradient");
    }

    [Fact]
    public void Compute_Should_LeaveNoLiveTensors_When_Called()
    {
        // Arrange
        var loss = new LabelCrossEntropyLoss(new LabelCrossEntropyLossOptions { LabelSmoothing = 0.1 });
        using var logits = randn(4, 5);
        using var labels = TensorHelpers.Labels(0, -1, 4, 2);

        // Act + Assert
        LeakCheck.ShouldLeaveNoTensors(() => loss.Compute(logits, labels));
    }

    [Fact]
    public void Compute_Should_LeaveNoLiveTensorsAndNameTheLabel_When_LabelIsOutOfRange()
    {
        // Arrange
        var loss = new LabelCrossEntropyLoss();
        using var logits = randn(3, 4);
        using var labels = TensorHelpers.Labels(0, 7, 2);

        // Act
        var error = LeakCheck.ShouldThrowWithoutLeaking<ArgumentException>(() => loss.Compute(logits, labels));

        // Assert
        error.ParamName.Should().Be("labels");
        error.Message.Should().Contain("labels: label 7 is outside the 4 classes of the logits (valid: 0..3, or negative for unlabelled)");
    }

    [Fact]
    public void Compute_Should_NameArgumentAndShapes_When_LogitsHaveWrongRank()
    {
        // Arrange
        var loss = new LabelCrossEntropyLoss();
        using var scope = NewDisposeScope();

        // Act
        var act = () => loss.Compute(randn(2, 3, 4), TensorHelpers.Labels(0, 1));

        // Assert
        act.Should().Throw<ArgumentException>()
            .Where(e => e.ParamName == "studentLogits")
            .WithMessage("studentLogits: expected shape [batch, classes], got [2, 3, 4]*");
    }

    [Fact]
    public void Compute_Should_NameArgumentAndShapes_When_LabelCountDiffersFromBatch()
    {
        // Arrange
        var loss = new LabelCrossEntropyLoss();
        using var scope = NewDisposeScope();

        // Act
        var act = () => loss.Compute(randn(3, 4), TensorHelpers.Labels(0, 1));

        // Assert
        act.Should().Throw<ArgumentException>()
            .WithMessage("labels: expected batch (rows of the logits) = 3 in dimension 0, got 2 (shape [2])*");
    }

    [Fact]
    public void Compute_Should_RejectFloatLabels_When_LabelsAreNotIntegers()
    {
        // Arrange
        var loss = new LabelCrossEntropyLoss();
        using var scope = NewDisposeScope();

        // Act
        var act = () => loss.Compute(randn(2, 4), tensor(new float[] { 0, 1 }));

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("labels: expected integer class ids, got dtype Float32*");
    }

    [Fact]
    public void Compute_Should_RejectIntegerLogits_When_LogitsAreNotFloatingPoint()
    {
        // Arrange
        var loss = new LabelCrossEntropyLoss();
        using var scope = NewDisposeScope();

        // Act
        var act = () => loss.Compute(ones(2, 4, ScalarType.Int64), TensorHelpers.Labels(0, 1));

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("studentLogits: expected a floating-point tensor, got dtype Int64*");
    }

    [Theory]
    [InlineData(1.0, "1")]
    [InlineData(-0.1, "-0.1")]
    [InlineData(double.NaN, "NaN")]
    public void Constructor_Should_Throw_When_LabelSmoothingIsOutOfRange(double smoothing, string shown)
    {
        // Act
        var act = () => new LabelCrossEntropyLoss(new LabelCrossEntropyLossOptions { LabelSmoothing = smoothing });

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage($"Loss 'ce': label_smoothing must be in [0, 1) (was {shown})");
    }

    [Fact]
    public void Formula_Should_ShowSmoothing_When_SmoothingIsSet()
    {
        // Act + Assert
        new LabelCrossEntropyLoss().Formula.Should().Be("CE(s, y)");
        new LabelCrossEntropyLoss(new LabelCrossEntropyLossOptions { LabelSmoothing = 0.1 }).ToString().Should().Be("CE_ε(s, y) [ε=0.1]");
    }
}

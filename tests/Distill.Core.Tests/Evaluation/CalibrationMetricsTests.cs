using Distill.Metrics;
using Distill.Evaluation;

namespace Distill.Core.Tests.Evaluation;

/// <summary>Expected calibration error against sums worked out by hand.</summary>
public class CalibrationMetricsTests
{
    // Six rows of three classes. Top-class confidence, whether the top class is the label:
    //   0.90 right, 0.85 right, 0.70 wrong, 0.45 wrong, 0.62 right, 0.50 wrong.
    private static readonly float[][] Probabilities =
    [
        [0.90f, 0.05f, 0.05f],
        [0.10f, 0.85f, 0.05f],
        [0.70f, 0.20f, 0.10f],
        [0.25f, 0.30f, 0.45f],
        [0.62f, 0.30f, 0.08f],
        [0.50f, 0.45f, 0.05f],
    ];

    private static readonly int[] Labels = [0, 1, 2, 0, 0, 1];

    [Fact]
    public void Compute_Should_MatchAHandComputation_When_FiveBins()
    {
        // Arrange: bins (0.4, 0.6] holds 0.45 and 0.50, both wrong: conf 0.475, acc 0, gap 0.475;
        // (0.6, 0.8] holds 0.70 wrong and 0.62 right: conf 0.66, acc 0.5, gap 0.16;
        // (0.8, 1] holds 0.90 and 0.85, both right: conf 0.875, acc 1, gap 0.125.
        // ECE = 2/6 · (0.475 + 0.16 + 0.125) = 0.253333...; MCE = 0.475.

        // Act
        var calibration = CalibrationMetrics.Compute(Labels, Probabilities, bins: 5);

        // Assert
        calibration.Rows.Should().Be(6);
        calibration.ExpectedCalibrationError.Should().BeApproximately(0.76 / 3, 1e-6);
        calibration.MaxCalibrationError.Should().BeApproximately(0.475, 1e-6);
        calibration.Bins.Select(b => b.Count).Should().Equal(0, 0, 2, 2, 2);
        calibration.Bins[2].Confidence.Should().BeApproximately(0.475, 1e-6);
        calibration.Bins[2].Accuracy.Should().Be(0);
        calibration.Bins[3].Confidence.Should().BeApproximately(0.66, 1e-6);
        calibration.Bins[3].Accuracy.Should().Be(0.5);
        calibration.Bins[4].Confidence.Should().BeApproximately(0.875, 1e-6);
        calibration.Bins[4].Accuracy.Should().Be(1);
        calibration.Bins[0].Should().Be(new CalibrationBin(0, 0.2, 0, 0, 0));
        calibration.Bins.Select(b => b.Upper).Should().Equal(0.2, 0.4, 0.6, 0.8, 1.0);
    }

    [Fact]
    public void Compute_Should_MatchAHandComputation_When_DefaultFifteenBins()
    {
        // Arrange: at width 1/15 every row has a bin of its own, so ECE is the mean of |right − confidence|:
        // (0.10 + 0.15 + 0.70 + 0.45 + 0.38 + 0.50) / 6 = 2.28 / 6 = 0.38; the largest gap is 0.70.

        // Act
        var calibration = CalibrationMetrics.Compute(Labels, Probabilities);

        // Assert
        calibration.Bins.Should().HaveCount(CalibrationMetrics.DefaultBins);
        calibration.ExpectedCalibrationError.Should().BeApproximately(0.38, 1e-6);
        calibration.MaxCalibrationError.Should().BeApproximately(0.70, 1e-6);
        calibration.Bins.Select((b, i) => (b.Count, i)).Where(x => x.Count > 0).Select(x => x.i).Should().Equal(6, 7, 9, 10, 12, 13);
    }

    [Fact]
    public void Compute_Should_BeZero_When_ConfidenceMatchesAccuracy()
    {
        // Arrange: four rows at confidence 0.75, three of them right.
        float[][] probabilities = [[0.75f, 0.25f], [0.75f, 0.25f], [0.75f, 0.25f], [0.75f, 0.25f]];

        // Act
        var calibration = CalibrationMetrics.Compute([0, 0, 0, 1], probabilities);

        // Assert
        calibration.ExpectedCalibrationError.Should().BeApproximately(0, 1e-9);
        calibration.MaxCalibrationError.Should().BeApproximately(0, 1e-9);
    }

    [Fact]
    public void Compute_Should_PutEdgeConfidencesInTheEndBins_When_ZeroOrOne()
    {
        // Act: a confidence of 1 belongs to the last bin (edges are (lower, upper]), and 0 (all-zero row) to the first.
        var calibration = CalibrationMetrics.Compute([0, 1], [[1f, 0f], [0f, 0f]], bins: 4);

        // Assert
        calibration.Bins.Select(b => b.Count).Should().Equal(1, 0, 0, 1);
        calibration.ExpectedCalibrationError.Should().BeApproximately(0, 1e-9, "a certain right row and a zero-confidence wrong row are both calibrated");
    }

    [Fact]
    public void Compute_Should_Throw_When_RowCountsDiffer()
    {
        // Act
        var act = () => CalibrationMetrics.Compute([0, 1], [[0.5f, 0.5f]]);

        // Assert
        act.Should().Throw<ArgumentException>().WithMessage("*same, non-zero number of rows (were 2 and 1)*");
    }
}

namespace Distill.Metrics;

/// <summary>
/// One confidence bin of a reliability diagram: the rows whose top-class probability falls in
/// (<see cref="Lower"/>, <see cref="Upper"/>] (the first bin also takes a confidence of exactly 0).
/// </summary>
/// <param name="Lower">The bin's lower edge, excluded, in [0, 1].</param>
/// <param name="Upper">The bin's upper edge, included, in [0, 1].</param>
/// <param name="Count">Rows in the bin.</param>
/// <param name="Confidence">Mean top-class probability of those rows; 0 when the bin is empty.</param>
/// <param name="Accuracy">Share of those rows whose top class is the label; 0 when the bin is empty.</param>
public sealed record CalibrationBin(double Lower, double Upper, int Count, double Confidence, double Accuracy)
{
    /// <summary>|accuracy − confidence|: how far the bin is from perfect calibration; 0 when empty.</summary>
    public double Gap => Count == 0 ? 0 : Math.Abs(Accuracy - Confidence);
}

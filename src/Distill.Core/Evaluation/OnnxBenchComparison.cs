namespace Distill.Evaluation;

/// <summary>A teacher and a student measured together by <see cref="OnnxBench.Compare"/>, and the student's gains.</summary>
/// <param name="Teacher">The teacher's measurements.</param>
/// <param name="Student">The student's measurements.</param>
public sealed record OnnxBenchComparison(OnnxBenchResult Teacher, OnnxBenchResult Student)
{
    /// <summary>Teacher latency over student latency at batch 1: 4 means the student answers 4 times sooner.</summary>
    public double LatencySpeedup => Teacher.LatencyMs / Student.LatencyMs;

    /// <summary>Student throughput over teacher throughput at the batch size.</summary>
    public double ThroughputSpeedup => Student.ThroughputRowsPerSecond / Teacher.ThroughputRowsPerSecond;

    /// <summary>Teacher file size over student file size: 10 means the student's file is a tenth of the teacher's.</summary>
    public double SizeRatio => (double)Teacher.Bytes / Student.Bytes;
}

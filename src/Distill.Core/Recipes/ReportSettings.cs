namespace Distill.Recipes;

/// <summary>The report (key <c>report</c>).</summary>
public sealed record ReportSettings
{
    /// <summary>Measure teacher and student in ONNX Runtime (latency at batch 1, throughput at batch 32). Key <c>bench</c>, default true.</summary>
    public bool Bench { get; init; } = true;

    /// <summary>Sequence length of the benchmark inputs. Key <c>bench_sequence</c>, default 64.</summary>
    public int BenchSequence { get; init; } = 64;
}

using Distill.Metrics;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Distill.Evaluation.Internal;

/// <summary>
/// Writes <c>metrics.json</c>: every number of the report for machines, snake_case keys, fractions in [0, 1] (not
/// percentages), gains in percentage points, times in seconds, sizes in bytes; null where a value was not measured
/// and for any value that is not a finite number. The layout is <see cref="MetricsJsonDocument"/>.
/// </summary>
internal static class MetricsJson
{
    /// <summary>Version of this layout; bumped when a key changes meaning or goes away.</summary>
    public const int FormatVersion = 1;

    /// <summary>Indented snake_case; labels and stage formulas (<c>·</c>, accents) are written as they are, not as <c>\u00B7</c>.</summary>
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static void Write(string path, ReportData data)
    {
        using var stream = File.Create(path);
        JsonSerializer.Serialize(stream, Document(data), Options);
    }

    /// <summary>The document of <paramref name="data"/>.</summary>
    public static MetricsJsonDocument Document(ReportData data)
    {
        var report = data.Report;
        var summary = data.Summary;
        var teacher = report.Teacher;
        return new MetricsJsonDocument(
            FormatVersion,
            report.Recipe,
            report.Labels,
            report.StudentDescription,
            report.StudentStart,
            report.DataDescription,
            report.Stages,
            DevRows: report.DevLabels?.Count ?? teacher.Dev.Rows,
            TestRows: report.TestLabels?.Count ?? teacher.Test?.Rows,
            report.TotalTime.TotalSeconds,
            report.CalibrationBins,
            report.Bench is { } bench
                ? new MetricsJsonBench("onnxruntime-cpu", bench.SequenceLength, bench.ImageSize, bench.BatchSize, bench.Repeats, bench.BatchRepeats, bench.WarmupRuns, bench.Threads)
                : null,
            new MetricsJsonTeacher(teacher.Name, teacher.Parameters, teacher.OnnxBytes, Finite(teacher.LatencyMs), Finite(teacher.ThroughputRowsPerSecond),
                Split(teacher.Dev, data.TeacherDev), Split(teacher.Test, data.TeacherTest)),
            Students(data.Distilled),
            data.Baseline.Count > 0 ? Students(data.Baseline) : null,
            new MetricsJsonComparison(
                Finite(summary.KeptAccuracy),
                Finite(summary.KeptMacroF1),
                Finite(summary.GainPoints),
                Finite(summary.GainMacroF1Points),
                PerSeed(summary.GainPointsPerSeed),
                Finite(summary.LatencySpeedup),
                Finite(summary.ThroughputSpeedup),
                Finite(summary.SizeRatio),
                Finite(summary.ParameterRatio)),
            report.Variants.Select((variant, i) => new MetricsJsonVariant(
                variant.Name,
                variant.Stages,
                Students(data.Variants[i]),
                Finite(summary.Variants[i].KeptAccuracy),
                Finite(summary.Variants[i].GainPoints),
                PerSeed(summary.Variants[i].GainPointsPerSeed))).ToList());
    }

    private static MetricsJsonStudents Students(IReadOnlyList<ReportData.RunFacts> runs) => new(
        runs.Select(r => r.Run.Seed).ToList(),
        runs.Select(facts =>
        {
            var run = facts.Run;
            return new MetricsJsonRun(run.Seed, run.TrainingTime.TotalSeconds, run.OnnxPath, run.MetricsLog, run.Parameters, run.OnnxBytes,
                Finite(run.LatencyMs), Finite(run.ThroughputRowsPerSecond), Split(run.Dev, facts.Dev), Split(run.Test, facts.Test),
                facts.Evaluations.Select(e => new MetricsJsonEvaluation(e.Stage, e.Epoch, e.Step,
                    Finite(e.Accuracy), Finite(e.MacroF1), Finite(e.LogLoss), Finite(e.TeacherAgreement))).ToList());
        }).ToList(),

        // Seeds without a value are left out of its spread; a split no seed was scored on is null.
        new MetricsJsonSummary(
            SplitSummary(runs, r => r.Run.Dev, r => r.Dev),
            SplitSummary(runs, r => r.Run.Test, r => r.Test),
            SpreadOf(runs.Select(r => (double?)r.Run.TrainingTime.TotalSeconds)),
            SpreadOf(runs.Select(r => (double?)r.Run.Parameters)),
            SpreadOf(runs.Select(r => (double?)r.Run.OnnxBytes)),
            SpreadOf(runs.Select(r => r.Run.LatencyMs)),
            SpreadOf(runs.Select(r => r.Run.ThroughputRowsPerSecond))));

    private static MetricsJsonSplitSummary? SplitSummary(IReadOnlyList<ReportData.RunFacts> runs,
        Func<ReportData.RunFacts, ClassificationMetrics?> metrics, Func<ReportData.RunFacts, CalibrationMetrics?> calibration) =>
        runs.All(r => metrics(r) is null)
            ? null
            : new MetricsJsonSplitSummary(
                SpreadOf(runs.Select(r => metrics(r)?.Accuracy)),
                SpreadOf(runs.Select(r => metrics(r)?.MacroF1)),
                SpreadOf(runs.Select(r => metrics(r)?.LogLoss)),
                SpreadOf(runs.Select(r => metrics(r)?.TeacherAgreement)),
                SpreadOf(runs.Select(r => calibration(r)?.ExpectedCalibrationError)));

    private static MetricsJsonSplit? Split(ClassificationMetrics? metrics, CalibrationMetrics? calibration) => metrics is null
        ? null
        : new MetricsJsonSplit(
            metrics.Rows,
            Finite(metrics.Accuracy),
            Finite(metrics.MacroF1),
            Finite(metrics.LogLoss),
            Finite(metrics.TeacherAgreement),
            Finite(calibration?.ExpectedCalibrationError),
            Finite(calibration?.MaxCalibrationError),
            metrics.F1PerClass.Select(f1 => Finite(f1)).ToList(),
            metrics.Confusion,
            calibration?.Bins.Select(b => new MetricsJsonCalibrationBin(Finite(b.Lower), Finite(b.Upper), b.Count, Finite(b.Confidence), Finite(b.Accuracy))).ToList());

    private static MetricsJsonSpread? SpreadOf(IEnumerable<double?> values) =>
        Spread.Of(values.OfType<double>()) is { } spread
            ? new MetricsJsonSpread(Finite(spread.Mean), Finite(spread.Std), Finite(spread.Min), Finite(spread.Max), spread.Count)
            : null;

    private static Dictionary<int, double?> PerSeed(IReadOnlyList<KeyValuePair<int, double>> gains) =>
        gains.ToDictionary(g => g.Key, g => Finite(g.Value));

    // JSON has no NaN or infinity: a diverged metric is written as null rather than breaking the file.
    private static double? Finite(double? value) => value is { } v && double.IsFinite(v) ? v : null;
}

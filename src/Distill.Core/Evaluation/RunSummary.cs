namespace Distill.Evaluation;

/// <summary>
/// The headline numbers of a <see cref="RunReport"/>: what the distilled student kept of the teacher's dev accuracy,
/// what it gained over the label-only baseline (overall and seed by seed), and how much smaller and faster it is.
/// Accuracies are fractions in [0, 1]; gains are in percentage points.
/// </summary>
public sealed record RunSummary
{
    /// <summary>The teacher's dev accuracy.</summary>
    public required double TeacherAccuracy { get; init; }

    /// <summary>The distilled student's dev accuracy over seeds.</summary>
    public required Spread DistilledAccuracy { get; init; }

    /// <summary>The baseline's dev accuracy over seeds; null without a baseline.</summary>
    public Spread? BaselineAccuracy { get; init; }

    /// <summary>Mean distilled accuracy over the teacher's: 0.97 means the student kept 97 % of it. Can exceed 1.</summary>
    public required double KeptAccuracy { get; init; }

    /// <summary>Mean distilled macro-F1 over the teacher's.</summary>
    public required double KeptMacroF1 { get; init; }

    /// <summary>Mean distilled accuracy minus mean baseline accuracy, in percentage points (negative when distillation did worse); null without a baseline.</summary>
    public double? GainPoints { get; init; }

    /// <summary>Mean distilled macro-F1 minus mean baseline macro-F1, in percentage points; null without a baseline.</summary>
    public double? GainMacroF1Points { get; init; }

    /// <summary>Accuracy gain in points for each seed run both ways (distilled and baseline), by seed in ascending order.</summary>
    public required IReadOnlyList<KeyValuePair<int, double>> GainPointsPerSeed { get; init; }

    /// <summary>Each variant's dev accuracy and its gain over the baseline, in the report's order; empty without variants.</summary>
    public IReadOnlyList<VariantSummary> Variants { get; init; } = [];

    /// <summary>Teacher batch-1 latency over the students' mean; null when either was not measured.</summary>
    public double? LatencySpeedup { get; init; }

    /// <summary>The students' mean throughput over the teacher's; null when either was not measured.</summary>
    public double? ThroughputSpeedup { get; init; }

    /// <summary>Teacher ONNX size over the students' mean; null when either is unknown.</summary>
    public double? SizeRatio { get; init; }

    /// <summary>Teacher parameters over the students' mean; null when either is unknown.</summary>
    public double? ParameterRatio { get; init; }

    /// <summary>Computes the summary of <paramref name="report"/>.</summary>
    public static RunSummary Of(RunReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var teacher = report.Teacher;
        var distilled = report.Distilled;
        var baseline = report.Baseline ?? [];
        var distilledAccuracy = Spread.Of(distilled.Select(r => r.Dev.Accuracy))
            ?? throw new ArgumentException("the report has no distilled run", nameof(report));
        var baselineAccuracy = Spread.Of(baseline.Select(r => r.Dev.Accuracy));
        var distilledF1 = distilled.Average(r => r.Dev.MacroF1);
        var bySeed = baseline.GroupBy(r => r.Seed).ToDictionary(g => g.Key, g => g.First());
        return new RunSummary
        {
            TeacherAccuracy = teacher.Dev.Accuracy,
            DistilledAccuracy = distilledAccuracy,
            BaselineAccuracy = baselineAccuracy,
            KeptAccuracy = distilledAccuracy.Mean / teacher.Dev.Accuracy,
            KeptMacroF1 = distilledF1 / teacher.Dev.MacroF1,
            GainPoints = baselineAccuracy is null ? null : (distilledAccuracy.Mean - baselineAccuracy.Mean) * 100,
            GainMacroF1Points = baseline.Count == 0 ? null : (distilledF1 - baseline.Average(r => r.Dev.MacroF1)) * 100,
            GainPointsPerSeed = GainPerSeed(distilled, bySeed),
            Variants = (report.Variants ?? []).Select(v =>
            {
                var accuracy = Spread.Of(v.Runs.Select(r => r.Dev.Accuracy))
                    ?? throw new ArgumentException($"variant '{v.Name}' has no run", nameof(report));
                return new VariantSummary
                {
                    Name = v.Name,
                    Accuracy = accuracy,
                    KeptAccuracy = accuracy.Mean / teacher.Dev.Accuracy,
                    GainPoints = baselineAccuracy is null ? null : (accuracy.Mean - baselineAccuracy.Mean) * 100,
                    GainPointsPerSeed = GainPerSeed(v.Runs, bySeed),
                };
            }).ToList(),
            LatencySpeedup = Ratio(teacher.LatencyMs, Mean(distilled.Select(r => r.LatencyMs))),
            ThroughputSpeedup = Ratio(Mean(distilled.Select(r => r.ThroughputRowsPerSecond)), teacher.ThroughputRowsPerSecond),
            SizeRatio = Ratio(teacher.OnnxBytes, Mean(distilled.Select(r => (double?)r.OnnxBytes))),
            ParameterRatio = Ratio(teacher.Parameters, Mean(distilled.Select(r => (double?)r.Parameters))),
        };
    }

    private static List<KeyValuePair<int, double>> GainPerSeed(IEnumerable<StudentRunReport> runs, Dictionary<int, StudentRunReport> baselineBySeed) => runs
        .Where(r => baselineBySeed.ContainsKey(r.Seed))
        .OrderBy(r => r.Seed)
        .Select(r => KeyValuePair.Create(r.Seed, (r.Dev.Accuracy - baselineBySeed[r.Seed].Dev.Accuracy) * 100))
        .ToList();

    // Seeds that were not measured are left out of the mean rather than counted as 0.
    private static double? Mean(IEnumerable<double?> values) => Spread.Of(values.OfType<double>())?.Mean;

    private static double? Ratio(double? numerator, double? denominator) =>
        numerator is { } n && denominator is { } d && d > 0 ? n / d : null;
}

/// <summary>The headline numbers of one variant of a run (<see cref="RunReport.Variants"/>).</summary>
public sealed record VariantSummary
{
    /// <summary>The variant's name.</summary>
    public required string Name { get; init; }

    /// <summary>Its dev accuracy over seeds.</summary>
    public required Spread Accuracy { get; init; }

    /// <summary>Its mean accuracy over the teacher's.</summary>
    public required double KeptAccuracy { get; init; }

    /// <summary>Its mean accuracy minus the baseline's, in percentage points; null without a baseline.</summary>
    public double? GainPoints { get; init; }

    /// <summary>Its gain in points for each seed the baseline also ran, by seed in ascending order.</summary>
    public required IReadOnlyList<KeyValuePair<int, double>> GainPointsPerSeed { get; init; }
}

namespace Distill.Evaluation.Internal;

// The layout of metrics.json, one record per JSON object. Property names become snake_case keys
// (MetricsJson.Options) and keys come in declaration order. A null is written as null, never left out, so that every
// key is always there: readers tell "not measured" from a key that no longer exists.

/// <summary>The whole of <c>metrics.json</c>.</summary>
internal sealed record MetricsJsonDocument(
    int FormatVersion,
    string Recipe,
    IReadOnlyList<string> Labels,
    string? Student,
    string? StudentStart,
    string? Data,
    IReadOnlyList<string> Stages,
    int DevRows,
    int? TestRows,
    double TotalSeconds,
    int CalibrationBins,
    MetricsJsonBench? Bench,
    MetricsJsonTeacher Teacher,
    MetricsJsonStudents Distilled,
    MetricsJsonStudents? Baseline,
    MetricsJsonComparison Comparison,
    IReadOnlyList<MetricsJsonVariant> Variants);

/// <summary>The settings latency and throughput were measured with.</summary>
internal sealed record MetricsJsonBench(
    string Runtime,
    int SequenceLength,
    int ImageSize,
    int BatchSize,
    int Repeats,
    int BatchRepeats,
    int WarmupRuns,
    int Threads);

/// <summary>The teacher: its size and speed, and its metrics on dev and test.</summary>
internal sealed record MetricsJsonTeacher(
    string Name,
    long? Parameters,
    long? OnnxBytes,
    double? LatencyMs,
    double? ThroughputRowsPerSecond,
    MetricsJsonSplit? Dev,
    MetricsJsonSplit? Test);

/// <summary>The seeds of one kind of student (distilled, baseline, a variant), each run, and their spread.</summary>
internal sealed record MetricsJsonStudents(IReadOnlyList<int> Seeds, IReadOnlyList<MetricsJsonRun> Runs, MetricsJsonSummary Summary);

/// <summary>One seed of a student.</summary>
internal sealed record MetricsJsonRun(
    int Seed,
    double TrainingSeconds,
    string? OnnxPath,
    string? MetricsLog,
    long? Parameters,
    long? OnnxBytes,
    double? LatencyMs,
    double? ThroughputRowsPerSecond,
    MetricsJsonSplit? Dev,
    MetricsJsonSplit? Test,
    IReadOnlyList<MetricsJsonEvaluation> Evaluations);

/// <summary>A model's metrics on one split, with its calibration when its probabilities were kept.</summary>
internal sealed record MetricsJsonSplit(
    int Rows,
    double? Accuracy,
    double? MacroF1,
    double? LogLoss,
    double? TeacherAgreement,
    double? Ece,
    double? Mce,
    IReadOnlyList<double?> F1PerClass,
    IReadOnlyList<IReadOnlyList<int>> Confusion,
    IReadOnlyList<MetricsJsonCalibrationBin>? CalibrationBins);

/// <summary>One confidence bin of the reliability diagram.</summary>
internal sealed record MetricsJsonCalibrationBin(double? Lower, double? Upper, int Count, double? Confidence, double? Accuracy);

/// <summary>One dev evaluation after an epoch.</summary>
internal sealed record MetricsJsonEvaluation(
    string Stage,
    int Epoch,
    long Step,
    double? Accuracy,
    double? MacroF1,
    double? LogLoss,
    double? TeacherAgreement);

/// <summary>Mean and spread over seeds of every number a run has; null where no seed has the number.</summary>
internal sealed record MetricsJsonSummary(
    MetricsJsonSplitSummary? Dev,
    MetricsJsonSplitSummary? Test,
    MetricsJsonSpread? TrainingSeconds,
    MetricsJsonSpread? Parameters,
    MetricsJsonSpread? OnnxBytes,
    MetricsJsonSpread? LatencyMs,
    MetricsJsonSpread? ThroughputRowsPerSecond);

/// <summary>The spread over seeds of the metrics on one split.</summary>
internal sealed record MetricsJsonSplitSummary(
    MetricsJsonSpread? Accuracy,
    MetricsJsonSpread? MacroF1,
    MetricsJsonSpread? LogLoss,
    MetricsJsonSpread? TeacherAgreement,
    MetricsJsonSpread? Ece);

/// <summary>A <see cref="Spread"/>; <c>n</c> is the number of seeds.</summary>
internal sealed record MetricsJsonSpread(double? Mean, double? Std, double? Min, double? Max, int N);

/// <summary>The headline numbers (<see cref="RunSummary"/>).</summary>
internal sealed record MetricsJsonComparison(
    double? KeptAccuracy,
    double? KeptMacroF1,
    double? GainAccuracyPoints,
    double? GainMacroF1Points,
    IReadOnlyDictionary<int, double?> GainAccuracyPointsPerSeed,
    double? LatencySpeedup,
    double? ThroughputSpeedup,
    double? SizeRatio,
    double? ParameterRatio);

/// <summary>One variant: its objective, its runs as the distilled student's, and its gain over the baseline.</summary>
internal sealed record MetricsJsonVariant(
    string Name,
    IReadOnlyList<string> Stages,
    MetricsJsonStudents Students,
    double? KeptAccuracy,
    double? GainAccuracyPoints,
    IReadOnlyDictionary<int, double?> GainAccuracyPointsPerSeed);

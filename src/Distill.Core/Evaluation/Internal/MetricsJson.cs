using Distill.Metrics;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Distill.Evaluation.Internal;

/// <summary>
/// Writes <c>metrics.json</c>: every number of the report for machines, snake_case keys, fractions in [0, 1] (not
/// percentages), gains in percentage points, times in seconds, sizes in bytes; null where a value was not measured
/// and for any value that is not a finite number.
/// </summary>
internal static class MetricsJson
{
    /// <summary>Version of this layout; bumped when a key changes meaning or goes away.</summary>
    public const int FormatVersion = 1;

    public static void Write(string path, ReportData data)
    {
        using var stream = File.Create(path);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        var report = data.Report;
        json.WriteStartObject();
        json.WriteNumber("format_version", FormatVersion);
        json.WriteString("recipe", report.Recipe);
        json.WriteStartArray("labels");
        foreach (var label in report.Labels)
        {
            json.WriteStringValue(label);
        }

        json.WriteEndArray();
        json.WriteString("student", report.StudentDescription);
        json.WriteString("student_start", report.StudentStart);
        json.WriteString("data", report.DataDescription);
        json.WriteStartArray("stages");
        foreach (var stage in report.Stages)
        {
            json.WriteStringValue(stage);
        }

        json.WriteEndArray();
        Number(json, "dev_rows", report.DevLabels?.Count ?? report.Teacher.Dev.Rows);
        Number(json, "test_rows", report.TestLabels?.Count ?? report.Teacher.Test?.Rows);
        Number(json, "total_seconds", report.TotalTime.TotalSeconds);
        Number(json, "calibration_bins", report.CalibrationBins);
        Bench(json, report.Bench);

        json.WriteStartObject("teacher");
        json.WriteString("name", report.Teacher.Name);
        Model(json, report.Teacher, data.TeacherDev, data.TeacherTest);
        json.WriteEndObject();

        Runs(json, "distilled", data.Distilled);
        if (data.Baseline.Count > 0)
        {
            Runs(json, "baseline", data.Baseline);
        }
        else
        {
            json.WriteNull("baseline");
        }

        Comparison(json, data);

        // Each variant: its objective, its runs as the distilled student's, and its gain over the baseline.
        json.WriteStartArray("variants");
        for (var i = 0; i < data.Variants.Count; i++)
        {
            var variant = data.Report.Variants[i];
            var summary = data.Summary.Variants[i];
            json.WriteStartObject();
            json.WriteString("name", variant.Name);
            json.WriteStartArray("stages");
            foreach (var stage in variant.Stages)
            {
                json.WriteStringValue(stage);
            }

            json.WriteEndArray();
            Runs(json, "students", data.Variants[i]);
            Number(json, "kept_accuracy", summary.KeptAccuracy);
            Number(json, "gain_accuracy_points", summary.GainPoints);
            GainPerSeed(json, summary.GainPointsPerSeed);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void GainPerSeed(Utf8JsonWriter json, IReadOnlyList<KeyValuePair<int, double>> gains)
    {
        json.WriteStartObject("gain_accuracy_points_per_seed");
        foreach (var (seed, points) in gains)
        {
            Number(json, seed.ToString(System.Globalization.CultureInfo.InvariantCulture), points);
        }

        json.WriteEndObject();
    }

    private static void Bench(Utf8JsonWriter json, OnnxBenchOptions? bench)
    {
        if (bench is null)
        {
            json.WriteNull("bench");
            return;
        }

        json.WriteStartObject("bench");
        json.WriteString("runtime", "onnxruntime-cpu");
        Number(json, "sequence_length", bench.SequenceLength);
        Number(json, "image_size", bench.ImageSize);
        Number(json, "batch_size", bench.BatchSize);
        Number(json, "repeats", bench.Repeats);
        Number(json, "batch_repeats", bench.BatchRepeats);
        Number(json, "warmup_runs", bench.WarmupRuns);
        Number(json, "threads", bench.Threads);
        json.WriteEndObject();
    }

    private static void Model(Utf8JsonWriter json, ModelReport model, CalibrationMetrics? dev, CalibrationMetrics? test)
    {
        Number(json, "parameters", model.Parameters);
        Number(json, "onnx_bytes", model.OnnxBytes);
        Number(json, "latency_ms", model.LatencyMs);
        Number(json, "throughput_rows_per_second", model.ThroughputRowsPerSecond);
        Split(json, "dev", model.Dev, dev);
        Split(json, "test", model.Test, test);
    }

    private static void Split(Utf8JsonWriter json, string name, ClassificationMetrics? metrics, CalibrationMetrics? calibration)
    {
        if (metrics is null)
        {
            json.WriteNull(name);
            return;
        }

        json.WriteStartObject(name);
        Number(json, "rows", metrics.Rows);
        Number(json, "accuracy", metrics.Accuracy);
        Number(json, "macro_f1", metrics.MacroF1);
        Number(json, "log_loss", metrics.LogLoss);
        Number(json, "teacher_agreement", metrics.TeacherAgreement);
        Number(json, "ece", calibration?.ExpectedCalibrationError);
        Number(json, "mce", calibration?.MaxCalibrationError);
        json.WriteStartArray("f1_per_class");
        foreach (var f1 in metrics.F1PerClass)
        {
            NumberValue(json, f1);
        }

        json.WriteEndArray();
        json.WriteStartArray("confusion");
        foreach (var row in metrics.Confusion)
        {
            json.WriteStartArray();
            foreach (var count in row)
            {
                json.WriteNumberValue(count);
            }

            json.WriteEndArray();
        }

        json.WriteEndArray();
        if (calibration is null)
        {
            json.WriteNull("calibration_bins");
        }
        else
        {
            json.WriteStartArray("calibration_bins");
            foreach (var bin in calibration.Bins)
            {
                json.WriteStartObject();
                Number(json, "lower", bin.Lower);
                Number(json, "upper", bin.Upper);
                Number(json, "count", bin.Count);
                Number(json, "confidence", bin.Confidence);
                Number(json, "accuracy", bin.Accuracy);
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
    }

    private static void Runs(Utf8JsonWriter json, string name, IReadOnlyList<ReportData.RunFacts> runs)
    {
        json.WriteStartObject(name);
        json.WriteStartArray("seeds");
        foreach (var run in runs)
        {
            json.WriteNumberValue(run.Run.Seed);
        }

        json.WriteEndArray();
        json.WriteStartArray("runs");
        foreach (var (run, dev, test, evaluations) in runs)
        {
            json.WriteStartObject();
            Number(json, "seed", run.Seed);
            Number(json, "training_seconds", run.TrainingTime.TotalSeconds);
            json.WriteString("onnx_path", run.OnnxPath);
            json.WriteString("metrics_log", run.MetricsLog);
            Model(json, run, dev, test);
            json.WriteStartArray("evaluations");
            foreach (var evaluation in evaluations)
            {
                json.WriteStartObject();
                json.WriteString("stage", evaluation.Stage);
                Number(json, "epoch", evaluation.Epoch);
                Number(json, "step", evaluation.Step);
                Number(json, "accuracy", evaluation.Accuracy);
                Number(json, "macro_f1", evaluation.MacroF1);
                Number(json, "log_loss", evaluation.LogLoss);
                Number(json, "teacher_agreement", evaluation.TeacherAgreement);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();

        // Mean and spread over seeds of every number a run has; seeds without a value are left out of its spread.
        json.WriteStartObject("summary");
        foreach (var (split, metrics, calibration) in new (string, Func<ReportData.RunFacts, ClassificationMetrics?>, Func<ReportData.RunFacts, CalibrationMetrics?>)[]
                 {
                     ("dev", r => r.Run.Dev, r => r.Dev),
                     ("test", r => r.Run.Test, r => r.Test),
                 })
        {
            if (runs.All(r => metrics(r) is null))
            {
                json.WriteNull(split);
                continue;
            }

            json.WriteStartObject(split);
            SpreadOf(json, "accuracy", runs.Select(r => metrics(r)?.Accuracy));
            SpreadOf(json, "macro_f1", runs.Select(r => metrics(r)?.MacroF1));
            SpreadOf(json, "log_loss", runs.Select(r => metrics(r)?.LogLoss));
            SpreadOf(json, "teacher_agreement", runs.Select(r => metrics(r)?.TeacherAgreement));
            SpreadOf(json, "ece", runs.Select(r => calibration(r)?.ExpectedCalibrationError));
            json.WriteEndObject();
        }

        SpreadOf(json, "training_seconds", runs.Select(r => (double?)r.Run.TrainingTime.TotalSeconds));
        SpreadOf(json, "parameters", runs.Select(r => (double?)r.Run.Parameters));
        SpreadOf(json, "onnx_bytes", runs.Select(r => (double?)r.Run.OnnxBytes));
        SpreadOf(json, "latency_ms", runs.Select(r => r.Run.LatencyMs));
        SpreadOf(json, "throughput_rows_per_second", runs.Select(r => r.Run.ThroughputRowsPerSecond));
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void Comparison(Utf8JsonWriter json, ReportData data)
    {
        var summary = data.Summary;
        json.WriteStartObject("comparison");
        Number(json, "kept_accuracy", summary.KeptAccuracy);
        Number(json, "kept_macro_f1", summary.KeptMacroF1);
        Number(json, "gain_accuracy_points", summary.GainPoints);
        Number(json, "gain_macro_f1_points", summary.GainMacroF1Points);
        GainPerSeed(json, summary.GainPointsPerSeed);
        Number(json, "latency_speedup", summary.LatencySpeedup);
        Number(json, "throughput_speedup", summary.ThroughputSpeedup);
        Number(json, "size_ratio", summary.SizeRatio);
        Number(json, "parameter_ratio", summary.ParameterRatio);
        json.WriteEndObject();
    }

    private static void SpreadOf(Utf8JsonWriter json, string name, IEnumerable<double?> values)
    {
        var spread = Spread.Of(values.OfType<double>());
        if (spread is null)
        {
            json.WriteNull(name);
            return;
        }

        json.WriteStartObject(name);
        Number(json, "mean", spread.Mean);
        Number(json, "std", spread.Std);
        Number(json, "min", spread.Min);
        Number(json, "max", spread.Max);
        Number(json, "n", spread.Count);
        json.WriteEndObject();
    }

    private static void Number(Utf8JsonWriter json, string name, double? value)
    {
        json.WritePropertyName(name);
        NumberValue(json, value);
    }

    // JSON has no NaN or infinity: a diverged metric is written as null rather than breaking the file.
    private static void NumberValue(Utf8JsonWriter json, double? value)
    {
        if (value is { } v && double.IsFinite(v))
        {
            json.WriteNumberValue(v);
        }
        else
        {
            json.WriteNullValue();
        }
    }
}

using Distill.Metrics;
using System.Globalization;
using System.Text.Json.Nodes;
using Distill.Evaluation;
using Distill.Training;

namespace Distill.Core.Tests.Evaluation;

/// <summary>
/// A fabricated but consistent run for the report tests: dev labels, probabilities drawn to a target accuracy, the
/// metrics computed from them, per-epoch evaluations, and metrics logs written in the trainer's format.
/// </summary>
internal sealed class ReportFixture
{
    public static readonly string[] Labels = ["negative", "neutral", "positive"];

    public const int DevRows = 60;

    private readonly string _folder;

    public ReportFixture(string folder)
    {
        _folder = folder;
        var random = new Random(7);
        DevLabels = Enumerable.Range(0, DevRows).Select(i => i % Labels.Length).OrderBy(_ => random.Next()).ToArray();
        TeacherProbabilities = Probabilities(0.9, seed: 100);
        TeacherPredictions = TeacherProbabilities.Select(p => ClassificationMetrics.ArgMax(p)).ToArray();
    }

    public int[] DevLabels { get; }

    public float[][] TeacherProbabilities { get; }

    public int[] TeacherPredictions { get; }

    public TeacherReport Teacher() => new()
    {
        Name = "models/teacher.onnx",
        Dev = ClassificationMetrics.Compute(DevLabels, TeacherProbabilities),
        DevProbabilities = TeacherProbabilities,
        Parameters = 109_482_240,
        OnnxBytes = 438_000_000,
        LatencyMs = 20,
        ThroughputRowsPerSecond = 100,
    };

    /// <summary>
    /// One distilled seed: two stages (intermediate, then prediction), dev accuracy rising to about
    /// <paramref name="accuracy"/>, a metrics log of 50 steps. Seed i has latency 2 + 0.2·i ms and so on.
    /// </summary>
    public StudentRunReport Distilled(int seed, double accuracy, int index)
    {
        var stages = new[] { ("intermediate", 0), ("intermediate", 1), ("prediction", 0), ("prediction", 1), ("prediction", 2) };
        var evaluations = stages.Select((s, i) => new EpochEvaluation(s.Item1, s.Item2, (s.Item2 + 1) * 10,
            Metrics(Probabilities(accuracy - (0.08 * (stages.Length - 1 - i)), seed * 10 + i)))).ToList();
        var final = Probabilities(accuracy, seed * 10 + stages.Length - 1);
        return new StudentRunReport
        {
            Seed = seed,
            Dev = Metrics(final),
            DevProbabilities = final,
            Evaluations = evaluations,
            MetricsLog = WriteLog($"distilled-{seed}.jsonl", seed, evaluations, twoStages: true),
            TrainingTime = TimeSpan.FromSeconds(60 + (30 * index)),
            Parameters = 4_400_000,
            OnnxBytes = 17_600_000,
            LatencyMs = 2 + (0.2 * index),
            ThroughputRowsPerSecond = 1000 + (100 * index),
            OnnxPath = Path.Combine(_folder, $"student-{seed}.onnx"),
        };
    }

    /// <summary>One baseline seed, one stage of three epochs; <paramref name="fromLog"/> leaves its evaluations to the metrics log.</summary>
    public StudentRunReport Baseline(int seed, double accuracy, int index, bool fromLog = false)
    {
        var evaluations = Enumerable.Range(0, 3).Select(e => new EpochEvaluation("train", e, (e + 1) * 10,
            Metrics(Probabilities(accuracy - (0.06 * (2 - e)), 1000 + (seed * 10) + e)))).ToList();
        var final = Probabilities(accuracy, 1000 + (seed * 10) + 2);
        return new StudentRunReport
        {
            Seed = seed,
            Dev = Metrics(final),
            DevProbabilities = final,
            Evaluations = fromLog ? [] : evaluations,
            MetricsLog = WriteLog($"baseline-{seed}.jsonl", seed, evaluations, twoStages: false),
            TrainingTime = TimeSpan.FromSeconds(30 + (10 * index)),
            Parameters = 4_400_000,
            OnnxBytes = 17_600_000,
            LatencyMs = 2 + (0.2 * index),
            ThroughputRowsPerSecond = 1000 + (100 * index),
        };
    }

    public RunReport Report(IReadOnlyList<StudentRunReport> distilled, IReadOnlyList<StudentRunReport> baseline) => new()
    {
        Recipe = "sst3-tiny",
        Labels = Labels,
        Teacher = Teacher(),
        Distilled = distilled,
        Baseline = baseline,
        DevLabels = DevLabels,
        StudentDescription = "transformer: 4 layers, hidden 312, 12 heads",
        DataDescription = "fabricated: 60 dev rows",
        Stages = ["intermediate: L = 1·attention_mse + 1·hidden_mse", "prediction: L = 0.5·kd(T=2) + 0.5·ce"],
        Bench = new OnnxBenchOptions(),
        TotalTime = TimeSpan.FromMinutes(62),
    };

    public ClassificationMetrics Metrics(float[][] probabilities) => ClassificationMetrics.Compute(DevLabels, probabilities, TeacherPredictions);

    /// <summary>Rows whose top class is the label with probability <paramref name="accuracy"/>, at a confidence in [0.4, 0.95).</summary>
    public float[][] Probabilities(double accuracy, int seed)
    {
        var random = new Random(seed);
        return DevLabels.Select(label =>
        {
            var top = random.NextDouble() < accuracy ? label : (label + 1 + random.Next(Labels.Length - 1)) % Labels.Length;
            var confidence = (float)(0.4 + (0.55 * random.NextDouble()));
            var row = Enumerable.Repeat((1 - confidence) / (Labels.Length - 1), Labels.Length).ToArray();
            row[top] = confidence;
            return row;
        }).ToArray();
    }

    // Step lines as DistillationTrainer writes them. The intermediate stage's attention term is ~1000 times smaller
    // than its hidden-state term, as they are in practice.
    private string WriteLog(string name, int seed, IReadOnlyList<EpochEvaluation> evaluations, bool twoStages)
    {
        var lines = new List<string>();
        var random = new Random(seed);
        for (var step = 1; step <= 50; step++)
        {
            var decay = Math.Exp(-step / 25.0);
            var intermediate = twoStages && step <= 20;
            var terms = intermediate
                ? new JsonObject { ["attention_mse"] = 0.002 * decay * (1 + (0.1 * random.NextDouble())), ["hidden_mse"] = 2.0 * decay * (1 + (0.1 * random.NextDouble())) }
                : new JsonObject { ["kd"] = 0.8 * decay * (1 + (0.2 * random.NextDouble())), ["ce"] = 1.1 * decay * (1 + (0.2 * random.NextDouble())) };
            var loss = terms.Sum(t => (double)t.Value!) * (intermediate ? 1 : 0.5);
            lines.Add(new JsonObject
            {
                ["kind"] = "step", ["stage"] = intermediate ? "intermediate" : twoStages ? "prediction" : "train", ["epoch"] = 0, ["step"] = step,
                ["global_step"] = step, ["loss"] = loss, ["learning_rate"] = 5e-5, ["rows_per_second"] = 800.0, ["terms"] = terms,
            }.ToJsonString());
        }

        foreach (var evaluation in evaluations)
        {
            lines.Add(new JsonObject
            {
                ["kind"] = "eval", ["stage"] = evaluation.Stage, ["epoch"] = evaluation.Epoch, ["step"] = evaluation.Step, ["global_step"] = evaluation.Step,
                ["accuracy"] = evaluation.Metrics.Accuracy, ["macro_f1"] = evaluation.Metrics.MacroF1, ["log_loss"] = evaluation.Metrics.LogLoss,
                ["teacher_agreement"] = evaluation.Metrics.TeacherAgreement, ["best"] = false,
            }.ToJsonString());
        }

        var path = Path.Combine(_folder, name);
        File.WriteAllLines(path, lines);
        return path;
    }

    /// <summary>Sample standard deviation, computed here independently of the report's own.</summary>
    public static double SampleStd(IReadOnlyList<double> values)
    {
        var mean = values.Sum() / values.Count;
        return values.Count < 2 ? 0 : Math.Sqrt(values.Select(v => (v - mean) * (v - mean)).Sum() / (values.Count - 1));
    }

    public static string Pct(double fraction) => (fraction * 100).ToString("0.0", CultureInfo.InvariantCulture);
}

using Distill.Metrics;
using System.Text.Json.Nodes;
using Distill.Evaluation;
using Distill.Training;

namespace Distill.Core.Tests.Evaluation;

/// <summary>
/// A fabricated run whose numbers can be worked out by hand, for the report tests. The 60 dev rows cycle through
/// the labels (row i has label i mod 3, so each class has 20 rows: class c on rows c, c + 3, c + 6, ...).
/// </summary>
/// <remarks>
/// <para>
/// The teacher is wrong on the first 3 rows of class 1 (rows 1, 4, 7), which it calls class 0: accuracy 57/60 = 0.95;
/// confusion [[20, 0, 0], [3, 17, 0], [0, 0, 20]]; F1 per class 2·20/(23 + 20) = 40/43, 2·17/(17 + 20) = 34/37, 1;
/// macro-F1 (40/43 + 34/37 + 1) / 3 = 0.949717.
/// </para>
/// <para>
/// A student "with e errors" calls class 0 on e rows, taken in turn from class 1 and class 2 (class 1 first), each
/// class's first rows first: ⌈e/2⌉ rows of class 1 and ⌊e/2⌋ of class 2. With e ≥ 5 its errors include the
/// teacher's 3, so it agrees with the teacher on all rows but e − 3: agreement (63 − e) / 60.
/// </para>
/// <para>
/// Each row's top class has probability 0.6, 0.7, 0.8 or 0.9 (row mod 4), the other two share the rest.
/// </para>
/// </remarks>
internal sealed class ReportFixture
{
    public static readonly string[] Labels = ["negative", "neutral", "positive"];

    public const int DevRows = 60;

    // Errors between consecutive evaluations, so a run's dev accuracy rises by 0.1 an epoch to its final one.
    private const int ErrorsPerEpoch = 6;

    private readonly string _folder;

    public ReportFixture(string folder)
    {
        _folder = folder;
        DevLabels = Enumerable.Range(0, DevRows).Select(i => i % Labels.Length).ToArray();
        TeacherPredictions = [.. DevLabels];
        foreach (var row in RowsOf(1).Take(3))
        {
            TeacherPredictions[row] = 0;
        }

        TeacherProbabilities = Probabilities(TeacherPredictions);
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
    /// One distilled seed with <paramref name="errors"/> dev errors at the end: two stages (intermediate, then
    /// prediction) of five evaluations, each with <see cref="ErrorsPerEpoch"/> fewer errors than the one before, and a
    /// metrics log of 50 steps. The seed at <paramref name="index"/> i takes 60 + 30·i s to train, has latency
    /// 2 + 0.2·i ms and throughput 1000 + 100·i rows/s.
    /// </summary>
    public StudentRunReport Distilled(int seed, int errors, int index)
    {
        var stages = new[] { ("intermediate", 0), ("intermediate", 1), ("prediction", 0), ("prediction", 1), ("prediction", 2) };
        var evaluations = stages.Select((s, i) => new EpochEvaluation(s.Item1, s.Item2, (s.Item2 + 1) * 10,
            Metrics(Student(errors + (ErrorsPerEpoch * (stages.Length - 1 - i)))))).ToList();
        var final = Student(errors);
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

    /// <summary>
    /// One baseline seed with <paramref name="errors"/> dev errors at the end, one stage of three epochs
    /// (<see cref="ErrorsPerEpoch"/> fewer errors each); the seed at <paramref name="index"/> i takes 30 + 10·i s to
    /// train. <paramref name="fromLog"/> leaves its evaluations to the metrics log.
    /// </summary>
    public StudentRunReport Baseline(int seed, int errors, int index, bool fromLog = false)
    {
        var evaluations = Enumerable.Range(0, 3).Select(e => new EpochEvaluation("train", e, (e + 1) * 10,
            Metrics(Student(errors + (ErrorsPerEpoch * (2 - e)))))).ToList();
        var final = Student(errors);
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

    private ClassificationMetrics Metrics(float[][] probabilities) => ClassificationMetrics.Compute(DevLabels, probabilities, TeacherPredictions);

    /// <summary>The probabilities of a student with <paramref name="errors"/> errors (see the remarks of the class).</summary>
    private float[][] Student(int errors)
    {
        var predictions = DevLabels.ToArray();
        foreach (var row in RowsOf(1).Take((errors + 1) / 2).Concat(RowsOf(2).Take(errors / 2)))
        {
            predictions[row] = 0;
        }

        return Probabilities(predictions);
    }

    private IEnumerable<int> RowsOf(int label) => Enumerable.Range(0, DevRows).Where(row => DevLabels[row] == label);

    private static float[][] Probabilities(int[] predictions) => predictions.Select((top, row) =>
    {
        var confidence = 0.6f + (0.1f * (row % 4));
        var probabilities = Enumerable.Repeat((1 - confidence) / (Labels.Length - 1), Labels.Length).ToArray();
        probabilities[top] = confidence;
        return probabilities;
    }).ToArray();

    // Step lines as DistillationTrainer writes them, spelled out here so that a change of the format shows up as a
    // failing report test. The intermediate stage's attention term is ~1000 times smaller than its hidden-state
    // term, as they are in practice.
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
}

using Distill.Metrics;
using System.Globalization;
using Distill.Evaluation;

namespace Distill.Recipes.Internal;

/// <summary>A trained student as evaluated at the end of a run: its summary and the probabilities its metrics came from.</summary>
/// <param name="Variant">The variant that trained it; null for the recipe's own stages and for the label-only students.</param>
internal sealed record EvaluatedRun(bool Distilled, StudentRunSummary Summary, float[][]? DevProbabilities, float[][]? TestProbabilities, string? Variant = null);

/// <summary>The teacher as evaluated from its cached logits.</summary>
internal sealed record EvaluatedTeacher(string Path, ClassificationMetrics? Dev, float[][]? DevProbabilities, ClassificationMetrics? Test, float[][]? TestProbabilities);

/// <summary>
/// Turns a finished recipe run into a <see cref="RunReport"/> (teacher and student measured in ONNX Runtime
/// first) and writes it with <see cref="ReportWriter"/> into <c>output/report</c>.
/// </summary>
internal static class RecipeReport
{
    public const string Folder = "report";

    /// <summary>What the report needs beyond the runs.</summary>
    public sealed record Inputs
    {
        public required Recipe Recipe { get; init; }
        public required RecipeData Data { get; init; }
        public required EvaluatedTeacher Teacher { get; init; }
        public required IReadOnlyList<EvaluatedRun> Runs { get; init; }
        public required IReadOnlyList<string> Stages { get; init; }

        /// <summary>The objective of each variant's stages, by variant name.</summary>
        public IReadOnlyDictionary<string, IReadOnlyList<string>> VariantStages { get; init; } = new Dictionary<string, IReadOnlyList<string>>();
        public string? StudentOnnx { get; init; }
        public int? ExportedSeed { get; init; }
        public required TimeSpan Elapsed { get; init; }
        public string? StudentStart { get; init; }
    }

    /// <summary>Writes the report; returns report.md's path and the headline numbers, or null when the run has no dev set to report on.</summary>
    public static (string Markdown, RunSummary Summary)? Write(Inputs inputs, string output, IRecipeObserver observer)
    {
        var recipe = inputs.Recipe;
        if (inputs.Teacher.Dev is null || inputs.Data.Dev is null)
        {
            observer.Notice($"{recipe.Where("data.dev")}: no dev set, so no report (it compares teacher and students on dev)");
            return null;
        }

        OnnxBenchComparison? bench = null;
        var benchOptions = new OnnxBenchOptions { SequenceLength = recipe.Report.BenchSequence };
        if (recipe.Report.Bench && inputs.StudentOnnx is not null)
        {
            observer.Phase("bench: teacher and student in ONNX Runtime (batch 1 latency, batch 32 throughput)");
            try
            {
                bench = OnnxBench.Compare(inputs.Teacher.Path, inputs.StudentOnnx, benchOptions);
            }
            catch (DistillException e)
            {
                // The report is still worth having without speed numbers; say why they are missing.
                observer.Notice($"bench skipped: {e.Message}");
            }
        }

        var labels = inputs.Data.Labels;
        var devLabels = inputs.Data.Dev.Select(r => labels.GetId(r.Label!)).ToList();
        var testLabels = inputs.Data.Test?.Select(r => labels.GetId(r.Label!)).ToList();
        StudentRunReport Student(EvaluatedRun run)
        {
            var exported = run.Distilled && run.Variant is null && run.Summary.Seed == inputs.ExportedSeed;
            var measured = exported ? bench?.Student : null;
            return new StudentRunReport
            {
                Seed = run.Summary.Seed,
                Dev = run.Summary.Dev!,
                DevProbabilities = run.DevProbabilities,
                Test = run.Summary.Test,
                TestProbabilities = run.TestProbabilities,
                Parameters = run.Summary.Parameters,
                MetricsLog = Path.Combine(run.Summary.Folder, "metrics.jsonl"),
                TrainingTime = run.Summary.TrainingTime,
                OnnxPath = exported ? inputs.StudentOnnx : null,
                OnnxBytes = measured?.Bytes ?? (exported && inputs.StudentOnnx is { } onnx ? new FileInfo(onnx).Length : null),
                LatencyMs = measured?.LatencyMs,
                ThroughputRowsPerSecond = measured?.ThroughputRowsPerSecond,
            };
        }

        var report = new RunReport
        {
            Recipe = recipe.Name,
            Labels = inputs.Data.LabelNames,
            Teacher = new TeacherReport
            {
                Name = Path.GetFileName(inputs.Teacher.Path),
                Dev = inputs.Teacher.Dev,
                DevProbabilities = inputs.Teacher.DevProbabilities,
                Test = inputs.Teacher.Test,
                TestProbabilities = inputs.Teacher.TestProbabilities,
                Parameters = OnnxParameters.Count(inputs.Teacher.Path),
                OnnxBytes = new FileInfo(inputs.Teacher.Path).Length,
                LatencyMs = bench?.Teacher.LatencyMs,
                ThroughputRowsPerSecond = bench?.Teacher.ThroughputRowsPerSecond,
            },
            Distilled = inputs.Runs.Where(r => r.Distilled && r.Variant is null && r.Summary.Dev is not null).Select(Student).ToList(),
            Variants = recipe.Variants
                .Select(v => new VariantReport
                {
                    Name = v.Name,
                    Stages = inputs.VariantStages.TryGetValue(v.Name, out var stages) ? stages : [],
                    Runs = inputs.Runs.Where(r => r.Variant == v.Name && r.Summary.Dev is not null).Select(Student).ToList(),
                })
                .Where(v => v.Runs.Count > 0)
                .ToList(),
            Baseline = inputs.Runs.Where(r => !r.Distilled && r.Summary.Dev is not null).Select(Student).ToList(),
            DevLabels = devLabels,
            TestLabels = testLabels,
            StudentDescription = DescribeStudent(recipe.Student),
            StudentStart = inputs.StudentStart,
            DataDescription = DescribeData(recipe, inputs.Data),
            Stages = inputs.Stages,
            Bench = bench is null ? null : benchOptions,
            TotalTime = inputs.Elapsed,
        };
        if (report.Distilled.Count == 0)
        {
            observer.Notice("no distilled student was evaluated on dev, so no report");
            return null;
        }

        var folder = Path.Combine(output, Folder);
        ReportWriter.Write(report, folder);
        return (Path.Combine(folder, ReportWriter.MarkdownFileName), RunSummary.Of(report));
    }

    private static string DescribeStudent(StudentSettings student)
    {
        var settings = student.Settings.Select(p => $"{p.Key} {Show(p.Value)}");
        return student.Settings.Count == 0 ? student.Architecture : $"{student.Architecture}: {string.Join(", ", settings)}";
    }

    private static string DescribeData(Recipe recipe, RecipeData data)
    {
        var augmented = data.Transfer.Count - data.Train.Count;
        return $"{Path.GetFileName(recipe.Data.Train)}: {data.Train.Count:N0} training rows" +
               (augmented > 0 ? $" (+{augmented:N0} augmented or unlabelled in the transfer set)" : string.Empty) +
               $", {data.Dev?.Count ?? 0:N0} dev rows" + (data.Test is null ? string.Empty : $", {data.Test.Count:N0} test rows");
    }

    private static string Show(object? value) => value switch
    {
        null => "null",
        string s => s,
        System.Collections.IEnumerable list => "[" + string.Join(", ", list.Cast<object?>().Select(Show)) + "]",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };
}

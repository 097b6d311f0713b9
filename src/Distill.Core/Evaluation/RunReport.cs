using Distill.Metrics;

namespace Distill.Evaluation;

/// <summary>
/// Everything a distillation run produced that its report shows: the teacher; each seed of the distilled student;
/// each seed of the same student trained on labels alone (the baseline); the dev (and test) labels their
/// probabilities are scored against. <see cref="ReportWriter.Write(RunReport, string)"/> turns it into <c>metrics.json</c>,
/// <c>report.md</c> and plots.
/// </summary>
public sealed record RunReport
{
    /// <summary>The recipe's name.</summary>
    public required string Recipe { get; init; }

    /// <summary>The class names, in label-id order.</summary>
    public required IReadOnlyList<string> Labels { get; init; }

    /// <summary>The teacher.</summary>
    public required TeacherReport Teacher { get; init; }

    /// <summary>The distilled student, one entry per seed; at least one.</summary>
    public required IReadOnlyList<StudentRunReport> Distilled { get; init; }

    /// <summary>The label-only baseline, one entry per seed (normally the same seeds); empty when no baseline was run.</summary>
    public IReadOnlyList<StudentRunReport> Baseline { get; init; } = [];

    /// <summary>
    /// Other ways of distilling the same student (an ablation: KD alone, with attention, ...), each set beside the
    /// distilled student and the baseline; empty when there are none.
    /// </summary>
    public IReadOnlyList<VariantReport> Variants { get; init; } = [];

    /// <summary>The dev set's labels, in row order; needed with any <see cref="ModelReport.DevProbabilities"/>.</summary>
    public IReadOnlyList<int>? DevLabels { get; init; }

    /// <summary>The test set's labels, in row order; needed with any <see cref="ModelReport.TestProbabilities"/>.</summary>
    public IReadOnlyList<int>? TestLabels { get; init; }

    /// <summary>The student architecture in words, e.g. <c>transformer: 4 layers, hidden 312, 12 heads</c>; null leaves it out.</summary>
    public string? StudentDescription { get; init; }

    /// <summary>What the students started from, distilled and label-only alike, e.g. <c>teacher layers 1, 3, 5</c>; null leaves it out.</summary>
    public string? StudentStart { get; init; }

    /// <summary>The data in words, e.g. <c>SST-2: 67,349 training rows, 872 dev rows</c>; null leaves it out.</summary>
    public string? DataDescription { get; init; }

    /// <summary>The objective of each training stage, e.g. <c>train: L = 0.5·KD(T=2) + 0.5·CE</c>.</summary>
    public IReadOnlyList<string> Stages { get; init; } = [];

    /// <summary>The settings latency and throughput were measured with; null when nothing was measured.</summary>
    public OnnxBenchOptions? Bench { get; init; }

    /// <summary>Wall-clock time of the whole run: teacher cache, every seed, baseline, export and bench.</summary>
    public required TimeSpan TotalTime { get; init; }

    /// <summary>Confidence bins of the calibration error and the reliability diagram. Default 15.</summary>
    public int CalibrationBins { get; init; } = CalibrationMetrics.DefaultBins;

    /// <summary>Every inconsistency that would make the report wrong, each naming the field; empty when the report can be written.</summary>
    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(Recipe))
        {
            yield return "Recipe must name the recipe";
        }

        if (Labels is null || Labels.Count < 2)
        {
            yield return $"Labels must name at least 2 classes (has {Labels?.Count ?? 0})";
            yield break;
        }

        if (Teacher is null || Distilled is null || Distilled.Count == 0)
        {
            yield return "Teacher and at least one Distilled run are required";
            yield break;
        }

        if (CalibrationBins < 1)
        {
            yield return $"CalibrationBins must be >= 1 (was {CalibrationBins})";
        }

        foreach (var (name, labels) in new[] { (nameof(DevLabels), DevLabels), (nameof(TestLabels), TestLabels) })
        {
            for (var row = 0; row < (labels?.Count ?? 0); row++)
            {
                if ((uint)labels![row] >= (uint)Labels.Count)
                {
                    yield return $"{name}[{row}] = {labels[row]} is outside the {Labels.Count} labels";
                    break;
                }
            }
        }

        var models = new List<(string Name, ModelReport Model)> { ("Teacher", Teacher) };
        models.AddRange(Distilled.Select((run, i) => ($"Distilled[{i}] (seed {run.Seed})", (ModelReport)run)));
        models.AddRange((Baseline ?? []).Select((run, i) => ($"Baseline[{i}] (seed {run.Seed})", (ModelReport)run)));
        foreach (var variant in Variants ?? [])
        {
            if (variant.Runs is null || variant.Runs.Count == 0)
            {
                yield return $"Variants: '{variant.Name}' has no run; give at least one";
                yield break;
            }

            models.AddRange(variant.Runs.Select((run, i) => ($"Variant '{variant.Name}'[{i}] (seed {run.Seed})", (ModelReport)run)));
        }

        foreach (var name in (Variants ?? []).GroupBy(v => v.Name).Where(g => g.Count() > 1))
        {
            yield return $"Variants has '{name.Key}' {name.Count()} times; give each variant once";
        }

        foreach (var (name, model) in models)
        {
            foreach (var error in Check(name, "Dev", model.Dev, model.DevProbabilities, DevLabels, nameof(DevLabels)))
            {
                yield return error;
            }

            foreach (var error in Check(name, "Test", model.Test, model.TestProbabilities, TestLabels, nameof(TestLabels)))
            {
                yield return error;
            }
        }

        foreach (var (name, runs) in new[] { ("Distilled", Distilled), ("Baseline", Baseline ?? []) }.Concat((Variants ?? []).Select(v => ($"Variant '{v.Name}'", v.Runs))))
        {
            foreach (var seed in runs.GroupBy(r => r.Seed).Where(g => g.Count() > 1))
            {
                yield return $"{name} has seed {seed.Key} {seed.Count()} times; give each seed once";
            }

            foreach (var run in runs.Where(r => r.TrainingTime < TimeSpan.Zero))
            {
                yield return $"{name} seed {run.Seed}: TrainingTime must be >= 0 (was {run.TrainingTime})";
            }
        }
    }

    private IEnumerable<string> Check(string model, string split, ClassificationMetrics? metrics, IReadOnlyList<float[]>? probabilities,
        IReadOnlyList<int>? labels, string labelsName)
    {
        if (metrics is not null && metrics.Confusion.Count != Labels.Count)
        {
            yield return $"{model}.{split}: the confusion matrix has {metrics.Confusion.Count} classes, Labels has {Labels.Count}";
        }

        if (metrics is not null && labels is not null && metrics.Rows != labels.Count)
        {
            yield return $"{model}.{split}: metrics of {metrics.Rows} rows, {labelsName} has {labels.Count}";
        }

        if (probabilities is null)
        {
            yield break;
        }

        if (labels is null)
        {
            yield return $"{model}.{split}Probabilities is given without {labelsName} to score it against";
        }
        else if (probabilities.Count != labels.Count)
        {
            yield return $"{model}.{split}Probabilities has {probabilities.Count} rows, {labelsName} has {labels.Count}";
        }

        for (var i = 0; i < probabilities.Count; i++)
        {
            if (probabilities[i]?.Length != Labels.Count)
            {
                yield return $"{model}.{split}Probabilities row {i} has {probabilities[i]?.Length ?? 0} columns, Labels has {Labels.Count}";
                yield break;
            }
        }
    }
}

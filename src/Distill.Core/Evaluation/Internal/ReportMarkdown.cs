using System.Globalization;
using System.Text;
using static Distill.Evaluation.Internal.ReportFormat;

namespace Distill.Evaluation.Internal;

/// <summary>
/// Writes <c>report.md</c> for people: what was distilled, one table of teacher, distilled student and baseline,
/// what the student kept and gained (as the numbers come, shortfalls included), calibration, then the plots.
/// </summary>
internal static class ReportMarkdown
{
    public static string Render(ReportData data, IReadOnlyList<ReportPlots.Outcome> plots)
    {
        var report = data.Report;
        var summary = data.Summary;
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"# Distillation report: {report.Recipe}\n\n");

        text.Append("## What was distilled\n\n");
        var teacher = report.Teacher;
        var teacherFacts = new[] { teacher.Parameters is { } p ? $"{Count(p)} parameters" : null, teacher.OnnxBytes is { } b ? $"{Bytes(b)} ONNX" : null }.OfType<string>().ToList();
        Line(text, $"- **Teacher:** {teacher.Name}{(teacherFacts.Count > 0 ? $" ({string.Join(", ", teacherFacts)})" : "")}");
        if (report.StudentDescription is { } student)
        {
            Line(text, $"- **Student:** {student}");
        }

        if (report.StudentStart is { } start)
        {
            Line(text, $"- **Start:** {start}; the label-only students start from the same weights, so the gain over them is distillation's alone");
        }

        if (report.DataDescription is { } described)
        {
            Line(text, $"- **Data:** {described}");
        }

        foreach (var stage in report.Stages)
        {
            Line(text, $"- **Stage** {stage}");
        }

        Line(text, $"- **Labels ({report.Labels.Count}):** {string.Join(", ", report.Labels)}");
        Line(text, $"- **Seeds:** {string.Join(", ", report.Distilled.Select(r => r.Seed))}{(report.Baseline.Count > 0 ? $"; baseline seeds {string.Join(", ", report.Baseline.Select(r => r.Seed))}" : "; no label-only baseline was run")}");
        Line(text, $"- **Total time:** {Duration(report.TotalTime)}");
        text.Append('\n');

        var batch = report.Bench?.BatchSize ?? 32;
        text.Append(CultureInfo.InvariantCulture, $"## Results on the dev set ({report.DevLabels?.Count ?? teacher.Dev.Rows} rows)\n\n");
        Line(text, $"| model | accuracy (%) | macro-F1 (%) | agreement with teacher (%) | parameters | ONNX size | latency, batch 1 | throughput, batch {batch} | speedup over teacher (batch 1 / {batch}) | training time |");
        Line(text, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        Line(text, $"| teacher | {Percent(teacher.Dev.Accuracy)} | {Percent(teacher.Dev.MacroF1)} | {Missing} | {Count(teacher.Parameters)} | {Bytes(teacher.OnnxBytes)} | {Milliseconds(teacher.LatencyMs)} | {RowsPerSecond(teacher.ThroughputRowsPerSecond)} | {Missing} | {Missing} |");
        Row(text, "distilled student", report.Distilled, teacher);
        if (report.Baseline.Count > 0)
        {
            Row(text, "baseline student (labels only)", report.Baseline, teacher);
        }

        text.Append('\n');
        var seeds = report.Distilled.Count > 1 || report.Baseline.Count > 1 ? "Students: mean over seeds; ± is the sample standard deviation (n − 1). " : "";
        var bench = report.Bench is { } o
            ? $"Latency is the median of {o.Repeats} batch-1 runs and throughput comes from the median of {o.BatchRepeats} runs of {o.BatchSize} rows, after {o.WarmupRuns} warm-up runs, in ONNX Runtime on the CPU ({(o.Threads == 0 ? "its default threads" : $"{o.Threads} threads")}), at sequence length {o.SequenceLength} for text models. "
            : "";
        Line(text, $"{seeds}{bench}Speedup is teacher latency over student latency, and student throughput over teacher throughput.");
        text.Append('\n');

        Line(text, $"- **kept:** {Percent(summary.KeptAccuracy)} % of the teacher's accuracy ({Percent(summary.DistilledAccuracy.Mean)} % against {Percent(summary.TeacherAccuracy)} %).");
        if (summary.GainPoints is { } gain && summary.BaselineAccuracy is { } baseline)
        {
            var perSeed = summary.GainPointsPerSeed.Count > 0
                ? $" ({(summary.GainPointsPerSeed.Count == 1 ? "seed" : "seeds")} {string.Join(", ", summary.GainPointsPerSeed.Select(g => g.Key))}: {string.Join(", ", summary.GainPointsPerSeed.Select(g => Points(g.Value)))})"
                : " (no seed was run both ways, so there is no per-seed comparison)";
            var verdict = gain < 0 ? "; distillation did worse than training on labels alone" : "";
            Line(text, $"- **gained over the baseline:** {Points(gain)} points of accuracy{perSeed}: {Percent(summary.DistilledAccuracy.Mean)} % against {Percent(baseline.Mean)} %{verdict}.");
        }
        else
        {
            Line(text, "- **gained over the baseline:** not measured; no label-only baseline was run.");
        }

        if (report.Variants.Count > 0)
        {
            Variants(text, report, summary);
        }

        if (report.Distilled.Any(r => r.Test is not null) || teacher.Test is not null)
        {
            var parts = new List<string>();
            if (teacher.Test is { } t)
            {
                parts.Add($"teacher {Percent(t.Accuracy)} %");
            }

            parts.Add($"distilled {Percent(Spread.Of(report.Distilled.Where(r => r.Test is not null).Select(r => r.Test!.Accuracy)))} %");
            if (report.Baseline.Any(r => r.Test is not null))
            {
                parts.Add($"baseline {Percent(Spread.Of(report.Baseline.Where(r => r.Test is not null).Select(r => r.Test!.Accuracy)))} %");
            }

            Line(text, $"- **test set ({report.TestLabels?.Count ?? teacher.Test?.Rows ?? report.Distilled.First(r => r.Test is not null).Test!.Rows} rows), accuracy:** {string.Join(", ", parts)}.");
        }

        if (data.Distilled.Any(r => r.Dev is not null))
        {
            var parts = new List<string>();
            if (data.TeacherDev is { } t)
            {
                parts.Add($"teacher {Fraction(t.ExpectedCalibrationError)}");
            }

            parts.Add($"distilled {Fraction(Spread.Of(data.Distilled.Where(r => r.Dev is not null).Select(r => r.Dev!.ExpectedCalibrationError)))}");
            if (data.Baseline.Any(r => r.Dev is not null))
            {
                parts.Add($"baseline {Fraction(Spread.Of(data.Baseline.Where(r => r.Dev is not null).Select(r => r.Dev!.ExpectedCalibrationError)))}");
            }

            Line(text, $"- **calibration on dev (expected calibration error, {report.CalibrationBins} bins; lower is better):** {string.Join(", ", parts)}.");
        }

        text.Append("\n## Plots\n\n");
        if (report.Distilled.Count > 1)
        {
            Line(text, $"The loss, reliability and confusion plots show seed {data.Representative.Run.Seed}, the median distilled seed by dev accuracy.");
            text.Append('\n');
        }

        foreach (var plot in plots)
        {
            Line(text, plot.Skipped is null ? $"![{plot.Title}]({plot.FileName})" : $"*{plot.Title}: not drawn; {plot.Skipped}.*");
            text.Append('\n');
        }

        if (PlotFonts.Family is null && plots.Any(p => p.Skipped is null))
        {
            Line(text, "*No font was found on this machine, so the plots have no text; install one (e.g. `apt-get install fonts-dejavu-core`) and write the report again.*");
        }

        return text.ToString();
    }

    /// <summary>
    /// The ablation: the distilled student, each variant and the baseline on one table, each with its objective, what
    /// it kept and what it gained over labels alone (seed by seed, as the headline's gain).
    /// </summary>
    private static void Variants(StringBuilder text, RunReport report, RunSummary summary)
    {
        text.Append("\n## What each way of distilling gained\n\n");
        Line(text, "The same student from the same start on the same transfer set and seeds; only the objective differs. Gain is over the label-only students, seed by seed.");
        text.Append('\n');
        Line(text, "| students | objective | dev accuracy (%) | kept of the teacher (%) | gain over labels alone (points) | gain per seed |");
        Line(text, "|---|---|---:|---:|---:|---|");
        string PerSeed(IReadOnlyList<KeyValuePair<int, double>> gains) =>
            gains.Count == 0 ? Missing : string.Join(", ", gains.Select(g => $"seed {g.Key}: {Points(g.Value)}"));
        string Objective(IReadOnlyList<string> stages) => string.Join("; then ", stages.Select(s => s.Replace("|", "\\|", StringComparison.Ordinal)));
        Line(text, $"| distilled (the recipe's stages) | {Objective(report.Stages)} | {Percent(summary.DistilledAccuracy)} | {Percent(summary.KeptAccuracy)} | " +
                   $"{(summary.GainPoints is { } gain ? Points(gain) : Missing)} | {PerSeed(summary.GainPointsPerSeed)} |");
        for (var i = 0; i < report.Variants.Count; i++)
        {
            var variant = summary.Variants[i];
            Line(text, $"| {report.Variants[i].Name} | {Objective(report.Variants[i].Stages)} | {Percent(variant.Accuracy)} | {Percent(variant.KeptAccuracy)} | " +
                       $"{(variant.GainPoints is { } g ? Points(g) : Missing)} | {PerSeed(variant.GainPointsPerSeed)} |");
        }

        if (summary.BaselineAccuracy is { } baseline)
        {
            Line(text, $"| labels only | L = CE | {Percent(baseline)} | {Percent(baseline.Mean / summary.TeacherAccuracy)} | {Missing} | {Missing} |");
        }
    }

    private static void Row(StringBuilder text, string name, IReadOnlyList<StudentRunReport> runs, TeacherReport teacher)
    {
        double? Mean(Func<StudentRunReport, double?> value) => Spread.Of(runs.Select(value).OfType<double>())?.Mean;
        var latency = Mean(r => r.LatencyMs);
        var throughput = Mean(r => r.ThroughputRowsPerSecond);
        var speedup = teacher.LatencyMs is { } tl && latency is { } sl && teacher.ThroughputRowsPerSecond is { } tt && throughput is { } st
            ? $"{Times(tl / sl)} / {Times(st / tt)}"
            : Missing;
        var label = runs.Count > 1 ? $"{name}, {runs.Count} seeds" : $"{name}, seed {runs[0].Seed}";
        Line(text, $"| {label} | {Percent(Spread.Of(runs.Select(r => r.Dev.Accuracy)))} | {Percent(Spread.Of(runs.Select(r => r.Dev.MacroF1)))} | " +
            $"{Percent(Spread.Of(runs.Select(r => r.Dev.TeacherAgreement).OfType<double>()))} | {Count(Mean(r => r.Parameters))} | {Bytes(Mean(r => r.OnnxBytes))} | " +
            $"{Milliseconds(latency)} | {RowsPerSecond(throughput)} | {speedup} | {Duration(TimeSpan.FromSeconds(runs.Average(r => r.TrainingTime.TotalSeconds)))} |");
    }

    private static void Line(StringBuilder text, string line) => text.Append(line).Append('\n');
}

using Distill.Metrics;
using System.Globalization;
using Distill.Evaluation;
using Distill.Recipes;
using Spectre.Console;

namespace Distill.Cli.Recipes;

/// <summary>Prints a recipe run's results and a dry run's plan as Spectre.Console tables.</summary>
internal static class RecipeResultView
{
    public static void WritePlan(IAnsiConsole console, RecipePlan plan)
    {
        foreach (var section in plan.Sections)
        {
            var table = new Table().Border(TableBorder.Rounded).Title($"[bold]{Markup.Escape(section.Title)}[/]").HideHeaders()
                .AddColumn("name").AddColumn("value");
            foreach (var (name, value) in section.Items)
            {
                table.AddRow(new Markup($"[grey]{Markup.Escape(name)}[/]"), new Spectre.Console.Text(value));
            }

            console.Write(table);
        }

        console.MarkupLine("[grey]dry run: nothing was trained or written[/]");
    }

    public static void WriteResult(IAnsiConsole console, RecipeRunResult result)
    {
        var hasTest = result.Teacher?.Test is not null || result.Distilled.Concat(result.Baselines).Any(r => r.Test is not null);
        var table = new Table().Border(TableBorder.Rounded).Title("[bold]results[/]")
            .AddColumn("model").AddColumn(new TableColumn("dev accuracy").RightAligned()).AddColumn(new TableColumn("dev macro-F1").RightAligned())
            .AddColumn(new TableColumn("agreement").RightAligned());
        if (hasTest)
        {
            table.AddColumn(new TableColumn("test accuracy").RightAligned()).AddColumn(new TableColumn("test macro-F1").RightAligned());
        }

        table.AddColumn(new TableColumn("parameters").RightAligned()).AddColumn(new TableColumn("training").RightAligned());
        void Row(string name, ClassificationMetrics? dev, ClassificationMetrics? test, string parameters, string time, bool bold = false)
        {
            var cells = new List<string>
            {
                name, Percent(dev?.Accuracy), Fixed(dev?.MacroF1), Percent(dev?.TeacherAgreement),
            };
            if (hasTest)
            {
                cells.Add(Percent(test?.Accuracy));
                cells.Add(Fixed(test?.MacroF1));
            }

            cells.Add(parameters);
            cells.Add(time);
            table.AddRow(cells.Select(c => bold ? $"[bold]{Markup.Escape(c)}[/]" : Markup.Escape(c)).ToArray());
        }

        if (result.Teacher is { } teacher)
        {
            Row($"teacher ({Path.GetFileName(teacher.Model)})", teacher.Dev, teacher.Test, "", "");
        }

        void Group(string name, IReadOnlyList<StudentRunSummary> runs)
        {
            foreach (var run in runs)
            {
                Row($"{name}, seed {run.Seed}", run.Dev, run.Test, run.Parameters.ToString("N0", CultureInfo.InvariantCulture), ConsoleRecipeObserver.Format(run.TrainingTime));
            }

            if (runs.Count > 1)
            {
                var cells = new List<string>
                {
                    $"{name}, mean ± std", MeanStd(runs.Select(r => r.Dev?.Accuracy)), MeanStd(runs.Select(r => r.Dev?.MacroF1), percent: false),
                    MeanStd(runs.Select(r => r.Dev?.TeacherAgreement)),
                };
                if (hasTest)
                {
                    cells.Add(MeanStd(runs.Select(r => r.Test?.Accuracy)));
                    cells.Add(MeanStd(runs.Select(r => r.Test?.MacroF1), percent: false));
                }

                cells.Add("");
                cells.Add("");
                table.AddRow(cells.Select(c => $"[bold]{Markup.Escape(c)}[/]").ToArray());
            }
        }

        Group(result.Teacher is null ? "student" : "distilled", result.Distilled);
        Group(result.Teacher is null ? "student" : "labels only", result.Baselines);
        foreach (var variant in result.Variants)
        {
            Group($"variant {variant.Name}", variant.Runs);
        }

        console.Write(table);

        if (result.Summary is { } summary)
        {
            // One seed is a single number, not a mean: say which seed it is.
            var over = summary.DistilledAccuracy.Count == 1 && result.Distilled.Count == 1
                ? $"seed {result.Distilled[0].Seed}"
                : $"mean of {summary.DistilledAccuracy.Count} seeds";
            console.MarkupLineInterpolated(
                $"kept [bold]{summary.KeptAccuracy:P1}[/] of the teacher's dev accuracy ({summary.DistilledAccuracy.Mean:P2} of {summary.TeacherAccuracy:P2}, {over})");
            if (summary.GainPoints is { } gain)
            {
                var seeds = summary.GainPointsPerSeed;
                var perSeed = summary.DistilledAccuracy.Count == 1 && summary.BaselineAccuracy?.Count == 1 && seeds.Count == 1
                    ? $"seed {seeds[0].Key}"
                    : seeds.Count == 0 ? "mean" : $"mean; {string.Join(", ", seeds.Select(p => $"seed {p.Key} {p.Value:+0.00;-0.00}"))}";
                console.MarkupLineInterpolated($"distillation over labels alone: [bold]{gain:+0.00;-0.00}[/] accuracy points ({perSeed})");
            }

            foreach (var variant in summary.Variants.Where(v => v.GainPoints is not null))
            {
                var seeds = variant.GainPointsPerSeed.Count == 0 ? "" : $"; {string.Join(", ", variant.GainPointsPerSeed.Select(p => $"seed {p.Key} {p.Value:+0.00;-0.00}"))}";
                console.MarkupLineInterpolated($"variant {variant.Name} over labels alone: [bold]{variant.GainPoints:+0.00;-0.00}[/] accuracy points (mean{seeds})");
            }

            if (summary.LatencySpeedup is { } latency && summary.ThroughputSpeedup is { } throughput)
            {
                console.MarkupLineInterpolated(
                    $"student vs teacher in ONNX Runtime: {latency:F1}x faster at batch 1, {throughput:F1}x the throughput at batch 32, {(summary.SizeRatio is { } size ? $"{size:F1}x smaller" : "")}");
            }
        }

        if (result.StudentOnnx is { } onnx)
        {
            console.MarkupLineInterpolated($"student: [link]{Path.GetFullPath(onnx)}[/]");
        }

        if (result.Report is { } report)
        {
            console.MarkupLineInterpolated($"report: [link]{Path.GetFullPath(report)}[/]");
        }

        console.MarkupLineInterpolated($"outputs: {result.Output}");
        console.MarkupLineInterpolated($"time: [bold]{ConsoleRecipeObserver.Format(result.Elapsed)}[/]");
    }

    private static string Percent(double? value) => value is { } v ? v.ToString("P2", CultureInfo.InvariantCulture) : "–";

    private static string Fixed(double? value) => value is { } v ? v.ToString("F4", CultureInfo.InvariantCulture) : "–";

    private static string MeanStd(IEnumerable<double?> values, bool percent = true)
    {
        var known = values.OfType<double>().ToList();
        if (known.Count == 0)
        {
            return "–";
        }

        var spread = Spread.Of(known)!;
        return percent
            ? $"{spread.Mean * 100:F2} ± {spread.Std * 100:F2} %"
            : $"{spread.Mean:F4} ± {spread.Std:F4}";
    }
}

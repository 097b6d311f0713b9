using ScottPlot;
using ScottPlot.TickGenerators;

namespace Distill.Evaluation.Internal;

/// <summary>
/// The report's PNG plots, drawn with ScottPlot: loss per term over steps, dev accuracy per epoch against the
/// teacher, a reliability diagram, and a confusion matrix. The loss, reliability and confusion plots show the
/// representative seed of the distilled student (<see cref="ReportData.Representative"/>).
/// </summary>
internal static class ReportPlots
{
    public const string LossFile = "loss.png";
    public const string AccuracyFile = "accuracy.png";
    public const string ReliabilityFile = "reliability.png";
    public const string ConfusionFile = "confusion.png";

    private static readonly Color Distilled = Color.FromHex("#1f77b4");
    private static readonly Color Baseline = Color.FromHex("#ff7f0e");
    private static readonly Color Teacher = Color.FromHex("#2ca02c");
    private static readonly Color Guide = Color.FromHex("#7f7f7f");

    // Colours of the loss terms; the total is drawn in black.
    private static readonly Color[] TermColors = new[] { "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22" }.Select(Color.FromHex).ToArray();

    /// <summary>A plot the report shows: its file when drawn, else why it was not.</summary>
    public sealed record Outcome(string Title, string FileName, string? Skipped);

    /// <summary>A plot to save, or the reason there is none.</summary>
    private sealed record Drawing(Plot? Plot, int Width, int Height, string? Skipped);

    /// <summary>Draws every plot that the data allows into <paramref name="folder"/>.</summary>
    public static IReadOnlyList<Outcome> Write(string folder, ReportData data)
    {
        var plots = new (string Title, string File, Func<ReportData, Drawing> Draw)[]
        {
            ("Training loss per term", LossFile, Loss),
            ("Dev accuracy per epoch", AccuracyFile, Accuracy),
            ("Reliability diagram", ReliabilityFile, Reliability),
            ("Confusion matrix", ConfusionFile, Confusion),
        };
        var outcomes = new List<Outcome>();
        foreach (var (title, file, draw) in plots)
        {
            Drawing drawing;
            try
            {
                drawing = draw(data);
                if (drawing.Plot is { } plot)
                {
                    using (plot)
                    {
                        plot.SavePng(Path.Combine(folder, file), drawing.Width, drawing.Height);
                    }
                }
            }
            catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or EntryPointNotFoundException)
            {
                // Numbers matter more than pictures: a machine where SkiaSharp's native library does not load still
                // gets metrics.json and report.md, which say why the plots are missing.
                outcomes.Add(new Outcome(title, file, $"SkiaSharp could not draw here ({e.GetBaseException().Message})"));
                continue;
            }

            outcomes.Add(new Outcome(title, file, drawing.Skipped));
        }

        return outcomes;
    }

    private static Drawing Skip(string reason) => new(null, 0, 0, reason);

    private static Drawing Loss(ReportData data)
    {
        var run = data.Representative.Run;
        if (run.MetricsLog is not { } log)
        {
            return Skip("the distilled student's metrics log was not given");
        }

        if (!File.Exists(log))
        {
            return Skip($"the metrics log {log} does not exist");
        }

        var steps = MetricsLogReader.Read(log).Steps;
        if (steps.Count == 0)
        {
            return Skip($"the metrics log {log} has no step lines");
        }

        var series = new List<(string Name, double[] X, double[] Y)>
        {
            ("total", steps.Select(s => (double)s.GlobalStep).ToArray(), steps.Select(s => s.Loss).ToArray()),
        };
        foreach (var name in steps.SelectMany(s => s.Terms.Select(t => t.Key)).Distinct())
        {
            var points = steps.SelectMany(s => s.Terms.Where(t => t.Key == name).Select(t => (X: (double)s.GlobalStep, Y: t.Value))).ToList();
            series.Add((name, points.Select(p => p.X).ToArray(), points.Select(p => p.Y).ToArray()));
        }

        // Terms often differ by orders of magnitude (attention MSE against KD, say): past a factor of 100 a linear
        // axis would flatten the small ones, so the axis becomes logarithmic and values ≤ 0 are left out.
        var positive = series.SelectMany(s => s.Y).Where(y => y > 0 && double.IsFinite(y)).ToList();
        var logarithmic = positive.Count > 0 && positive.Max() / positive.Min() > 100;
        var plot = new Plot();
        double low = double.PositiveInfinity, high = double.NegativeInfinity;
        for (var i = 0; i < series.Count; i++)
        {
            var (name, xs, values) = series[i];
            var kept = xs.Zip(values).Where(p => double.IsFinite(p.Second) && (!logarithmic || p.Second > 0)).ToList();
            if (kept.Count == 0)
            {
                continue;
            }

            var ys = kept.Select(p => logarithmic ? Math.Log10(p.Second) : p.Second).ToArray();
            low = Math.Min(low, ys.Min());
            high = Math.Max(high, ys.Max());
            var line = plot.Add.ScatterLine(kept.Select(p => p.First).ToArray(), ys);
            line.LegendText = name;
            line.Color = i == 0 ? Colors.Black : TermColors[(i - 1) % TermColors.Length];
            line.LineWidth = i == 0 ? 2 : 1.5f;
        }

        if (double.IsInfinity(low))
        {
            plot.Dispose();
            return Skip($"the metrics log {log} has no finite loss values");
        }

        // Room above the curves for the stage names.
        var range = Math.Max(high - low, 1e-6);
        plot.Axes.SetLimitsY(low - (0.05 * range), high + (0.15 * range));
        StageMarks(plot, steps.Select(s => (s.Stage, (double)s.GlobalStep)), 0, high + (0.14 * range));

        if (logarithmic)
        {
            plot.Axes.Left.TickGenerator = new NumericAutomatic
            {
                MinorTickGenerator = new LogMinorTickGenerator(),
                IntegerTicksOnly = true,
                LabelFormatter = y => Math.Pow(10, y).ToString("G3", System.Globalization.CultureInfo.InvariantCulture),
            };
        }

        Finish(plot, $"Training loss per term (distilled student, seed {run.Seed})", "optimizer step",
            logarithmic ? "loss, log scale (terms unweighted)" : "loss (terms unweighted)", Alignment.UpperRight);
        return new Drawing(plot, 900, 520, null);
    }

    private static Drawing Accuracy(ReportData data)
    {
        var groups = new[] { ("distilled", data.Distilled, Distilled), ("baseline", data.Baseline, Baseline) };
        if (groups.All(g => g.Item2.All(r => r.Evaluations.Count == 0)))
        {
            return Skip("no run has per-epoch dev evaluations");
        }

        var plot = new Plot();
        var teacher = data.Report.Teacher.Dev.Accuracy * 100;
        double low = teacher, high = teacher;
        var longest = 0;
        foreach (var (name, runs, color) in groups)
        {
            var curves = runs.Where(r => r.Evaluations.Count > 0).Select(r => (r.Run.Seed, Y: r.Evaluations.Select(e => e.Accuracy * 100).ToArray())).ToList();
            if (curves.Count == 0)
            {
                continue;
            }

            longest = Math.Max(longest, curves.Max(c => c.Y.Length));
            low = Math.Min(low, curves.SelectMany(c => c.Y).Where(double.IsFinite).DefaultIfEmpty(low).Min());
            high = Math.Max(high, curves.SelectMany(c => c.Y).Where(double.IsFinite).DefaultIfEmpty(high).Max());
            if (curves.Count == 1)
            {
                var only = plot.Add.Scatter(Epochs(curves[0].Y.Length), curves[0].Y);
                only.Color = color;
                only.LineWidth = 2;
                only.MarkerSize = 7;
                only.LegendText = $"{name} (seed {curves[0].Seed})";
                continue;
            }

            foreach (var (_, y) in curves)
            {
                var seedLine = plot.Add.ScatterLine(Epochs(y.Length), y);
                seedLine.Color = color.WithAlpha(0.35);
                seedLine.LineWidth = 1;
            }

            // Mean and sample std at each epoch over the seeds that reached it (early stopping can end a seed sooner).
            var length = curves.Max(c => c.Y.Length);
            var spreads = Enumerable.Range(0, length).Select(i => Spread.Of(curves.Where(c => c.Y.Length > i).Select(c => c.Y[i]))!).ToList();
            var xs = Epochs(length);
            var band = plot.Add.FillY(xs, spreads.Select(s => s.Mean - s.Std).ToArray(), spreads.Select(s => s.Mean + s.Std).ToArray());
            band.FillColor = color.WithAlpha(0.15);
            band.LineWidth = 0;
            var mean = plot.Add.Scatter(xs, spreads.Select(s => s.Mean).ToArray());
            mean.Color = color;
            mean.LineWidth = 2.5f;
            mean.MarkerSize = 7;
            mean.LegendText = $"{name}: mean ± std of {curves.Count} seeds";
            low = Math.Min(low, spreads.Min(s => s.Mean - s.Std));
            high = Math.Max(high, spreads.Max(s => s.Mean + s.Std));
        }

        var line = plot.Add.HorizontalLine(teacher);
        line.Color = Teacher;
        line.LinePattern = LinePattern.Dashed;
        line.LineWidth = 2;
        line.LegendText = $"teacher ({ReportFormat.Percent(data.Report.Teacher.Dev.Accuracy)} %)";

        var pad = Math.Max(1, (high - low) * 0.1);
        var top = Math.Min(100, high + (2 * pad));
        var stages = StageMarks(plot, data.Representative.Evaluations.Select((e, i) => (e.Stage, i + 1.0)), -0.5, top - (0.1 * pad));

        if (longest <= 30)
        {
            var ticks = new NumericManual();
            for (var epoch = 1; epoch <= longest; epoch++)
            {
                ticks.AddMajor(epoch, epoch.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            plot.Axes.Bottom.TickGenerator = ticks;
        }

        plot.Axes.SetLimits(0.5, longest + 0.5, Math.Max(0, low - pad), top);
        Finish(plot, "Dev accuracy per epoch", stages > 1 ? "epoch (all stages in order)" : "epoch", "dev accuracy (%)", Alignment.LowerRight);
        return new Drawing(plot, 900, 520, null);
    }

    private static Drawing Reliability(ReportData data)
    {
        var student = data.Representative;
        if (student.Dev is not { } calibration)
        {
            return Skip(data.Report.DevLabels is null
                ? "the report has no dev labels to score probabilities against"
                : "the distilled student's dev probabilities were not kept");
        }

        var plot = new Plot();
        var bars = calibration.Bins.Where(b => b.Count > 0).Select(b => new Bar
        {
            Position = (b.Lower + b.Upper) / 2,
            Value = b.Accuracy,
            Size = (b.Upper - b.Lower) * 0.92,
            FillColor = Distilled.WithAlpha(0.75),
            LineWidth = 0,
        }).ToList();
        var barPlot = plot.Add.Bars(bars);
        barPlot.LegendText = $"distilled, seed {student.Run.Seed}: accuracy per bin (ECE {ReportFormat.Fraction(calibration.ExpectedCalibrationError)})";
        foreach (var bin in calibration.Bins.Where(b => b.Count > 0))
        {
            var count = plot.Add.Text(bin.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), (bin.Lower + bin.Upper) / 2, bin.Accuracy + 0.01);
            count.LabelAlignment = Alignment.LowerCenter;
            count.LabelFontSize = 10;
            count.LabelFontColor = Guide;
        }

        var diagonal = plot.Add.Line(0, 0, 1, 1);
        diagonal.Color = Guide;
        diagonal.LinePattern = LinePattern.Dashed;
        diagonal.LegendText = "perfect calibration";

        var title = $"Reliability on dev: distilled ECE {ReportFormat.Fraction(calibration.ExpectedCalibrationError)}";
        if (data.TeacherDev is { } teacher)
        {
            var bins = teacher.Bins.Where(b => b.Count > 0).ToList();
            var points = plot.Add.Scatter(bins.Select(b => b.Confidence).ToArray(), bins.Select(b => b.Accuracy).ToArray());
            points.Color = Teacher;
            points.LineWidth = 1.5f;
            points.MarkerSize = 7;
            points.LegendText = $"teacher (ECE {ReportFormat.Fraction(teacher.ExpectedCalibrationError)})";
            title += $", teacher ECE {ReportFormat.Fraction(teacher.ExpectedCalibrationError)}";
        }

        plot.Axes.SetLimits(0, 1, 0, 1.08);
        Finish(plot, title, $"confidence (top-class probability), {calibration.Bins.Count} bins; numbers are rows per bin", "accuracy", Alignment.UpperLeft);
        return new Drawing(plot, 720, 640, null);
    }

    private static Drawing Confusion(ReportData data)
    {
        var run = data.Representative.Run;
        var labels = data.Report.Labels;
        var n = labels.Count;
        var counts = new double[n, n];
        var max = 0;
        for (var r = 0; r < n; r++)
        {
            for (var c = 0; c < n; c++)
            {
                counts[r, c] = run.Dev.Confusion[r][c];
                max = Math.Max(max, run.Dev.Confusion[r][c]);
            }
        }

        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(counts);
        // ScottPlot's Blues runs from dark to light; reversed, the most frequent cells are the darkest.
        heatmap.Colormap = new ScottPlot.Colormaps.Reversed(new ScottPlot.Colormaps.Blues());
        plot.Add.ColorBar(heatmap).Label = "rows";

        // Beyond 20 classes the numbers would overlap; the colours still show where the errors are.
        if (n <= 20)
        {
            for (var r = 0; r < n; r++)
            {
                for (var c = 0; c < n; c++)
                {
                    var count = run.Dev.Confusion[r][c];
                    var text = plot.Add.Text(count.ToString(System.Globalization.CultureInfo.InvariantCulture), c, n - 1 - r);
                    text.LabelAlignment = Alignment.MiddleCenter;
                    text.LabelFontSize = n <= 8 ? 16 : 11;
                    text.LabelFontColor = count > max / 2.0 ? Colors.White : Colors.Black;
                }
            }
        }

        // The heatmap draws row 0 at the top: the true labels read downwards, the predictions across.
        var bottom = new NumericManual();
        var left = new NumericManual();
        for (var i = 0; i < n; i++)
        {
            bottom.AddMajor(i, n <= 40 ? labels[i] : "");
            left.AddMajor(n - 1 - i, n <= 40 ? labels[i] : "");
        }

        plot.Axes.Bottom.TickGenerator = bottom;
        plot.Axes.Left.TickGenerator = left;
        if (n > 3 && labels.Max(l => l.Length) > 5)
        {
            // Slanted names need a taller axis panel than ScottPlot sizes for level ones (about 0.7 of each name's width).
            plot.Axes.Bottom.TickLabelStyle.Rotation = 45;
            plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
            plot.Axes.Bottom.MinimumSize = (float)(labels.Max(l => l.Length) * 6.5) + 40;
        }

        plot.HideGrid();
        plot.Axes.SetLimits(-0.5, n - 0.5, -0.5, n - 0.5);
        Finish(plot, $"Confusion on dev (distilled student, seed {run.Seed}): accuracy {ReportFormat.Percent(run.Dev.Accuracy)} %", "predicted", "true label", null);
        var side = Math.Clamp((60 * n) + 300, 560, 1600);
        return new Drawing(plot, side + 80, side, null);
    }

    private static double[] Epochs(int count) => Enumerable.Range(1, count).Select(i => (double)i).ToArray();

    /// <summary>
    /// For a run of several stages, a dotted line where each stage after the first begins (at its first x plus
    /// <paramref name="shift"/>) and each stage's name at <paramref name="y"/>, inside the plot. Returns the number of stages.
    /// </summary>
    private static int StageMarks(Plot plot, IEnumerable<(string Stage, double X)> points, double shift, double y)
    {
        var starts = new List<(string Stage, double X)>();
        foreach (var (stage, x) in points)
        {
            if (starts.Count == 0 || starts[^1].Stage != stage)
            {
                starts.Add((stage, x + shift));
            }
        }

        if (starts.Count < 2)
        {
            return starts.Count;
        }

        for (var i = 0; i < starts.Count; i++)
        {
            var (stage, x) = starts[i];
            if (i > 0)
            {
                var line = plot.Add.VerticalLine(x);
                line.Color = Guide;
                line.LinePattern = LinePattern.Dotted;
                line.LineWidth = 1;
                line.ExcludeFromLegend = true;
            }

            var name = plot.Add.Text(stage, x, y);
            name.LabelAlignment = Alignment.UpperLeft;
            name.LabelFontSize = 12;
            name.LabelFontColor = Guide;
            name.OffsetX = 4;
        }

        return starts.Count;
    }

    private static void Finish(Plot plot, string title, string xLabel, string yLabel, Alignment? legend)
    {
        plot.Title(title, size: 16);
        plot.XLabel(xLabel, size: 13);
        plot.YLabel(yLabel, size: 13);
        if (legend is { } where)
        {
            plot.ShowLegend(where);
        }

        if (PlotFonts.Family is { } family)
        {
            plot.Font.Set(family);
            foreach (var text in plot.GetPlottables<ScottPlot.Plottables.Text>())
            {
                text.LabelFontName = family;
            }
        }
    }
}

using Distill.Metrics;
using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;
using Distill.Evaluation;
using SkiaSharp;

namespace Distill.Core.Tests.Evaluation;

/// <summary>ReportWriter on fabricated runs: the files, the numbers in metrics.json and report.md, the plots.</summary>
public sealed class ReportWriterTests : IDisposable
{
    private static readonly string[] Plots = [ReportWriter.LossPlotFileName, ReportWriter.AccuracyPlotFileName, ReportWriter.ReliabilityPlotFileName, ReportWriter.ConfusionPlotFileName];

    private readonly string _folder = Directory.CreateTempSubdirectory("distill-report-").FullName;
    private readonly ReportFixture _fixture;

    public ReportWriterTests()
    {
        _fixture = new ReportFixture(_folder);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private RunReport ThreeSeeds() => _fixture.Report(
        [_fixture.Distilled(1, 0.85, 0), _fixture.Distilled(2, 0.80, 1), _fixture.Distilled(3, 0.88, 2)],
        [_fixture.Baseline(1, 0.75, 0), _fixture.Baseline(2, 0.78, 1), _fixture.Baseline(3, 0.70, 2, fromLog: true)]);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public void Write_Should_WriteMetricsMarkdownAndFourPlots_When_TheRunIsComplete()
    {
        // Arrange
        var target = Path.Combine(_folder, "report");

        // Act
        ReportWriter.Write(ThreeSeeds(), target);

        // Assert: those files and nothing else, and no temporary folder left beside it.
        Directory.GetFiles(target).Select(Path.GetFileName).Should().BeEquivalentTo(
            [ReportWriter.MetricsFileName, ReportWriter.MarkdownFileName, .. Plots]);
        Directory.GetDirectories(_folder).Should().Equal(target);
    }

    [Fact]
    public void Write_Should_PutMeansAndSpreadsOverSeedsInMetricsJson()
    {
        // Arrange
        var report = ThreeSeeds();
        var target = Path.Combine(_folder, "report");

        // Act
        ReportWriter.Write(report, target);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(target, ReportWriter.MetricsFileName)));

        // Assert
        var root = json.RootElement;
        root.GetProperty("recipe").GetString().Should().Be("sst3-tiny");
        root.GetProperty("labels").EnumerateArray().Select(l => l.GetString()).Should().Equal(ReportFixture.Labels);
        root.GetProperty("dev_rows").GetInt32().Should().Be(ReportFixture.DevRows);
        root.GetProperty("total_seconds").GetDouble().Should().Be(3720);
        root.GetProperty("teacher").GetProperty("dev").GetProperty("accuracy").GetDouble().Should().Be(report.Teacher.Dev.Accuracy);
        root.GetProperty("teacher").GetProperty("latency_ms").GetDouble().Should().Be(20);
        foreach (var (name, runs) in new[] { ("distilled", report.Distilled), ("baseline", report.Baseline) })
        {
            var group = root.GetProperty(name);
            group.GetProperty("seeds").EnumerateArray().Select(s => s.GetInt32()).Should().Equal(1, 2, 3);
            var summary = group.GetProperty("summary");
            ShouldBeSpreadOf(summary.GetProperty("dev").GetProperty("accuracy"), runs.Select(r => r.Dev.Accuracy).ToList());
            ShouldBeSpreadOf(summary.GetProperty("dev").GetProperty("macro_f1"), runs.Select(r => r.Dev.MacroF1).ToList());
            ShouldBeSpreadOf(summary.GetProperty("dev").GetProperty("teacher_agreement"), runs.Select(r => r.Dev.TeacherAgreement!.Value).ToList());
            ShouldBeSpreadOf(summary.GetProperty("training_seconds"), runs.Select(r => r.TrainingTime.TotalSeconds).ToList());
            ShouldBeSpreadOf(summary.GetProperty("latency_ms"), [2.0, 2.2, 2.4]);
            summary.GetProperty("test").ValueKind.Should().Be(JsonValueKind.Null);
            var first = group.GetProperty("runs")[0];
            first.GetProperty("dev").GetProperty("confusion").EnumerateArray().Select(r => r.EnumerateArray().Select(c => c.GetInt32()).ToArray())
                .Should().BeEquivalentTo(runs[0].Dev.Confusion, o => o.WithStrictOrdering());
            first.GetProperty("dev").GetProperty("calibration_bins").GetArrayLength().Should().Be(15);
        }

        // The third baseline seed has no evaluations of its own: they come from the eval lines of its metrics log.
        root.GetProperty("baseline").GetProperty("runs")[2].GetProperty("evaluations").EnumerateArray().Select(e => e.GetProperty("accuracy").GetDouble())
            .Should().Equal(_fixture.Baseline(3, 0.70, 2).Evaluations.Select(e => e.Metrics.Accuracy));
        root.GetProperty("distilled").GetProperty("runs")[0].GetProperty("evaluations").GetArrayLength().Should().Be(5);

        var comparison = root.GetProperty("comparison");
        var distilledMean = report.Distilled.Sum(r => r.Dev.Accuracy) / 3;
        var baselineMean = report.Baseline.Sum(r => r.Dev.Accuracy) / 3;
        comparison.GetProperty("kept_accuracy").GetDouble().Should().BeApproximately(distilledMean / report.Teacher.Dev.Accuracy, 1e-12);
        comparison.GetProperty("gain_accuracy_points").GetDouble().Should().BeApproximately((distilledMean - baselineMean) * 100, 1e-9);
        var perSeed = comparison.GetProperty("gain_accuracy_points_per_seed");
        for (var i = 0; i < 3; i++)
        {
            perSeed.GetProperty($"{i + 1}").GetDouble().Should().BeApproximately((report.Distilled[i].Dev.Accuracy - report.Baseline[i].Dev.Accuracy) * 100, 1e-9);
        }

        comparison.GetProperty("latency_speedup").GetDouble().Should().BeApproximately(20 / 2.2, 1e-9);
        comparison.GetProperty("throughput_speedup").GetDouble().Should().BeApproximately(11, 1e-9);
        comparison.GetProperty("size_ratio").GetDouble().Should().BeApproximately(438.0 / 17.6, 1e-9);
    }

    [Fact]
    public void Write_Should_PutOneTableWithTheRightNumbersInReportMd()
    {
        // Arrange
        var report = ThreeSeeds();
        var target = Path.Combine(_folder, "report");
        string MeanStd(IEnumerable<double> values)
        {
            var list = values.ToList();
            return $"{ReportFixture.Pct(list.Average())} ± {ReportFixture.Pct(ReportFixture.SampleStd(list))}";
        }

        var teacher = report.Teacher.Dev;
        var distilled = report.Distilled.Select(r => r.Dev).ToList();
        var baseline = report.Baseline.Select(r => r.Dev).ToList();
        var kept = distilled.Average(m => m.Accuracy) / teacher.Accuracy;
        var gain = (distilled.Average(m => m.Accuracy) - baseline.Average(m => m.Accuracy)) * 100;
        var seedGains = Enumerable.Range(0, 3).Select(i => (distilled[i].Accuracy - baseline[i].Accuracy) * 100).ToList();

        // Act
        ReportWriter.Write(report, target);
        var markdown = File.ReadAllText(Path.Combine(target, ReportWriter.MarkdownFileName));
        var table = markdown.Split('\n').Where(l => l.StartsWith('|')).ToList();

        // Assert
        gain.Should().BeGreaterThan(0, "the fixture's distilled student beats its baseline");
        table.Should().HaveCount(5, "one table: header, separator, teacher, distilled, baseline");
        table[0].Should().Be("| model | accuracy (%) | macro-F1 (%) | agreement with teacher (%) | parameters | ONNX size | latency, batch 1 | throughput, batch 32 | speedup over teacher (batch 1 / 32) | training time |");
        table[2].Should().Be(Invariant($"| teacher | {ReportFixture.Pct(teacher.Accuracy)} | {ReportFixture.Pct(teacher.MacroF1)} | — | 109 M | 438 MB | 20.0 ms | 100 rows/s | — | — |"));
        table[3].Should().Be(Invariant(
            $"| distilled student, 3 seeds | {MeanStd(distilled.Select(m => m.Accuracy))} | {MeanStd(distilled.Select(m => m.MacroF1))} | {MeanStd(distilled.Select(m => m.TeacherAgreement!.Value))} | 4.40 M | 17.6 MB | 2.20 ms | 1,100 rows/s | ×9.09 / ×11.0 | 1 min 30 s |"));
        table[4].Should().Be(Invariant(
            $"| baseline student (labels only), 3 seeds | {MeanStd(baseline.Select(m => m.Accuracy))} | {MeanStd(baseline.Select(m => m.MacroF1))} | {MeanStd(baseline.Select(m => m.TeacherAgreement!.Value))} | 4.40 M | 17.6 MB | 2.20 ms | 1,100 rows/s | ×9.09 / ×11.0 | 40.0 s |"));
        markdown.Should().Contain(Invariant($"- **kept:** {(kept * 100):0.0} % of the teacher's accuracy ({ReportFixture.Pct(distilled.Average(m => m.Accuracy))} % against {ReportFixture.Pct(teacher.Accuracy)} %)."));
        markdown.Should().Contain(Invariant($"- **gained over the baseline:** +{gain:0.0} points of accuracy (seeds 1, 2, 3: {string.Join(", ", seedGains.Select(g => (g < 0 ? "-" : "+") + Math.Abs(g).ToString("0.0", CultureInfo.InvariantCulture)))})"));
        markdown.Should().Contain("- **Teacher:** models/teacher.onnx (109 M parameters, 438 MB ONNX)")
            .And.Contain("- **Stage** prediction: L = 0.5·kd(T=2) + 0.5·ce")
            .And.Contain("- **Total time:** 1 h 2 min")
            .And.Contain("the median distilled seed by dev accuracy");
        foreach (var plot in Plots)
        {
            markdown.Should().Contain($"]({plot})");
        }
    }

    [Fact]
    public void Write_Should_SetEachVariantBesideTheDistilledStudentAndTheBaseline_WithHandComputedGains()
    {
        // Arrange: 10 dev rows of 2 classes; a model "right on k rows" puts 0.9 on the label of its first k rows only.
        int[] labels = [0, 1, 0, 1, 0, 1, 0, 1, 0, 1];
        float[][] RightOn(int k) => labels.Select((label, row) => row < k == (label == 0) ? new[] { 0.9f, 0.1f } : new[] { 0.1f, 0.9f }).ToArray();
        StudentRunReport Run(int seed, int right)
        {
            var probabilities = RightOn(right);
            return new StudentRunReport { Seed = seed, Dev = ClassificationMetrics.Compute(labels, probabilities), DevProbabilities = probabilities };
        }

        var report = new RunReport
        {
            Recipe = "ablation",
            Labels = ["negative", "positive"],
            DevLabels = labels,
            Teacher = new TeacherReport { Name = "teacher.onnx", Dev = ClassificationMetrics.Compute(labels, RightOn(9)), DevProbabilities = RightOn(9) },
            Distilled = [Run(1, 8), Run(2, 7)],
            Baseline = [Run(1, 7), Run(2, 7)],
            Stages = ["joint: L = KD(T=2) + MSE(|h|)"],
            Variants = [new VariantReport { Name = "kd-only", Stages = ["kd: L = KD(T=2)"], Runs = [Run(1, 6), Run(2, 8)] }],
            TotalTime = TimeSpan.FromMinutes(3),
        };
        var target = Path.Combine(_folder, "report");

        // Act
        ReportWriter.Write(report, target);
        var summary = RunSummary.Of(report);
        var markdown = File.ReadAllText(Path.Combine(target, ReportWriter.MarkdownFileName));
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(target, ReportWriter.MetricsFileName)));

        // Assert: accuracies 0.75 / 0.70 / 0.70 (variant 0.6 and 0.8, sample std 0.1414), teacher 0.9.
        var variant = summary.Variants.Should().ContainSingle().Subject;
        variant.Name.Should().Be("kd-only");
        variant.Accuracy.Mean.Should().BeApproximately(0.70, 1e-12);
        variant.KeptAccuracy.Should().BeApproximately(0.70 / 0.90, 1e-12);
        variant.GainPoints.Should().BeApproximately(0.0, 1e-9);
        variant.GainPointsPerSeed.Select(g => (g.Key, Math.Round(g.Value, 9))).Should().Equal((1, -10.0), (2, 10.0));
        markdown.Should().Contain("## What each way of distilling gained");
        var table = markdown[markdown.IndexOf("## What each way", StringComparison.Ordinal)..].Split('\n').Where(l => l.StartsWith('|')).ToList();
        table.Should().Equal(
            "| students | objective | dev accuracy (%) | kept of the teacher (%) | gain over labels alone (points) | gain per seed |",
            "|---|---|---:|---:|---:|---|",
            "| distilled (the recipe's stages) | joint: L = KD(T=2) + MSE(\\|h\\|) | 75.0 ± 7.1 | 83.3 | +5.0 | seed 1: +10.0, seed 2: +0.0 |",
            "| kd-only | kd: L = KD(T=2) | 70.0 ± 14.1 | 77.8 | +0.0 | seed 1: -10.0, seed 2: +10.0 |",
            "| labels only | L = CE | 70.0 ± 0.0 | 77.8 | — | — |");
        var written = metrics.RootElement.GetProperty("variants").EnumerateArray().Should().ContainSingle().Subject;
        written.GetProperty("name").GetString().Should().Be("kd-only");
        written.GetProperty("stages")[0].GetString().Should().Be("kd: L = KD(T=2)");
        written.GetProperty("students").GetProperty("seeds").EnumerateArray().Select(e => e.GetInt32()).Should().Equal(1, 2);
        written.GetProperty("students").GetProperty("summary").GetProperty("dev").GetProperty("accuracy").GetProperty("mean").GetDouble().Should().BeApproximately(0.70, 1e-12);
        written.GetProperty("kept_accuracy").GetDouble().Should().BeApproximately(0.70 / 0.90, 1e-12);
        written.GetProperty("gain_accuracy_points_per_seed").GetProperty("1").GetDouble().Should().BeApproximately(-10.0, 1e-9);
        written.GetProperty("gain_accuracy_points_per_seed").GetProperty("2").GetDouble().Should().BeApproximately(10.0, 1e-9);
    }

    [Fact]
    public void Validate_Should_NameTheVariant_When_ItHasNoRunOrItsNameRepeats()
    {
        var report = ThreeSeeds() with
        {
            Variants =
            [
                new VariantReport { Name = "kd", Runs = [_fixture.Distilled(1, 0.8, 0)] },
                new VariantReport { Name = "kd", Runs = [_fixture.Distilled(1, 0.8, 0), _fixture.Distilled(1, 0.7, 1)] },
            ],
        };

        report.Validate().Should().Contain("Variants has 'kd' 2 times; give each variant once")
            .And.Contain("Variant 'kd' has seed 1 2 times; give each seed once");
        (ThreeSeeds() with { Variants = [new VariantReport { Name = "empty", Runs = [] }] }).Validate()
            .Should().Contain("Variants: 'empty' has no run; give at least one");
    }

    [Fact]
    public void Write_Should_DrawValidPngsOfASensibleSize()
    {
        // Arrange
        var target = Path.Combine(_folder, "report");

        // Act
        ReportWriter.Write(ThreeSeeds(), target);

        // Assert: PNG signature, IHDR size, and a picture rather than a blank canvas.
        foreach (var plot in Plots)
        {
            var bytes = File.ReadAllBytes(Path.Combine(target, plot));
            bytes.Take(8).Should().Equal([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], plot);
            var width = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16, 4));
            var height = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20, 4));
            width.Should().BeInRange(500, 2000, plot);
            height.Should().BeInRange(400, 2000, plot);
            using var bitmap = SKBitmap.Decode(bytes);
            bitmap.Width.Should().Be(width);
            bitmap.Pixels.Distinct().Count().Should().BeGreaterThan(50, $"{plot} should have lines, text and fills on it");
        }
    }

    [Fact]
    public void Write_Should_StateTheShortfall_When_DistillationLosesToTheBaseline()
    {
        // Arrange: one seed each way, the baseline ahead.
        var report = _fixture.Report([_fixture.Distilled(5, 0.70, 0)], [_fixture.Baseline(5, 0.85, 0)]);
        var target = Path.Combine(_folder, "report");
        var gain = (report.Distilled[0].Dev.Accuracy - report.Baseline[0].Dev.Accuracy) * 100;

        // Act
        ReportWriter.Write(report, target);
        var markdown = File.ReadAllText(Path.Combine(target, ReportWriter.MarkdownFileName));

        // Assert
        gain.Should().BeNegative();
        markdown.Should().Contain(Invariant($"- **gained over the baseline:** -{-gain:0.0} points of accuracy (seed 5: -{-gain:0.0})"))
            .And.Contain("distillation did worse than training on labels alone")
            .And.Contain(Invariant($"| distilled student, seed 5 | {ReportFixture.Pct(report.Distilled[0].Dev.Accuracy)} |"));
    }

    [Fact]
    public void Write_Should_SayWhatIsMissing_When_ThereIsNoBaselineNorMetricsLog()
    {
        // Arrange
        var report = _fixture.Report([_fixture.Distilled(1, 0.85, 0) with { MetricsLog = null }], []);
        var target = Path.Combine(_folder, "report");

        // Act
        ReportWriter.Write(report, target);
        var markdown = File.ReadAllText(Path.Combine(target, ReportWriter.MarkdownFileName));

        // Assert
        File.Exists(Path.Combine(target, ReportWriter.LossPlotFileName)).Should().BeFalse();
        markdown.Should().Contain("*Training loss per term: not drawn; the distilled student's metrics log was not given.*")
            .And.Contain("- **gained over the baseline:** not measured; no label-only baseline was run.")
            .And.NotContain("| baseline");
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(target, ReportWriter.MetricsFileName)));
        json.RootElement.GetProperty("baseline").ValueKind.Should().Be(JsonValueKind.Null);
        json.RootElement.GetProperty("comparison").GetProperty("gain_accuracy_points").ValueKind.Should().Be(JsonValueKind.Null);
    }

    [Fact]
    public void Write_Should_LeaveTheOldReportAndNoPartialOne_When_TheWriteFails()
    {
        // Arrange: a finished report, then a second write that fails after its files are written but before the rename.
        var target = Path.Combine(_folder, "report");
        ReportWriter.Write(_fixture.Report([_fixture.Distilled(1, 0.85, 0)], []), target);
        var before = File.ReadAllText(Path.Combine(target, ReportWriter.MarkdownFileName));

        // Act
        var act = () => ReportWriter.Write(ThreeSeeds(), target, _ => throw new IOException("disk full"));

        // Assert
        act.Should().Throw<IOException>().WithMessage("disk full");
        File.ReadAllText(Path.Combine(target, ReportWriter.MarkdownFileName)).Should().Be(before);
        Directory.GetDirectories(_folder).Should().Equal(target);
    }

    [Fact]
    public void Write_Should_ListEveryInconsistency_When_TheReportDoesNotAddUp()
    {
        // Arrange: probabilities with too few rows, a repeated seed, dev labels outside the classes.
        var good = _fixture.Distilled(1, 0.85, 0);
        var report = _fixture.Report([good with { DevProbabilities = good.DevProbabilities!.Take(10).ToList() }, good], []) with
        {
            DevLabels = [.. _fixture.DevLabels[..^1], 7],
        };

        // Act
        var act = () => ReportWriter.Write(report, Path.Combine(_folder, "report"));

        // Assert
        act.Should().Throw<ArgumentException>()
            .WithMessage("*DevLabels[59] = 7 is outside the 3 labels*Distilled[0] (seed 1).DevProbabilities has 10 rows, DevLabels has 60*Distilled has seed 1 2 times*");
        Directory.Exists(Path.Combine(_folder, "report")).Should().BeFalse();
    }

    [Fact]
    public void Write_Should_DrawAReadableConfusionMatrix_When_ThereAreManyLongLabels()
    {
        // Arrange: 25 classes, one seed, no probabilities, no log: only the accuracy and confusion plots can be drawn.
        var labels = Enumerable.Range(0, 25).Select(i => $"category-{i:00}").ToArray();
        var random = new Random(3);
        var devLabels = Enumerable.Range(0, 500).Select(i => i % labels.Length).ToArray();
        float[][] Draw(double accuracy) => devLabels.Select(label =>
        {
            var row = new float[labels.Length];
            row[random.NextDouble() < accuracy ? label : random.Next(labels.Length)] = 1;
            return row;
        }).ToArray();
        var metrics = ClassificationMetrics.Compute(devLabels, Draw(0.7));
        var report = new RunReport
        {
            Recipe = "many",
            Labels = labels,
            Teacher = new TeacherReport { Name = "teacher.onnx", Dev = ClassificationMetrics.Compute(devLabels, Draw(0.9)) },
            Distilled = [new StudentRunReport { Seed = 1, Dev = metrics, Evaluations = [new Distill.Training.EpochEvaluation("train", 0, 10, metrics)] }],
            TotalTime = TimeSpan.FromSeconds(5),
        };
        var target = Path.Combine(_folder, "report");

        // Act
        ReportWriter.Write(report, target);

        // Assert
        var bytes = File.ReadAllBytes(Path.Combine(target, ReportWriter.ConfusionPlotFileName));
        BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16, 4)).Should().BeGreaterThan(1000, "the matrix grows with the number of classes");
        File.Exists(Path.Combine(target, ReportWriter.AccuracyPlotFileName)).Should().BeTrue();
        File.ReadAllText(Path.Combine(target, ReportWriter.MarkdownFileName))
            .Should().Contain("*Reliability diagram: not drawn; the report has no dev labels to score probabilities against.*")
            .And.Contain($"| teacher | {ReportFixture.Pct(report.Teacher.Dev.Accuracy)} | {ReportFixture.Pct(report.Teacher.Dev.MacroF1)} | — | — | — | — | — | — | — |");
    }

    private static void ShouldBeSpreadOf(JsonElement spread, IReadOnlyList<double> values)
    {
        spread.GetProperty("mean").GetDouble().Should().BeApproximately(values.Sum() / values.Count, 1e-12);
        spread.GetProperty("std").GetDouble().Should().BeApproximately(ReportFixture.SampleStd(values), 1e-12);
        spread.GetProperty("min").GetDouble().Should().Be(values.Min());
        spread.GetProperty("max").GetDouble().Should().Be(values.Max());
        spread.GetProperty("n").GetInt32().Should().Be(values.Count);
    }
}

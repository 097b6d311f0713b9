using Distill.Metrics;
using System.Buffers.Binary;
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

    // Dev accuracy 48/60, 51/60, 54/60 = 0.80, 0.85, 0.90 distilled and 45/60, 42/60, 48/60 = 0.75, 0.70, 0.80 for
    // the baseline; what follows from them is worked out at each test.
    private RunReport ThreeSeeds() => _fixture.Report(
        [_fixture.Distilled(1, errors: 12, 0), _fixture.Distilled(2, errors: 9, 1), _fixture.Distilled(3, errors: 6, 2)],
        [_fixture.Baseline(1, errors: 15, 0), _fixture.Baseline(2, errors: 18, 1), _fixture.Baseline(3, errors: 12, 2, fromLog: true)]);

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
        root.GetProperty("labels").EnumerateArray().Select(l => l.GetString()).Should().Equal("negative", "neutral", "positive");
        root.GetProperty("dev_rows").GetInt32().Should().Be(60);
        root.GetProperty("total_seconds").GetDouble().Should().Be(3720);
        root.GetProperty("teacher").GetProperty("dev").GetProperty("accuracy").GetDouble().Should().Be(0.95);
        root.GetProperty("teacher").GetProperty("latency_ms").GetDouble().Should().Be(20);

        // Distilled, 12, 9 and 6 errors: confusion [[20, 0, 0], [6, 14, 0], [6, 0, 14]], [[20, 0, 0], [5, 15, 0], [4, 0, 16]],
        // [[20, 0, 0], [3, 17, 0], [3, 0, 17]]; F1 per class (10/13, 14/17, 14/17), (40/49, 6/7, 8/9), (20/23, 34/37, 34/37);
        // macro-F1 0.805430, 0.854119, 0.902468: mean 0.854006, sample std 0.048519.
        // Baseline, 15, 18 and 12 errors: confusion [[20, 0, 0], [8, 12, 0], [7, 0, 13]], [[20, 0, 0], [9, 11, 0], [9, 0, 11]],
        // as distilled seed 1; F1 per class (8/11, 3/4, 26/33), (20/29, 22/31, 22/31), (10/13, 14/17, 14/17);
        // macro-F1 0.755051, 0.703003, 0.805430: mean 0.754495, sample std 0.051216.
        // Agreement with the teacher (63 − errors) / 60: 0.85, 0.90, 0.95 and 0.80, 0.75, 0.85.
        // Training time 60, 90, 120 s and 30, 40, 50 s; latency 2.0, 2.2, 2.4 ms both ways.
        var groups = new[]
        {
            (Name: "distilled", Accuracy: (0.85, 0.05, 0.80, 0.90), MacroF1: (0.854006, 0.048519, 0.805430, 0.902468), Agreement: (0.90, 0.05, 0.85, 0.95),
                TrainingSeconds: (90.0, 30.0, 60.0, 120.0), FirstConfusion: new int[][] { [20, 0, 0], [6, 14, 0], [6, 0, 14] }),
            (Name: "baseline", Accuracy: (0.75, 0.05, 0.70, 0.80), MacroF1: (0.754495, 0.051216, 0.703003, 0.805430), Agreement: (0.80, 0.05, 0.75, 0.85),
                TrainingSeconds: (40.0, 10.0, 30.0, 50.0), FirstConfusion: new int[][] { [20, 0, 0], [8, 12, 0], [7, 0, 13] }),
        };
        foreach (var expected in groups)
        {
            var group = root.GetProperty(expected.Name);
            group.GetProperty("seeds").EnumerateArray().Select(s => s.GetInt32()).Should().Equal(1, 2, 3);
            var summary = group.GetProperty("summary");
            ShouldBeSpread(summary.GetProperty("dev").GetProperty("accuracy"), expected.Accuracy, 1e-12);
            ShouldBeSpread(summary.GetProperty("dev").GetProperty("macro_f1"), expected.MacroF1, 1e-6);
            ShouldBeSpread(summary.GetProperty("dev").GetProperty("teacher_agreement"), expected.Agreement, 1e-12);
            ShouldBeSpread(summary.GetProperty("training_seconds"), expected.TrainingSeconds, 1e-12);
            ShouldBeSpread(summary.GetProperty("latency_ms"), (2.2, 0.2, 2.0, 2.4), 1e-12);
            summary.GetProperty("test").ValueKind.Should().Be(JsonValueKind.Null);
            var first = group.GetProperty("runs")[0];
            first.GetProperty("dev").GetProperty("confusion").EnumerateArray().Select(r => r.EnumerateArray().Select(c => c.GetInt32()).ToArray())
                .Should().BeEquivalentTo(expected.FirstConfusion, o => o.WithStrictOrdering());
            first.GetProperty("dev").GetProperty("calibration_bins").GetArrayLength().Should().Be(15);
        }

        // The third baseline seed has no evaluations of its own: they come from the eval lines of its metrics log
        // (24, 18 and 12 errors: 36/60, 42/60, 48/60).
        root.GetProperty("baseline").GetProperty("runs")[2].GetProperty("evaluations").EnumerateArray().Select(e => e.GetProperty("accuracy").GetDouble())
            .Should().Equal(0.60, 0.70, 0.80);
        root.GetProperty("distilled").GetProperty("runs")[0].GetProperty("evaluations").GetArrayLength().Should().Be(5);

        // Kept 0.85 / 0.95 = 0.894737; gain (0.85 − 0.75) · 100 = 10 points, per seed 80 − 75, 85 − 70, 90 − 80.
        var comparison = root.GetProperty("comparison");
        comparison.GetProperty("kept_accuracy").GetDouble().Should().BeApproximately(0.85 / 0.95, 1e-12);
        comparison.GetProperty("gain_accuracy_points").GetDouble().Should().BeApproximately(10.0, 1e-9);
        var perSeed = comparison.GetProperty("gain_accuracy_points_per_seed");
        perSeed.GetProperty("1").GetDouble().Should().BeApproximately(5.0, 1e-9);
        perSeed.GetProperty("2").GetDouble().Should().BeApproximately(15.0, 1e-9);
        perSeed.GetProperty("3").GetDouble().Should().BeApproximately(10.0, 1e-9);

        // Teacher 20 ms and 100 rows/s against the students' mean 2.2 ms and 1100 rows/s; 438 MB against 17.6 MB.
        comparison.GetProperty("latency_speedup").GetDouble().Should().BeApproximately(20 / 2.2, 1e-9);
        comparison.GetProperty("throughput_speedup").GetDouble().Should().BeApproximately(11, 1e-9);
        comparison.GetProperty("size_ratio").GetDouble().Should().BeApproximately(438.0 / 17.6, 1e-9);
    }

    [Fact]
    public void Write_Should_KeepEveryKeyOfMetricsJsonInItsPlace()
    {
        // Arrange: keys are C# property names turned into snake_case, so renaming a property would rename a key.
        var report = ThreeSeeds() with
        {
            Variants = [new VariantReport { Name = "kd-only", Stages = ["kd: L = KD(T=2)"], Runs = [_fixture.Distilled(1, errors: 10, 0)] }],
        };
        var target = Path.Combine(_folder, "report");

        // Act
        ReportWriter.Write(report, target);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(target, ReportWriter.MetricsFileName)));

        // Assert: format_version 1, key by key and in order.
        static IEnumerable<string> Keys(JsonElement element) => element.EnumerateObject().Select(p => p.Name);
        var root = json.RootElement;
        root.GetProperty("format_version").GetInt32().Should().Be(1);
        Keys(root).Should().Equal("format_version", "recipe", "labels", "student", "student_start", "data", "stages", "dev_rows", "test_rows",
            "total_seconds", "calibration_bins", "bench", "teacher", "distilled", "baseline", "comparison", "variants");
        Keys(root.GetProperty("bench")).Should().Equal("runtime", "sequence_length", "image_size", "batch_size", "repeats", "batch_repeats", "warmup_runs", "threads");
        Keys(root.GetProperty("teacher")).Should().Equal("name", "parameters", "onnx_bytes", "latency_ms", "throughput_rows_per_second", "dev", "test");
        var students = root.GetProperty("distilled");
        Keys(students).Should().Equal("seeds", "runs", "summary");
        var run = students.GetProperty("runs")[0];
        Keys(run).Should().Equal("seed", "training_seconds", "onnx_path", "metrics_log", "parameters", "onnx_bytes", "latency_ms",
            "throughput_rows_per_second", "dev", "test", "evaluations");
        Keys(run.GetProperty("dev")).Should().Equal("rows", "accuracy", "macro_f1", "log_loss", "teacher_agreement", "ece", "mce", "f1_per_class", "confusion", "calibration_bins");
        Keys(run.GetProperty("dev").GetProperty("calibration_bins")[0]).Should().Equal("lower", "upper", "count", "confidence", "accuracy");
        Keys(run.GetProperty("evaluations")[0]).Should().Equal("stage", "epoch", "step", "accuracy", "macro_f1", "log_loss", "teacher_agreement");
        var summary = students.GetProperty("summary");
        Keys(summary).Should().Equal("dev", "test", "training_seconds", "parameters", "onnx_bytes", "latency_ms", "throughput_rows_per_second");
        Keys(summary.GetProperty("dev")).Should().Equal("accuracy", "macro_f1", "log_loss", "teacher_agreement", "ece");
        Keys(summary.GetProperty("dev").GetProperty("accuracy")).Should().Equal("mean", "std", "min", "max", "n");
        Keys(root.GetProperty("comparison")).Should().Equal("kept_accuracy", "kept_macro_f1", "gain_accuracy_points", "gain_macro_f1_points",
            "gain_accuracy_points_per_seed", "latency_speedup", "throughput_speedup", "size_ratio", "parameter_ratio");
        Keys(root.GetProperty("comparison").GetProperty("gain_accuracy_points_per_seed")).Should().Equal("1", "2", "3");
        Keys(root.GetProperty("variants")[0]).Should().Equal("name", "stages", "students", "kept_accuracy", "gain_accuracy_points", "gain_accuracy_points_per_seed");
    }

    [Fact]
    public void Write_Should_PutOneTableWithTheRightNumbersInReportMd()
    {
        // Arrange
        var report = ThreeSeeds();
        var target = Path.Combine(_folder, "report");

        // Act
        ReportWriter.Write(report, target);
        var markdown = File.ReadAllText(Path.Combine(target, ReportWriter.MarkdownFileName));
        var table = markdown.Split('\n').Where(l => l.StartsWith('|')).ToList();

        // Assert: the fixture's distilled students beat their baselines, seed by seed.
        report.Distilled.Select(r => r.Dev.Accuracy).Should().Equal(0.80, 0.85, 0.90);
        report.Baseline.Select(r => r.Dev.Accuracy).Should().Equal(0.75, 0.70, 0.80);
        table.Should().HaveCount(5, "one table: header, separator, teacher, distilled, baseline");
        table[0].Should().Be("| model | accuracy (%) | macro-F1 (%) | agreement with teacher (%) | parameters | ONNX size | latency, batch 1 | throughput, batch 32 | speedup over teacher (batch 1 / 32) | training time |");

        // Teacher: accuracy 57/60 = 95.0 %, macro-F1 (40/43 + 34/37 + 1) / 3 = 94.97 %.
        table[2].Should().Be("| teacher | 95.0 | 95.0 | — | 109 M | 438 MB | 20.0 ms | 100 rows/s | — | — |");

        // Accuracy mean of 80, 85, 90 % = 85.0, sample std 5.0; macro-F1 mean of 80.54, 85.41, 90.25 = 85.40, std 4.85;
        // agreement 85, 90, 95 %; speedup 20 / 2.2 = 9.09 and 1100 / 100 = 11.0; training (60 + 90 + 120) / 3 = 90 s.
        table[3].Should().Be(
            "| distilled student, 3 seeds | 85.0 ± 5.0 | 85.4 ± 4.9 | 90.0 ± 5.0 | 4.40 M | 17.6 MB | 2.20 ms | 1,100 rows/s | ×9.09 / ×11.0 | 1 min 30 s |");

        // Accuracy mean of 75, 70, 80 % = 75.0, std 5.0; macro-F1 mean of 75.51, 70.30, 80.54 = 75.45, std 5.12;
        // agreement 80, 75, 85 %; training (30 + 40 + 50) / 3 = 40 s.
        table[4].Should().Be(
            "| baseline student (labels only), 3 seeds | 75.0 ± 5.0 | 75.4 ± 5.1 | 80.0 ± 5.0 | 4.40 M | 17.6 MB | 2.20 ms | 1,100 rows/s | ×9.09 / ×11.0 | 40.0 s |");

        // Kept 0.85 / 0.95 = 89.47 %; gained 85 − 75 = 10 points, per seed 80 − 75, 85 − 70, 90 − 80.
        markdown.Should().Contain("- **kept:** 89.5 % of the teacher's accuracy (85.0 % against 95.0 %).");
        markdown.Should().Contain("- **gained over the baseline:** +10.0 points of accuracy (seeds 1, 2, 3: +5.0, +15.0, +10.0)");
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
                new VariantReport { Name = "kd", Runs = [_fixture.Distilled(1, errors: 12, 0)] },
                new VariantReport { Name = "kd", Runs = [_fixture.Distilled(1, errors: 12, 0), _fixture.Distilled(1, errors: 18, 1)] },
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
        // Arrange: one seed each way, the baseline ahead: 42/60 = 0.70 against 51/60 = 0.85, a gain of -15 points.
        var report = _fixture.Report([_fixture.Distilled(5, errors: 18, 0)], [_fixture.Baseline(5, errors: 9, 0)]);
        var target = Path.Combine(_folder, "report");

        // Act
        ReportWriter.Write(report, target);
        var markdown = File.ReadAllText(Path.Combine(target, ReportWriter.MarkdownFileName));

        // Assert
        report.Distilled[0].Dev.Accuracy.Should().Be(0.70);
        report.Baseline[0].Dev.Accuracy.Should().Be(0.85);
        markdown.Should().Contain("- **gained over the baseline:** -15.0 points of accuracy (seed 5: -15.0)")
            .And.Contain("distillation did worse than training on labels alone")
            .And.Contain("| distilled student, seed 5 | 70.0 |");
    }

    [Fact]
    public void Write_Should_SayWhatIsMissing_When_ThereIsNoBaselineNorMetricsLog()
    {
        // Arrange
        var report = _fixture.Report([_fixture.Distilled(1, errors: 9, 0) with { MetricsLog = null }], []);
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
        ReportWriter.Write(_fixture.Report([_fixture.Distilled(1, errors: 9, 0)], []), target);
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
        var good = _fixture.Distilled(1, errors: 9, 0);
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
        // 500 dev rows, row i of class i mod 25; a model "wrong on the first k rows" calls those rows the next class.
        var labels = Enumerable.Range(0, 25).Select(i => $"category-{i:00}").ToArray();
        var devLabels = Enumerable.Range(0, 500).Select(i => i % labels.Length).ToArray();
        float[][] WrongOnFirst(int k) => devLabels.Select((label, i) =>
        {
            var row = new float[labels.Length];
            row[i < k ? (label + 1) % labels.Length : label] = 1;
            return row;
        }).ToArray();
        var metrics = ClassificationMetrics.Compute(devLabels, WrongOnFirst(150));
        var report = new RunReport
        {
            Recipe = "many",
            Labels = labels,
            Teacher = new TeacherReport { Name = "teacher.onnx", Dev = ClassificationMetrics.Compute(devLabels, WrongOnFirst(50)) },
            Distilled = [new StudentRunReport { Seed = 1, Dev = metrics, Evaluations = [new Distill.Training.EpochEvaluation("train", 0, 10, metrics)] }],
            TotalTime = TimeSpan.FromSeconds(5),
        };
        var target = Path.Combine(_folder, "report");

        // Act
        ReportWriter.Write(report, target);

        // Assert: the teacher is wrong on 50 rows, 2 of each class, each called the next class: accuracy 450/500 = 90.0 %;
        // every class has 18 right, 2 missed and 2 taken from its neighbour, F1 2·18/(20 + 20) = 90.0 %.
        var bytes = File.ReadAllBytes(Path.Combine(target, ReportWriter.ConfusionPlotFileName));
        BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16, 4)).Should().BeGreaterThan(1000, "the matrix grows with the number of classes");
        File.Exists(Path.Combine(target, ReportWriter.AccuracyPlotFileName)).Should().BeTrue();
        File.ReadAllText(Path.Combine(target, ReportWriter.MarkdownFileName))
            .Should().Contain("*Reliability diagram: not drawn; the report has no dev labels to score probabilities against.*")
            .And.Contain("| teacher | 90.0 | 90.0 | — | — | — | — | — | — | — |");
    }

    /// <summary>Checks a spread of three seeds against its mean, sample standard deviation, min and max, worked out by hand.</summary>
    private static void ShouldBeSpread(JsonElement spread, (double Mean, double Std, double Min, double Max) expected, double precision)
    {
        spread.GetProperty("mean").GetDouble().Should().BeApproximately(expected.Mean, precision);
        spread.GetProperty("std").GetDouble().Should().BeApproximately(expected.Std, precision);
        spread.GetProperty("min").GetDouble().Should().BeApproximately(expected.Min, precision);
        spread.GetProperty("max").GetDouble().Should().BeApproximately(expected.Max, precision);
        spread.GetProperty("n").GetInt32().Should().Be(3);
    }
}

using Distill.Metrics;
using Distill.Cli.Recipes;
using Distill.Evaluation;
using Distill.Recipes;
using Distill.TestSupport;
using Spectre.Console.Testing;

namespace Distill.Cli.Tests;

/// <summary>
/// Output that is not a terminal (a log file, a pipe, CI): tables at the width their content needs, and every
/// error on one line, where Spectre.Console alone would fold both at 80 columns.
/// </summary>
public sealed class RedirectedOutputTests
{
    [Fact]
    public void WriteResult_Should_KeepEveryTableRowOnOneLine_When_OutputIsRedirected()
    {
        // Arrange: a results table far wider than 80 columns (test columns and a long teacher name)
        var log = new StringWriter();
        var console = DistillConsole.Create(log);
        var result = Result(seeds: [1, 2, 3], teacher: "a-teacher-with-a-rather-long-file-name-fine-tuned-on-emotion.onnx");

        // Act
        RecipeResultView.WriteResult(console, result);

        // Assert
        var table = Lines(log).SkipWhile(l => !l.StartsWith('╭')).TakeWhile(l => !l.StartsWith("kept", StringComparison.Ordinal)).ToList();
        table.Should().HaveCount(3 + 1 + 2 * 4 + 1, "two borders and the header rule, the header, the teacher, 3 seeds and a mean in each group, the bottom border");
        table.Select(l => l.Length).Distinct().Should().ContainSingle("no cell is folded onto a second line");
        table[0].Length.Should().BeGreaterThan(80);
        table.Should().Contain(l => l.Contains("│ teacher (a-teacher-with-a-rather-long-file-name-fine-tuned-on-emotion.onnx) │"));
        table.Should().Contain(l => l.Contains("│ distilled, mean ± std ") && l.Contains("%"));
    }

    [Fact]
    public void Run_Should_WriteEachErrorOnOneLine_When_OutputIsRedirected()
    {
        // Arrange: a shipped recipe whose three files are missing, each error naming a long path
        var empty = Path.Combine(Path.GetTempPath(), "distill-no-data-" + new string('x', 60));
        var recipe = Path.Combine(SharedData.RepositoryRoot, "recipes", "bert-to-tiny.yaml");
        var log = new StringWriter();

        // Act
        var code = DistillApp.Run(["recipe", recipe, "--dry-run", "--set", $"DISTILL_DATA_DIR={empty}"], DistillConsole.Create(log));

        // Assert
        code.Should().Be(DistillApp.BadInput);
        var lines = Lines(log);
        lines.Should().HaveCount(4, log.ToString());
        lines[0].Should().Be("error: bert-to-tiny.yaml: 3 errors");
        lines.Skip(1).Should().AllSatisfy(l => l.Should().StartWith("bert-to-tiny.yaml:").And.Contain($"(DISTILL_DATA_DIR={empty})"));
        lines.Max(l => l.Length).Should().BeGreaterThan(160);
    }

    [Fact]
    public void WriteError_Should_NotFoldTheLine_When_TheConsoleIsNarrow()
    {
        // Arrange: a terminal 40 columns wide; the terminal wraps the line for display, Distill must not break it
        var console = new TestConsole().Width(40);
        var message = "recipe.yaml: output names a file (runs/emotion.txt); set output to a folder, e.g. --set output=runs/emotion";

        // Act
        console.WriteError(message);

        // Assert
        console.Output.TrimEnd().Should().Be("error: " + message);
    }

    [Fact]
    public void WriteResult_Should_NameTheSeed_When_OneSeedRan()
    {
        // Arrange
        var console = new TestConsole().Width(300);

        // Act
        RecipeResultView.WriteResult(console, Result(seeds: [7], teacher: "teacher.onnx"));

        // Assert
        console.Output.Should().Contain("of the teacher's dev accuracy (85.00 % of 90.00 %, seed 7)").And.NotContain("mean of");
        console.Output.Should().Contain("distillation over labels alone: +5.00 accuracy points (seed 7)");
    }

    [Fact]
    public void WriteResult_Should_GiveTheMeanAndEachSeed_When_SeveralSeedsRan()
    {
        // Arrange
        var console = new TestConsole().Width(300);

        // Act
        RecipeResultView.WriteResult(console, Result(seeds: [1, 2], teacher: "teacher.onnx"));

        // Assert
        console.Output.Should().Contain("(85.00 % of 90.00 %, mean of 2 seeds)");
        console.Output.Should().Contain("accuracy points (mean; seed 1 +5.00, seed 2 +5.00)");
    }

    private static List<string> Lines(StringWriter log) =>
        log.ToString().Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToList();

    private static RecipeRunResult Result(int[] seeds, string teacher)
    {
        static ClassificationMetrics Metrics(double accuracy) => new()
        {
            Rows = 100, Accuracy = accuracy, MacroF1 = accuracy - 0.1, LogLoss = 0.5, F1PerClass = [accuracy], Confusion = [[1]], TeacherAgreement = 0.9,
        };

        StudentRunSummary Run(int seed, double accuracy) => new()
        {
            Seed = seed, Folder = "runs/x", Dev = Metrics(accuracy), Test = Metrics(accuracy), Parameters = 2_003_910, TrainingTime = TimeSpan.FromSeconds(95),
        };

        var distilled = seeds.Select(s => Run(s, 0.85)).ToList();
        var baseline = seeds.Select(s => Run(s, 0.80)).ToList();
        return new RecipeRunResult
        {
            Output = "/tmp/runs/x",
            Complete = true,
            Elapsed = TimeSpan.FromMinutes(3),
            Teacher = new TeacherSummary { Model = "/models/" + teacher, Dev = Metrics(0.9), Test = Metrics(0.9) },
            Distilled = distilled,
            Baselines = baseline,
            Summary = new RunSummary
            {
                TeacherAccuracy = 0.9,
                DistilledAccuracy = Spread.Of(distilled.Select(r => r.Dev!.Accuracy))!,
                BaselineAccuracy = Spread.Of(baseline.Select(r => r.Dev!.Accuracy))!,
                KeptAccuracy = 0.85 / 0.9,
                KeptMacroF1 = 0.75 / 0.8,
                GainPoints = 5,
                GainPointsPerSeed = seeds.Select(s => KeyValuePair.Create(s, 5.0)).ToList(),
            },
        };
    }
}

using System.Text.Json;
using Distill.TestSupport;
using Spectre.Console.Testing;

namespace Distill.Cli.Tests.Recipes;

/// <summary>
/// <c>distill recipe</c> and the step commands as a user runs them: a whole small distillation (the teacher trained by
/// its own recipe first), the dry-run plan, and what happens to the outputs of finished and interrupted runs.
/// </summary>
public sealed class RecipeCommandTests : IDisposable
{
    private readonly RecipeWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    private string Output => _workspace.PathOf("runs", "tiny");

    [Fact]
    public void Recipe_Should_TrainTheTeacherThenDistillEvaluateExportAndReport_When_TheTeacherIsAbsent()
    {
        // Arrange
        _workspace.TeacherRecipe();
        var recipe = _workspace.DistillationRecipe();

        // Act
        var (code, output) = RecipeWorkspace.Run("recipe", recipe);

        // Assert
        code.Should().Be(DistillApp.Success, output);
        output.Should().Contain("teacher.onnx is absent, running").And.Contain("teacher.yaml");
        File.Exists(_workspace.PathOf("teacher.onnx")).Should().BeTrue("the teacher recipe exports where the distillation recipe reads");
        File.Exists(_workspace.PathOf("elsewhere.onnx")).Should().BeFalse("the teacher recipe's own export.path gives way to teacher.model");
        foreach (var seed in new[] { 1, 2 })
        {
            File.Exists(Path.Combine(Output, "distilled", $"seed-{seed}", "best", "model.safetensors")).Should().BeTrue();
            File.Exists(Path.Combine(Output, "baseline", $"seed-{seed}", "best", "model.safetensors")).Should().BeTrue();
            output.Should().Contain($"distilled, seed {seed}").And.Contain($"labels only, seed {seed}");
        }

        output.Should().Contain("distilled, mean ± std").And.Contain("labels only, mean ± std");
        output.Should().MatchRegex(@"kept \d+\.\d % of the teacher's dev accuracy");
        output.Should().MatchRegex(@"distillation over labels alone: [+-]\d+\.\d\d accuracy points \(mean; seed 1 [+-]\d+\.\d\d, seed 2 [+-]\d+\.\d\d\)");
        output.Should().MatchRegex(@"ONNX Runtime matches TorchSharp to [\d.E+-]+ on 48 rows");
        output.Should().Contain($"report: {Path.Combine(Output, "report", "report.md")}");
        output.Should().MatchRegex(@"time: \d+(m \d\d)?s");
        foreach (var file in new[] { "student.onnx", "run.json", "recipe.resolved.json", "report/report.md", "report/metrics.json", "report/loss.png",
                     "report/accuracy.png", "report/reliability.png", "report/confusion.png" })
        {
            File.Exists(Path.Combine(Output, file)).Should().BeTrue(file);
        }

        using var run = JsonDocument.Parse(File.ReadAllText(Path.Combine(Output, "run.json")));
        run.RootElement.GetProperty("status").GetString().Should().Be("complete");
        var report = File.ReadAllText(Path.Combine(Output, "report", "report.md"));
        report.Should().Contain("L = ").And.Contain("KL");
    }

    private const string KdOnlyVariant = """
        variants:
          - name: kd-only
            stages:
              - name: prediction
                epochs: 1
                learning_rate: 1e-3
                losses: [{type: kd, temperature: 2}, {type: ce}]
        """;

    [Fact]
    public void Recipe_Should_TrainEachVariantAndSetItBesideTheBaseline_When_TheRecipeHasVariants()
    {
        // Arrange
        _workspace.ExportTeacher();
        var recipe = _workspace.DistillationRecipe(extra: KdOnlyVariant);

        // Act
        var (code, output) = RecipeWorkspace.Run("recipe", recipe, "--set", "seeds=[1]", "--set", "report.bench=false");

        // Assert: the variant trained in its own folder, from the same start, and is reported beside the others
        code.Should().Be(DistillApp.Success, output);
        File.Exists(Path.Combine(Output, "variants", "kd-only", "seed-1", "best", "model.safetensors")).Should().BeTrue();
        output.Should().Contain("variant kd-only, seed 1").And.MatchRegex(@"variant kd-only over labels alone: [+-]\d+\.\d\d accuracy points \(mean; seed 1 [+-]\d+\.\d\d\)");
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(Output, "report", "metrics.json")));
        var root = metrics.RootElement;
        var variant = root.GetProperty("variants").EnumerateArray().Should().ContainSingle().Subject;
        variant.GetProperty("name").GetString().Should().Be("kd-only");
        variant.GetProperty("stages").EnumerateArray().Select(e => e.GetString()).Should().ContainSingle().Which.Should().StartWith("prediction: L = ").And.Contain("KL").And.NotContain("MSE");
        var variantRun = variant.GetProperty("students").GetProperty("runs").EnumerateArray().Should().ContainSingle().Subject;
        var variantAccuracy = variantRun.GetProperty("dev").GetProperty("accuracy").GetDouble();
        var baselineAccuracy = root.GetProperty("baseline").GetProperty("runs")[0].GetProperty("dev").GetProperty("accuracy").GetDouble();
        variant.GetProperty("gain_accuracy_points").GetDouble().Should().BeApproximately((variantAccuracy - baselineAccuracy) * 100, 1e-9);
        variant.GetProperty("gain_accuracy_points_per_seed").GetProperty("1").GetDouble().Should().BeApproximately((variantAccuracy - baselineAccuracy) * 100, 1e-9);
        variantRun.GetProperty("onnx_path").ValueKind.Should().Be(JsonValueKind.Null, "only the recipe's own distilled student is exported");
        var report = File.ReadAllText(Path.Combine(Output, "report", "report.md"));
        report.Should().Contain("## What each way of distilling gained")
            .And.MatchRegex(@"\| distilled \(the recipe's stages\) \| intermediate: L = .*MSE.*; then prediction: L = .* \| \d+\.\d \|")
            .And.MatchRegex(@"\| kd-only \| prediction: L = [^|]*KL[^|]* \| \d+\.\d \| \d+\.\d \| [+-]\d+\.\d+ \| seed 1: [+-]\d+\.\d+ \|")
            .And.MatchRegex(@"\| labels only \| L = CE \| \d+\.\d \|");
    }

    [Fact]
    public void DryRun_Should_ListEachVariantsObjective_When_TheRecipeHasVariants()
    {
        // Arrange
        _workspace.ExportTeacher();
        var recipe = _workspace.DistillationRecipe(extra: KdOnlyVariant);

        // Act
        var (code, output) = RecipeWorkspace.Run("recipe", recipe, "--dry-run");

        // Assert
        code.Should().Be(DistillApp.Success, output);
        output.Should().Contain("variant kd-only").And.MatchRegex(@"prediction\s+│ L = .*KL.*; 1 epoch, learning rate 0\.001");
        output.Should().Contain(Path.Combine(Output, "variants", "NAME", "seed-N"));
        Directory.Exists(Output).Should().BeFalse();
    }

    [Fact]
    public void DryRun_Should_PrintThePlanAndWriteNothing_When_TheTeacherExists()
    {
        // Arrange
        _workspace.ExportTeacher();
        var recipe = _workspace.DistillationRecipe();

        // Act
        var (code, output) = RecipeWorkspace.Run("recipe", recipe, "--dry-run", "--set", "seeds=[4]");

        // Assert
        code.Should().Be(DistillApp.Success, output);
        output.Should().Contain("train        │ " + _workspace.PathOf("data", "train.tsv") + ": 96 rows");
        output.Should().Contain("dev          │ " + _workspace.PathOf("data", "dev.tsv") + ": 48 rows");
        output.Should().Contain("layers      │ 2").And.Contain("hidden size │ 32");
        output.Should().MatchRegex(@"transfer set, 96 rows\s+│ [0-9a-f]{32} \(to build\); attention\.1, hidden\.0, hidden\.2, logits");
        output.Should().MatchRegex(@"parameters\s+│ \d{3},\d{3}");
        output.Should().MatchRegex("settings +│ vocab_size: 30522, max_positions: 128, type_vocab_size: 2, layers: 1, hidden: 16, heads: 4, intermediate: 32, .*, num_labels: 2 ");
        output.Should().Contain("1·T²·KL(softmax(t/T) ‖ softmax(s/T)) [T=2]");
        output.Should().Contain("seeds         │ 4");
        output.Should().Contain($"{Output} (new)");
        output.Should().Contain("dry run: nothing was trained or written");
        Directory.Exists(Output).Should().BeFalse();
        Directory.Exists(_workspace.PathOf("cache")).Should().BeFalse();
    }

    [Fact]
    public void Recipe_Should_RefuseToReplaceAFinishedRun_Unless_OverwriteIsGiven()
    {
        // Arrange
        _workspace.ExportTeacher();
        var recipe = _workspace.DistillationRecipe();
        RecipeWorkspace.Run("recipe", recipe, "--set", "seeds=[1]").Code.Should().Be(DistillApp.Success);
        var finished = File.ReadAllText(Path.Combine(Output, "run.json"));
        var onnx = File.ReadAllBytes(Path.Combine(Output, "student.onnx"));

        // Act
        var (refused, refusal) = RecipeWorkspace.Run("recipe", recipe, "--set", "seeds=[1]");
        var dryRun = RecipeWorkspace.Run("recipe", recipe, "--set", "seeds=[1]", "--dry-run");

        // Assert
        refused.Should().Be(DistillApp.BadInput);
        refusal.Trim().Should().Be(
            $"error: {Output}: holds a finished run of 'tiny-distillation'; keep it and choose another folder (--set output=...), or replace it with --overwrite");
        File.ReadAllText(Path.Combine(Output, "run.json")).Should().Be(finished);
        File.ReadAllBytes(Path.Combine(Output, "student.onnx")).Should().Equal(onnx);
        dryRun.Output.Should().Contain("holds a finished run: the run refuses without --overwrite").And.Contain("(a hit: nothing to compute)");

        var (replaced, output) = RecipeWorkspace.Run("recipe", recipe, "--set", "seeds=[1]", "--overwrite");
        replaced.Should().Be(DistillApp.Success, output);
        output.Should().Contain("a hit, nothing recomputed");
        File.ReadAllText(Path.Combine(Output, "run.json")).Should().NotBe(finished);
        Directory.Exists(Output + ".replaced").Should().BeFalse("the replaced run is removed once the new one completes");
    }

    [Fact]
    public void StepCommands_Should_LeaveAnUnfinishedRun_ThatRecipeContinuesOnlyWithResume()
    {
        // Arrange
        _workspace.ExportTeacher();
        var recipe = _workspace.DistillationRecipe();

        // Act and assert: train stops after training, leaving a run that does not look complete
        var (trained, trainOutput) = RecipeWorkspace.Run("train", recipe);
        trained.Should().Be(DistillApp.Success, trainOutput);
        trainOutput.Should().Contain("ran up to the train step");
        File.Exists(Path.Combine(Output, "distilled", "seed-2", "result.json")).Should().BeTrue();
        File.Exists(Path.Combine(Output, "run.json")).Should().BeFalse("a run that stopped after training must not look complete");
        File.Exists(Path.Combine(Output, "student.onnx")).Should().BeFalse();

        // Act and assert: recipe refuses to touch it without --resume, and finishes it with --resume
        var (refused, refusal) = RecipeWorkspace.Run("recipe", recipe);
        var (resumed, resumeOutput) = RecipeWorkspace.Run("recipe", recipe, "--resume");
        refused.Should().Be(DistillApp.BadInput);
        refusal.Trim().Should().Be(
            $"error: {Output}: holds an interrupted run of 'tiny-distillation'; continue it with --resume, or start over with --overwrite");

        resumed.Should().Be(DistillApp.Success, resumeOutput);
        resumeOutput.Should().Contain("distilled student, seed 1: finished in an earlier run, kept")
            .And.Contain("label-only student, seed 2: finished in an earlier run, kept")
            .And.Contain("a hit, nothing recomputed");
        File.Exists(Path.Combine(Output, "run.json")).Should().BeTrue();
        File.Exists(Path.Combine(Output, "student.onnx")).Should().BeTrue();
    }

    [Fact]
    public void CacheBuild_Should_BuildTheRecipesCaches_When_GivenARecipe()
    {
        // Arrange
        _workspace.ExportTeacher();
        var recipe = _workspace.DistillationRecipe();

        // Act: first on a terminal (progress bars), then again in a log (plain lines), which finds the caches built
        var (code, terminal) = RecipeWorkspace.RunOnTerminal("cache", "build", "--recipe", recipe);
        var (again, log) = RecipeWorkspace.Run("cache", "build", "--recipe", recipe);

        // Assert
        code.Should().Be(DistillApp.Success, terminal);
        terminal.Should().Contain("\u001b[", "on a terminal the phases are progress bars drawn with ANSI sequences");
        terminal.Should().MatchRegex(@"teacher cache: dev, 48 rows \(logits\) · 48/48 rows · [\d,]+ rows/s");
        Directory.GetDirectories(_workspace.PathOf("cache")).Should().HaveCount(2);
        again.Should().Be(DistillApp.Success, log);
        log.Should().Contain("▸ teacher cache: transfer set, 96 rows (attention.1, hidden.0, hidden.2, logits)");
        log.Should().Contain("▸ teacher cache: dev, 48 rows (logits)");
        log.Should().Contain("a hit, nothing recomputed").And.NotContain("\u001b[");
        log.Should().Contain("ran up to the cache step");
    }

    [Fact]
    public void Recipe_Should_NameTheResumeCommandThatWorks_When_Interrupted()
    {
        // Arrange: Ctrl+C already pressed; the run stops at its first safe point, the teacher cache, with its folder made
        _workspace.ExportTeacher();
        var recipe = _workspace.DistillationRecipe();
        using var interrupted = new CancellationTokenSource();
        interrupted.Cancel();
        var console = new TestConsole().Width(2000);

        // Act
        var code = DistillApp.Run(["recipe", recipe, "--set", "seeds=[1]"], console, interrupted.Token);

        // Assert: the hint, run as written, finishes the run (running the same command again would refuse the folder)
        code.Should().Be(DistillApp.RunFailed, console.Output);
        console.Output.Trim().Split('\n')[^1].Should().Be($"error: interrupted; the outputs so far are kept: continue with `distill recipe {recipe} --set 'seeds=[1]' --resume`");
        var (resumed, output) = RecipeWorkspace.Run("recipe", recipe, "--set", "seeds=[1]", "--resume");
        resumed.Should().Be(DistillApp.Success, output);
        File.Exists(Path.Combine(Output, "run.json")).Should().BeTrue();
    }

    [Fact]
    public void CacheHints_Should_NameACommandThatRepairsTheCache_When_AShardIsDamagedOrMissing()
    {
        // Arrange: the recipe's caches, built; the transfer set's cache has two shards of 64 rows
        _workspace.ExportTeacher();
        var recipe = _workspace.DistillationRecipe();
        RecipeWorkspace.Run("cache", "build", "--recipe", recipe).Code.Should().Be(DistillApp.Success);
        var folder = Directory.GetDirectories(_workspace.PathOf("cache")).Single(f => Directory.GetFiles(f, "shard-*").Length == 2);
        var shard = Directory.GetFiles(folder, "shard-*").Order().Last();

        // Act and assert: a damaged shard, then a missing one; each message's command, run as written, repairs the cache
        var damaged = File.ReadAllBytes(shard);
        damaged[^1] ^= 0xFF;
        File.WriteAllBytes(shard, damaged);
        RunTheHint(ReadEveryRow(folder), recipe);
        ReadEveryRow(folder).Should().BeNull("the damaged shard was rebuilt");

        File.Delete(shard);
        RunTheHint(ReadEveryRow(folder), recipe);
        ReadEveryRow(folder).Should().BeNull("the missing shard was built");
    }

    /// <summary>Opens the cache and reads every row; the error message, if any.</summary>
    private static string? ReadEveryRow(string folder)
    {
        try
        {
            using var cache = Distill.Cache.TeacherCache.Open(folder);
            for (var row = 0; row < cache.Rows; row++)
            {
                cache.Read(row, Distill.Cache.CachedTensorSpec.LogitsName);
            }

            return null;
        }
        catch (DistillException e)
        {
            return e.Message;
        }
    }

    private static void RunTheHint(string? message, string recipe)
    {
        message.Should().NotBeNull();
        var command = System.Text.RegularExpressions.Regex.Matches(message!, "`(distill cache build --recipe [^`]+)`").Single().Groups[1].Value;
        var args = command.Replace("<recipe.yaml>", recipe).Split(' ')[1..];
        var (code, output) = RecipeWorkspace.Run(args);
        code.Should().Be(DistillApp.Success, $"'{command}' from \"{message}\" must work as written: {output}");
    }

    [Fact]
    public void CacheBuild_Should_SayInOneShortLine_When_DeviceAutoFallsBackToTheCpu()
    {
        // Arrange: device auto on a machine whose ONNX Runtime cannot use CUDA (every machine without a GPU)
        if (Distill.Platform.SystemCudaProbe.Instance.Onnx(0).IsAvailable)
        {
            return;
        }

        _workspace.ExportTeacher();
        var recipe = _workspace.DistillationRecipe();

        // Act
        var (code, log) = RecipeWorkspace.Run("cache", "build", "--recipe", recipe, "--set", "device=auto");

        // Assert: on a CPU-only machine the CPU is the expected answer, so one line says so and points to the reason
        code.Should().Be(DistillApp.Success, log);
        var notices = log.Split('\n').Where(l => l.Contains("CUDA", StringComparison.Ordinal)).Select(l => l.Trim()).ToList();
        notices.Should().Equal("ONNX Runtime runs on the CPU (no usable CUDA here; `distill doctor` says why)");
    }

    [Fact]
    public void ShippedRecipe_Should_NameEveryMissingFileAndTheCommandThatFetchesIt_When_TheDataFolderIsEmpty()
    {
        // Arrange
        var recipe = Path.Combine(SharedData.RepositoryRoot, "recipes", "bert-to-tiny.yaml");
        var empty = _workspace.PathOf("no-data");

        // Act
        var (code, output) = RecipeWorkspace.Run("recipe", recipe, "--dry-run", "--set", $"DISTILL_DATA_DIR={empty}");

        // Assert
        code.Should().Be(DistillApp.BadInput, output);
        output.Trim().Should().Be(string.Join(Environment.NewLine,
            "error: bert-to-tiny.yaml: 3 errors",
            $"bert-to-tiny.yaml:19 data.train file not found: {empty}/sst2/train.tsv; put the files there or run `distill data get sst2` (DISTILL_DATA_DIR={empty})",
            $"bert-to-tiny.yaml:20 data.dev file not found: {empty}/sst2/dev.tsv; put the files there or run `distill data get sst2` (DISTILL_DATA_DIR={empty})",
            $"bert-to-tiny.yaml:32 teacher.vocab file not found: {empty}/vocab/bert-base-uncased.txt; put the files there or run " +
            $"`distill data get bert-base-uncased-vocab` (DISTILL_DATA_DIR={empty})"));
    }

    [Theory]
    [InlineData("bert-to-tiny.yaml")]
    [InlineData("bert-to-tiny-terms.yaml")]
    [InlineData("bert-to-bilstm.yaml")]
    [InlineData("emotion-dkd.yaml")]
    [InlineData("teachers/sst2-teacher.yaml")]
    [InlineData("teachers/emotion-teacher.yaml")]
    [InlineData("mnist-cnn.yaml")]
    [InlineData("teachers/mnist-teacher.yaml")]
    public void ShippedRecipes_Should_LoadAndPlan_WithAndWithoutTheQuickProfile(string file)
    {
        // Arrange
        var recipe = Path.Combine(SharedData.RepositoryRoot, "recipes", file);
        var output = _workspace.PathOf("shipped");

        // Act: outputs and the teacher are pointed into the workspace, so nothing of a real run is read or written
        var full = RecipeWorkspace.Run("recipe", recipe, "--dry-run", "--set", $"output={output}");
        var quick = RecipeWorkspace.Run("recipe", recipe, "--dry-run", "--quick", "--set", $"output={output}");

        // Assert
        full.Code.Should().Be(DistillApp.Success, full.Output);
        quick.Code.Should().Be(DistillApp.Success, quick.Output);
        full.Output.Should().Contain("profile       │ none");
        quick.Output.Should().Contain("profile       │ quick");
        Directory.Exists(output).Should().BeFalse();
    }
}

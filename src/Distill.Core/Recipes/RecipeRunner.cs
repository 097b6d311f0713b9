using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Distill.Cache;
using Distill.Evaluation;
using Distill.Export;
using Distill.Losses;
using Distill.Recipes.Internal;
using Distill.Students;
using Distill.Students.Checkpoints;
using Distill.Teacher;
using Distill.Text;
using Distill.Training;
using Google.Protobuf;
using static TorchSharp.torch;

namespace Distill.Recipes;

/// <summary>
/// Runs a recipe end to end: the teacher (trained by its own recipe when its ONNX file is absent), the teacher
/// cache of the transfer set, the distilled students (one per seed), the label-only baselines, evaluation on dev and
/// test, the variants' students (other stages, for an ablation), the export of the best student to ONNX (checked against TorchSharp), the benchmark and the report.
/// </summary>
/// <remarks>
/// The output folder holds <c>distilled/seed-N</c>, <c>variants/NAME/seed-N</c> and <c>baseline/seed-N</c> (each a training run with its own
/// checkpoint, best student and metrics log), <c>student.onnx</c>, <c>report/</c> and <c>run.json</c>. <c>run.json</c>
/// is written last: a folder without it is an interrupted run, never mistaken for a finished one. A finished run's
/// folder is not overwritten unless asked; an interrupted one continues with <see cref="RecipeRunOptions.Resume"/>
/// (cache shards and training checkpoints are kept, finished seeds are not trained again).
/// </remarks>
public sealed partial class RecipeRunner
{
    private readonly Recipe _recipe;
    private readonly RecipeRunOptions _options;
    private readonly IRecipeObserver _observer;

    /// <summary>Prepares a run of <paramref name="recipe"/> (loaded and validated by <c>RecipeLoader</c>).</summary>
    public RecipeRunner(Recipe recipe, RecipeRunOptions? options = null)
    {
        _recipe = recipe ?? throw new ArgumentNullException(nameof(recipe));
        _options = options ?? new RecipeRunOptions();
        _observer = _options.Observer ?? new SilentObserver();
    }

    /// <summary>The file written last into the output folder of a finished run.</summary>
    public const string CompletionFile = "run.json";

    /// <summary>Runs the recipe up to <see cref="RecipeRunOptions.UpTo"/>.</summary>
    /// <exception cref="DistillException">Bad input (exit code 2) or a failed run (exit code 1).</exception>
    public RecipeRunResult Run(CancellationToken cancellation = default)
    {
        var clock = Stopwatch.StartNew();

        // Everything that can be wrong with the input is found before the output folder is touched: its state, the
        // data, the teacher (trained first when absent, in its own folder) and how its inputs are bound.
        var output = CheckOutput();
        var data = RecipeData.Load(_recipe);
        var teacherPath = _recipe.Teacher is null ? null : EnsureTeacher(cancellation);
        using var context = new RunContext(_recipe, data, teacherPath, _observer);
        CreateOutput(output);
        _observer.Notice($"data: {data.Train.Count:N0} training rows, {data.Transfer.Count - data.Train.Count:N0} more in the transfer set, " +
                         $"{data.Dev?.Count ?? 0:N0} dev, {data.Test?.Count ?? 0:N0} test; labels {string.Join(", ", data.LabelNames)}");
        context.BuildTeacherCaches(cancellation);
        if (_options.UpTo == RecipeStep.Cache)
        {
            return Result(output, clock, context, complete: false);
        }

        foreach (var seed in _recipe.Seeds)
        {
            if (context.Teacher is not null)
            {
                context.TrainStudent(Path.Combine(output, "distilled", $"seed-{seed}"), seed, distilled: true, cancellation);
            }
        }

        if (_recipe.Baseline is not null || context.Teacher is null)
        {
            foreach (var seed in _recipe.Seeds)
            {
                context.TrainStudent(Path.Combine(output, "baseline", $"seed-{seed}"), seed, distilled: false, cancellation);
            }
        }

        // Variants come after the baseline: an interrupted ablation still leaves the headline comparison complete.
        foreach (var variant in context.Teacher is null ? [] : _recipe.Variants)
        {
            foreach (var seed in _recipe.Seeds)
            {
                context.TrainStudent(Path.Combine(output, "variants", variant.Name, $"seed-{seed}"), seed, distilled: true, cancellation, variant);
            }
        }

        if (_options.UpTo == RecipeStep.Train)
        {
            return Result(output, clock, context, complete: false);
        }

        context.Evaluate();
        if (_options.UpTo == RecipeStep.Evaluate)
        {
            return Result(output, clock, context, complete: false);
        }

        context.Export(output);
        if (_options.UpTo == RecipeStep.Export)
        {
            return Result(output, clock, context, complete: false);
        }

        context.WriteReport(output, clock.Elapsed);
        var result = Result(output, clock, context, complete: true);
        WriteCompletion(output, result);
        if (Directory.Exists(PreviousFolder(output)))
        {
            Directory.Delete(PreviousFolder(output), recursive: true);
        }

        return result;
    }

    private RecipeRunResult Result(string output, Stopwatch clock, RunContext context, bool complete) => new()
    {
        Output = output,
        Complete = complete,
        Elapsed = clock.Elapsed,
        StudentOnnx = context.StudentOnnx,
        Report = context.ReportFile,
        Teacher = context.TeacherSummary,
        Distilled = context.Runs(distilled: true),
        Baselines = context.Runs(distilled: false),
        Variants = context.VariantRuns(),
        Summary = context.Summary,
    };

    /// <summary>Checks the output folder against a previous run, without changing anything.</summary>
    private string CheckOutput()
    {
        var output = Path.GetFullPath(_recipe.Output);
        if (File.Exists(Path.Combine(output, CompletionFile)))
        {
            if (!_options.Overwrite)
            {
                throw RecipeErrors.OutputHoldsFinishedRun(output, _recipe.Name);
            }
        }
        else if (Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any() && !_options.Overwrite && !_options.Resume)
        {
            throw RecipeErrors.OutputHoldsInterruptedRun(output, _recipe.Name);
        }

        return output;
    }

    /// <summary>Empties the output folder when replacing a run, creates it, and writes the resolved recipe there.</summary>
    private void CreateOutput(string output)
    {
        if (_options.Overwrite && Directory.Exists(output))
        {
            // The replaced run is kept beside the new one until the new one completes, so a failed run loses nothing.
            var previous = PreviousFolder(output);
            if (Directory.Exists(previous))
            {
                Directory.Delete(previous, recursive: true);
            }

            Directory.Move(output, previous);
        }

        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, "recipe.resolved.json"), RecipeJson.Serialize(_recipe));
    }

    /// <summary>The teacher's ONNX file; trained by the teacher recipe first when it is absent.</summary>
    private string EnsureTeacher(CancellationToken cancellation)
    {
        var teacher = _recipe.Teacher!;
        if (File.Exists(teacher.Model))
        {
            return teacher.Model;
        }

        if (teacher.Recipe is null)
        {
            throw RecipeErrors.TeacherModelMissing(_recipe, teacher.Model);
        }

        _observer.Phase($"teacher: {teacher.Model} is absent, running {teacher.Recipe}");
        // The teacher recipe exports to the path this recipe reads, whatever its own export.path says.
        var teacherRecipe = RecipeLoader.Load(teacher.Recipe, [$"export.path={Path.GetFullPath(teacher.Model)}"], _options.Profile);
        var run = new RecipeRunner(teacherRecipe, _options with { UpTo = RecipeStep.All, Overwrite = false, Resume = true }).Run(cancellation);
        if (!File.Exists(teacher.Model))
        {
            throw RecipeErrors.TeacherRecipeWroteNoModel(_recipe, run.Output, teacher.Model);
        }

        return teacher.Model;
    }

    /// <summary>Where <c>--overwrite</c> keeps the replaced run until the new one completes.</summary>
    public static string PreviousFolder(string output) => Path.TrimEndingDirectorySeparator(output) + ".replaced";

    private static void WriteCompletion(string output, RecipeRunResult result)
    {
        var path = Path.Combine(output, CompletionFile);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(new JsonObject
        {
            ["status"] = "complete",
            ["finished_utc"] = DateTimeOffset.UtcNow.ToString("u"),
            ["elapsed_seconds"] = result.Elapsed.TotalSeconds,
            ["report"] = result.Report,
            ["student_onnx"] = result.StudentOnnx,
        }, new JsonSerializerOptions { WriteIndented = true }));
        File.Move(temporary, path, overwrite: true);
    }

    private sealed class SilentObserver : IRecipeObserver;
}

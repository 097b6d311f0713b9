using System.Globalization;
using System.Text.Json.Nodes;
using Distill.Cache;
using Distill.Recipes.Internal;
using Distill.Students;

namespace Distill.Recipes;

public sealed partial class RecipeRunner
{
    /// <summary>
    /// Resolves the run without doing it: reads the data, opens the teacher (when its file exists) to find its taps
    /// and cache keys, builds the student once to count its parameters. Nothing is written.
    /// </summary>
    /// <exception cref="DistillException">Bad input, as <see cref="Run"/> would find it before training.</exception>
    public RecipePlan Plan()
    {
        var sections = new List<RecipePlanSection>();
        var output = Path.GetFullPath(_recipe.Output);
        sections.Add(Section("recipe",
            ("name", _recipe.Name),
            ("file", Path.GetFullPath(_recipe.Path)),
            ("profile", _options.Profile ?? "none"),
            ("seeds", string.Join(", ", _recipe.Seeds)),
            ("device", _recipe.Device),
            ("output folder", $"{output} ({OutputState(output)})")));

        var data = RecipeData.Load(_recipe);
        var dataItems = new List<(string, string)>
        {
            ("train", $"{_recipe.Data.Train}: {data.Train.Count:N0} rows{(_recipe.Data.Limit is { } limit ? $" (limit {limit:N0})" : "")}"),
            ("transfer set", $"{data.Transfer.Count:N0} rows ({data.Train.Count:N0} labelled, {data.Transfer.Count - data.Train.Count:N0} augmented or unlabelled)"),
        };
        if (_recipe.Data.Dev is { } dev)
        {
            dataItems.Add(("dev", $"{dev}: {data.Dev!.Count:N0} rows"));
        }

        if (_recipe.Data.Test is { } test)
        {
            dataItems.Add(("test", $"{test}: {data.Test!.Count:N0} rows"));
        }

        dataItems.Add(("labels", string.Join(", ", data.LabelNames)));
        sections.Add(Section("data", [.. dataItems]));

        var teacherPath = _recipe.Teacher is { } teacher && File.Exists(teacher.Model) ? teacher.Model : null;
        if (_recipe.Teacher is { } absent && teacherPath is null)
        {
            sections.Add(Section("teacher",
                ("model", $"{absent.Model} (absent)"),
                ("trained by", absent.Recipe is null ? "nothing: the run stops, give teacher.recipe or export a teacher there" : $"{absent.Recipe}, first; its taps and cache keys are known once it exists")));
        }

        using var context = new RunContext(_recipe, data, teacherPath, new SilentObserver());
        if (teacherPath is null && _recipe.Teacher?.Recipe is { } teacherRecipe)
        {
            var planned = RecipeLoader.Load(teacherRecipe, [$"export.path={Path.GetFullPath(_recipe.Teacher.Model)}"], _options.Profile);
            context.TeacherHiddenHint = (planned.Student.ToOptions(data.Labels.Count) as TransformerStudentOptions)?.Hidden;
        }

        if (context.Teacher is { } loaded)
        {
            var inspection = loaded.Inspection;
            sections.Add(Section("teacher",
                ("model", Path.GetFullPath(teacherPath!)),
                ("layers", loaded.LayerCount?.ToString(CultureInfo.InvariantCulture) ?? "not a transformer"),
                ("hidden size", inspection.HiddenStates.FirstOrDefault()?.Width?.ToString(CultureInfo.InvariantCulture) ?? "unknown"),
                ("device", loaded.Device.ToString())));
            var caches = context.PlanCaches().Select(plan =>
            {
                var key = plan.Key;
                var folder = Path.Combine(_recipe.Cache.Dir, key);
                var state = !Directory.Exists(folder)
                    ? "to build"
                    : TeacherCache.Inspect(folder) is { Complete: true } ? "a hit: nothing to compute" : "partly built: resumes";
                return ($"{plan.Set}, {plan.Rows.Count:N0} rows", $"{key} ({state}); {string.Join(", ", plan.Tensors.Select(t => t.Name))}");
            }).ToArray();
            sections.Add(Section($"teacher cache ({Path.GetFullPath(_recipe.Cache.Dir)})", caches));
        }

        using (var model = context.StudentOptions.CreateModel())
        {
            sections.Add(Section("student",
                ("architecture", _recipe.Student.Architecture),
                ("settings", Describe(context.StudentOptions)),
                ("parameters", $"{model.ParameterCount:N0}"),
                ("initialised from", context.StudentStart)));
        }

        var formulas = context.StageFormulas();
        var batch = _recipe.Training.BatchSize * _recipe.Training.GradientAccumulation;
        var stages = _recipe.Stages.Select((stage, i) =>
        {
            var rows = _recipe.Teacher is null ? data.Train.Count : data.Transfer.Count;
            var steps = stage.MaxSteps ?? (long)Math.Ceiling(rows / (double)batch) * stage.Epochs;
            return (stage.Name, $"{formulas[i][(stage.Name.Length + 2)..]}; {Epochs(stage.Epochs)} over {rows:N0} rows, about {steps:N0} steps of {batch}; " +
                                $"learning rate {stage.LearningRate:G3}, warm-up {stage.Warmup:P0}, {stage.Decay} decay, weight decay {stage.WeightDecay:G3}");
        }).ToArray();
        sections.Add(Section("distillation", stages));
        foreach (var variant in _recipe.Teacher is null ? [] : _recipe.Variants)
        {
            var variantFormulas = context.StageFormulas(variant);
            sections.Add(Section($"variant {variant.Name}", variant.Stages.Select((stage, i) =>
                (stage.Name, $"{variantFormulas[i][(stage.Name.Length + 2)..]}; {Epochs(stage.Epochs)}, learning rate {stage.LearningRate:G3}")).ToArray()));
        }

        if (_recipe.Baseline is not null && _recipe.Teacher is not null)
        {
            var b = _recipe.Baseline!;
            sections.Add(Section("baseline",
                ("loss", "L = ce"),
                ("schedule", $"{Epochs(b.Epochs)} over {data.Train.Count:N0} labelled rows; learning rate {b.LearningRate:G3}, warm-up {b.Warmup:P0}")));
        }

        sections.Add(Section("outputs",
            ("students", $"{Path.Combine(output, "distilled", "seed-N")}{(_recipe.Baseline is null ? "" : $", {Path.Combine(output, "baseline", "seed-N")}")}" +
                         (_recipe.Variants.Count == 0 ? "" : $", {Path.Combine(output, "variants", "NAME", "seed-N")}")),
            ("onnx", _recipe.Export.Onnx ? Path.GetFullPath(_recipe.Export.Path ?? Path.Combine(output, "student.onnx")) : "not exported (export.onnx: false)"),
            ("report", _recipe.Teacher is null ? "none (no teacher to compare with); numbers in run.json" : Path.Combine(output, "report", "report.md")),
            ("resolved recipe", Path.Combine(output, "recipe.resolved.json"))));
        return new RecipePlan(sections);
    }

    private string OutputState(string output)
    {
        if (File.Exists(Path.Combine(output, CompletionFile)))
        {
            return _options.Overwrite ? "holds a finished run, which --overwrite replaces" : "holds a finished run: the run refuses without --overwrite";
        }

        if (Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any())
        {
            return _options.Resume ? "holds an interrupted run, which --resume continues" : "holds an interrupted run: give --resume or --overwrite";
        }

        return "new";
    }

    /// <summary>
    /// Every setting of the student, defaults included, as a recipe writes it (<c>embedding_dim: 64, filter_widths:
    /// [3, 4, 5]</c>): the names and spellings come from the options' one JSON form, the same a recipe is read through,
    /// so each can be copied into the recipe's <c>student:</c> as it stands.
    /// </summary>
    internal static string Describe(StudentOptions options) => string.Join(", ",
        StudentOptionsJson.ToNode(options)
            .Where(p => p.Key != "architecture")
            .Select(p => $"{p.Key}: {Show(p.Value)}"));

    private static string Show(JsonNode? value) => value switch
    {
        null => "null",
        JsonArray list => $"[{string.Join(", ", list.Select(Show))}]",
        JsonObject map => $"{{{string.Join(", ", map.Select(p => $"{p.Key}: {Show(p.Value)}"))}}}",
        JsonValue text when text.TryGetValue<string>(out var s) => s,
        _ => value.ToJsonString(),
    };

    private static string Epochs(int epochs) => epochs == 1 ? "1 epoch" : $"{epochs} epochs";

    private static RecipePlanSection Section(string title, params (string Name, string Value)[] items) =>
        new(title, items.Select(i => KeyValuePair.Create(i.Name, i.Value)).ToList());
}

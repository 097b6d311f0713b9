namespace Distill.Recipes;

/// <summary>
/// A distillation recipe: one YAML file that describes a whole run (data, teacher, cache, student, stages of loss
/// terms, the label-only baseline, export and report). Read and validated as a whole by <c>RecipeLoader</c>
/// before any model is loaded; a recipe is data and never executes code. YAML keys are the snake_case of the
/// property names (<c>learning_rate</c>, <c>max_length</c>, ...).
/// </summary>
public sealed record Recipe
{
    /// <summary>The recipe's name; names the output folder by default. Key <c>name</c>.</summary>
    public required string Name { get; init; }

    /// <summary>The recipe file (absolute path), for messages and relative paths.</summary>
    public required string Path { get; init; }

    /// <summary>Seeds of the student runs (and of the baseline); several give a mean and a spread. Key <c>seeds</c>, default [42].</summary>
    public IReadOnlyList<int> Seeds { get; init; } = [42];

    /// <summary>Where the run's outputs go. Key <c>output</c>, default <c>runs/&lt;name&gt;</c> beside the working folder.</summary>
    public required string Output { get; init; }

    /// <summary>Device for the teacher and the student: auto, cpu, cuda, cuda:N. Key <c>device</c>, default auto.</summary>
    public string Device { get; init; } = "auto";

    /// <summary>Key <c>data</c>.</summary>
    public required DataSettings Data { get; init; }

    /// <summary>Key <c>teacher</c>; null trains the student on labels alone (a teacher recipe).</summary>
    public TeacherSettings? Teacher { get; init; }

    /// <summary>Key <c>cache</c>.</summary>
    public CacheSettings Cache { get; init; } = new();

    /// <summary>Key <c>student</c>.</summary>
    public required StudentSettings Student { get; init; }

    /// <summary>Key <c>training</c>.</summary>
    public TrainingSettings Training { get; init; } = new();

    /// <summary>Key <c>stages</c>: at least one.</summary>
    public required IReadOnlyList<StageSettings> Stages { get; init; }

    /// <summary>
    /// Key <c>variants</c>: other ways of distilling the same student (each its own <c>stages</c>), trained for every seed
    /// from the same start on the same data, so that the report shows what each set of terms gains over labels alone and
    /// against the recipe's own stages (an ablation). Default none.
    /// </summary>
    public IReadOnlyList<VariantSettings> Variants { get; init; } = [];

    /// <summary>Key <c>baseline</c>; null runs no baseline.</summary>
    public BaselineSettings? Baseline { get; init; }

    /// <summary>Key <c>export</c>.</summary>
    public ExportSettings Export { get; init; } = new();

    /// <summary>Key <c>report</c>.</summary>
    public ReportSettings Report { get; init; } = new();

    /// <summary>The line of each key path in the file (<c>stages[1].losses[0].temperature</c> → 31), for messages.</summary>
    public IReadOnlyDictionary<string, int> Lines { get; init; } = new Dictionary<string, int>();

    /// <summary><c>file.yaml:31 key.path</c> for a key path, or the file alone when the key was not in the file.</summary>
    public string Where(string keyPath) =>
        Lines.TryGetValue(keyPath, out var line)
            ? $"{System.IO.Path.GetFileName(Path)}:{line} {keyPath}"
            : $"{System.IO.Path.GetFileName(Path)} {keyPath}";
}

namespace Distill.Recipes;

/// <summary>The steps of a recipe, in order; a run goes up to and including the one asked for.</summary>
public enum RecipeStep
{
    /// <summary>The teacher (trained by its recipe when absent) and its cache.</summary>
    Cache,

    /// <summary>The distilled students and the baselines.</summary>
    Train,

    /// <summary>Metrics of teacher, students and baselines on dev and test.</summary>
    Evaluate,

    /// <summary>The best student as ONNX, checked against TorchSharp.</summary>
    Export,

    /// <summary>Everything, with the benchmark and the report.</summary>
    All,
}

/// <summary>How to run a recipe.</summary>
public sealed record RecipeRunOptions
{
    /// <summary>Continue an interrupted run in the output folder (cache shards and training checkpoints are kept).</summary>
    public bool Resume { get; init; }

    /// <summary>Replace a previous run's outputs in the output folder.</summary>
    public bool Overwrite { get; init; }

    /// <summary>How far to go. Default everything.</summary>
    public RecipeStep UpTo { get; init; } = RecipeStep.All;

    /// <summary>
    /// The profile the recipe was loaded with; a teacher recipe run because the teacher's ONNX file is absent is
    /// loaded with the same profile (so a quick run trains a quick teacher). Null for none.
    /// </summary>
    public string? Profile { get; init; }

    /// <summary>Receives progress; null for none.</summary>
    public IRecipeObserver? Observer { get; init; }
}

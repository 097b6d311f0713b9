using Distill.Metrics;
using Distill.Evaluation;

namespace Distill.Recipes;

/// <summary>One trained student of a recipe run (a distilled student or a baseline, for one seed).</summary>
public sealed record StudentRunSummary
{
    /// <summary>The seed.</summary>
    public required int Seed { get; init; }

    /// <summary>The run's folder (checkpoint, best student, metrics log).</summary>
    public required string Folder { get; init; }

    /// <summary>Dev metrics of the best checkpoint; null without a dev set.</summary>
    public ClassificationMetrics? Dev { get; init; }

    /// <summary>Test metrics of the best checkpoint; null without a test set.</summary>
    public ClassificationMetrics? Test { get; init; }

    /// <summary>Dev accuracy after each epoch, in order.</summary>
    public IReadOnlyList<double> DevAccuracyPerEpoch { get; init; } = [];

    /// <summary>Training time (of the process that finished it).</summary>
    public TimeSpan TrainingTime { get; init; }

    /// <summary>Optimizer steps.</summary>
    public long Steps { get; init; }

    /// <summary>Trainable parameters.</summary>
    public long Parameters { get; init; }
}

/// <summary>The students of one variant of a recipe (key <c>variants</c>), one per seed.</summary>
public sealed record VariantRunSummary
{
    /// <summary>The variant's name.</summary>
    public required string Name { get; init; }

    /// <summary>Its students, one per seed.</summary>
    public IReadOnlyList<StudentRunSummary> Runs { get; init; } = [];
}

/// <summary>The teacher's side of a recipe run.</summary>
public sealed record TeacherSummary
{
    /// <summary>The teacher's ONNX file.</summary>
    public required string Model { get; init; }

    /// <summary>Dev metrics from its cached logits; null without a dev set.</summary>
    public ClassificationMetrics? Dev { get; init; }

    /// <summary>Test metrics; null without a test set.</summary>
    public ClassificationMetrics? Test { get; init; }

    /// <summary>Its transformer layers, when it has them.</summary>
    public int? Layers { get; init; }
}

/// <summary>What a recipe run produced.</summary>
public sealed record RecipeRunResult
{
    /// <summary>The output folder.</summary>
    public required string Output { get; init; }

    /// <summary>True when every step ran and <c>run.json</c> was written.</summary>
    public required bool Complete { get; init; }

    /// <summary>Time of this process.</summary>
    public required TimeSpan Elapsed { get; init; }

    /// <summary>The exported student, when exported.</summary>
    public string? StudentOnnx { get; init; }

    /// <summary>The report (report.md), when written.</summary>
    public string? Report { get; init; }

    /// <summary>The teacher, when the recipe has one.</summary>
    public TeacherSummary? Teacher { get; init; }

    /// <summary>The distilled students, one per seed.</summary>
    public IReadOnlyList<StudentRunSummary> Distilled { get; init; } = [];

    /// <summary>The label-only students, one per seed.</summary>
    public IReadOnlyList<StudentRunSummary> Baselines { get; init; } = [];

    /// <summary>The students of each variant (key <c>variants</c>), in the recipe's order.</summary>
    public IReadOnlyList<VariantRunSummary> Variants { get; init; } = [];

    /// <summary>The headline numbers (accuracy kept, gain over the baseline, speedups), once the report is written.</summary>
    public RunSummary? Summary { get; init; }
}

namespace Distill.Recipes;

/// <summary>One training stage (an item of key <c>stages</c>).</summary>
public sealed record StageSettings
{
    /// <summary>Key <c>name</c>, default stage1, stage2, ...</summary>
    public required string Name { get; init; }

    /// <summary>Key <c>epochs</c>, default 3.</summary>
    public int Epochs { get; init; } = 3;

    /// <summary>Key <c>max_steps</c>.</summary>
    public long? MaxSteps { get; init; }

    /// <summary>Key <c>learning_rate</c>, default 5e-5.</summary>
    public double LearningRate { get; init; } = 5e-5;

    /// <summary>Fraction of steps warming up. Key <c>warmup</c>, default 0.1.</summary>
    public double Warmup { get; init; } = 0.1;

    /// <summary>linear, cosine or constant. Key <c>decay</c>, default linear.</summary>
    public string Decay { get; init; } = "linear";

    /// <summary>Key <c>weight_decay</c>, default 0.01.</summary>
    public double WeightDecay { get; init; } = 0.01;

    /// <summary>Key <c>losses</c>: at least one.</summary>
    public required IReadOnlyList<LossTermSettings> Losses { get; init; }
}

/// <summary>One loss term of a stage (an item of key <c>losses</c>).</summary>
public sealed record LossTermSettings
{
    /// <summary>A key of <c>LossRegistry</c>: ce, kd, dkd, at, attention_mse, attention_kl, value_relation, hidden_mse, cosine, blockwise_logit. Key <c>type</c>, required.</summary>
    public required string Type { get; init; }

    /// <summary>Key <c>weight</c>, default 1.</summary>
    public double Weight { get; init; } = 1.0;

    /// <summary>Linear warm-up of the weight over this many epochs (fractional). Key <c>warmup_epochs</c>; default none.</summary>
    public double? WarmupEpochs { get; init; }

    /// <summary>Linear warm-up of the weight over this many optimizer steps. Key <c>warmup_steps</c>; default none.</summary>
    public long? WarmupSteps { get; init; }

    /// <summary>The term's own settings (temperature, layers, ...), passed to the registry. Every other key of the item.</summary>
    public IReadOnlyDictionary<string, object?> Settings { get; init; } = new Dictionary<string, object?>();

    /// <summary>The item's key path, e.g. <c>stages[1].losses[0]</c>, for messages.</summary>
    public string KeyPath { get; init; } = string.Empty;
}

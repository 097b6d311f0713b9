namespace Distill.Students.Checkpoints;

/// <summary>
/// What loading a weights file into a model did, key by key. Student keys are the model's state-dict keys; file keys
/// are written as the file spells them.
/// </summary>
public sealed record WeightImportReport
{
    /// <summary>The file the weights came from.</summary>
    public required string Source { get; init; }

    /// <summary>Student keys that received a value from the file, in the model's order.</summary>
    public required IReadOnlyList<string> Loaded { get; init; }

    /// <summary>Student keys the file has no value for; those weights keep their initial (random) values.</summary>
    public required IReadOnlyList<string> Missing { get; init; }

    /// <summary>File keys that have no place in the model (another head, more layers); not loaded.</summary>
    public required IReadOnlyList<string> Unexpected { get; init; }

    /// <summary>File keys known not to be weights (such as <c>bert.embeddings.position_ids</c>); skipped on purpose.</summary>
    public required IReadOnlyList<string> Ignored { get; init; }

    /// <summary>One line for logs: the counts, with the first few keys of each list that is not empty.</summary>
    public override string ToString() =>
        $"{Source}: loaded {Loaded.Count}; missing {Describe(Missing)}; unexpected {Describe(Unexpected)}; ignored {Describe(Ignored)}";

    private static string Describe(IReadOnlyList<string> keys) =>
        keys.Count == 0 ? "0" : $"{keys.Count} ({Distill.Students.Internal.KeyLists.Sample(keys)})";
}

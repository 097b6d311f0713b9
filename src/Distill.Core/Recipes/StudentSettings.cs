namespace Distill.Recipes;

/// <summary>
/// The student of a recipe (key <c>student</c>): an architecture and its settings, as the options records of
/// <see cref="Distill.Students"/> name them (<c>layers</c>, <c>hidden</c>, <c>heads</c>, <c>intermediate</c>, ...).
/// </summary>
public sealed record StudentSettings
{
    /// <summary>transformer, bilstm, text_cnn, mlp or image_cnn. Key <c>architecture</c>, required.</summary>
    public required string Architecture { get; init; }

    /// <summary>The architecture's settings, keyed as in its options record (snake_case). Every other key under <c>student</c>.</summary>
    public IReadOnlyDictionary<string, object?> Settings { get; init; } = new Dictionary<string, object?>();

    /// <summary>The student's vocab.txt; default the teacher's. Key <c>vocab</c>.</summary>
    public string? Vocab { get; init; }

    /// <summary>Longest encoding in tokens; default the teacher's. Key <c>max_length</c>.</summary>
    public int? MaxLength { get; init; }

    /// <summary>Initialise a transformer student from chosen teacher layers (DistilBERT). Key <c>init</c>: {from: teacher, layers: [...]}.</summary>
    public IReadOnlyList<int>? InitFromTeacherLayers { get; init; }
}

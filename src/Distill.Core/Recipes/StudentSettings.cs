using Distill.Students;

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

    /// <summary>
    /// Where a transformer student's first weights come from (key <c>init.from</c>): <see cref="TeacherInit"/> for
    /// chosen teacher layers (DistilBERT), or a pretrained encoder: a catalog name such as <c>all-minilm-l6-v2</c>
    /// (fetched when absent), an ONNX export, or a Hugging Face checkpoint folder (as a full path). Null: random weights.
    /// </summary>
    public string? InitFrom { get; init; }

    /// <summary>The source layers to copy, student layer k from source layer <c>InitLayers[k]</c> (key <c>init.layers</c>);
    /// null for every layer of a pretrained model.</summary>
    public IReadOnlyList<int>? InitLayers { get; init; }

    /// <summary>How a narrower student's feed-forward units are chosen from the source's: evenly spaced (default) or
    /// the strongest by weight magnitude. Key <c>init.feed_forward_units</c>.</summary>
    public TransformerWidthSelection.UnitChoice InitFeedForwardUnits { get; init; } = TransformerWidthSelection.UnitChoice.Evenly;

    /// <summary>The teacher layers the student starts from, when <see cref="InitFrom"/> is the teacher; else null.</summary>
    public IReadOnlyList<int>? InitFromTeacherLayers => InitFrom == TeacherInit ? InitLayers : null;

    /// <summary>True when the student starts from a pretrained encoder (not the teacher, not random weights).</summary>
    public bool InitFromPretrained => InitFrom is not null && InitFrom != TeacherInit;

    /// <summary>The <c>init.from</c> value that names the teacher.</summary>
    public const string TeacherInit = "teacher";

    /// <summary>
    /// The options record of <see cref="Architecture"/> with these <see cref="Settings"/> and
    /// <paramref name="numLabels"/> classes, built through the JSON form of <see cref="StudentOptions"/> (the same
    /// reading the recipe loader validates with).
    /// </summary>
    /// <exception cref="DistillException">The architecture or a setting is unknown, a value has the wrong type, or the settings are invalid.</exception>
    public StudentOptions ToOptions(int numLabels)
    {
        var problems = new List<(string? Key, string Message)>();
        var options = Internal.StudentOptionsBuilder.Build(Architecture, Settings, numLabels, problems);
        if (options is null || problems.Count > 0)
        {
            throw Internal.RecipeErrors.InvalidStudentSettings(problems);
        }

        return options;
    }
}

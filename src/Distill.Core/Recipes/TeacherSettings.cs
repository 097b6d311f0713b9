namespace Distill.Recipes;

/// <summary>The teacher of a recipe (key <c>teacher</c>).</summary>
public sealed record TeacherSettings
{
    /// <summary>The teacher's ONNX file. Key <c>model</c>, required.</summary>
    public required string Model { get; init; }

    /// <summary>A recipe that trains and exports the teacher when <see cref="Model"/> does not exist. Key <c>recipe</c>.</summary>
    public string? Recipe { get; init; }

    /// <summary>The teacher's vocab.txt. Key <c>vocab</c>, required for text.</summary>
    public required string Vocab { get; init; }

    /// <summary>Lower-case text before WordPiece (uncased vocabularies). Key <c>lower_case</c>, default true.</summary>
    public bool LowerCase { get; init; } = true;

    /// <summary>Longest encoding in tokens. Key <c>max_length</c>, default 128.</summary>
    public int MaxLength { get; init; } = 128;

    /// <summary>Model inputs whose meaning their name does not say: input name → input_ids, attention_mask, token_type_ids or features. Key <c>inputs</c>.</summary>
    public IReadOnlyDictionary<string, string> Inputs { get; init; } = new Dictionary<string, string>();

    /// <summary>Attention heads of the teacher, needed only to rebuild it in TorchSharp (block-wise) when its ONNX lacks Distill's metadata. Key <c>heads</c>.</summary>
    public int? Heads { get; init; }
}

namespace Distill.Cache;

/// <summary>
/// One tensor the cache keeps for every row: where it comes from in the teacher and how it is laid out.
/// </summary>
/// <param name="Name">Name in the cache, e.g. <c>logits</c>, <c>attention.5</c>, <c>hidden.6</c>.</param>
/// <param name="Kind">Layout per row, which decides how the row is cut from a padded batch.</param>
/// <param name="Source">The teacher output (after taps are added) that holds it, [batch, ...].</param>
/// <param name="Layer">The teacher layer (attention) or hidden-state index the tensor belongs to; null for logits.</param>
public sealed record CachedTensorSpec(string Name, CachedTensorKind Kind, string Source, int? Layer = null)
{
    /// <summary>Cache name of the logits.</summary>
    public const string LogitsName = "logits";

    /// <summary>The logits, read from the teacher output <paramref name="source"/>.</summary>
    public static CachedTensorSpec Logits(string source) => new(LogitsName, CachedTensorKind.Logits, source);

    /// <summary>Attention probabilities of teacher layer <paramref name="layer"/> (from 0).</summary>
    public static CachedTensorSpec Attention(int layer, string source) =>
        new(AttentionName(layer), CachedTensorKind.AttentionProbabilities, source, layer);

    /// <summary>Hidden state <paramref name="index"/> (0 = embeddings, i = output of layer i − 1).</summary>
    public static CachedTensorSpec Hidden(int index, string source) =>
        new(HiddenName(index), CachedTensorKind.HiddenState, source, index);

    /// <summary>The tensor <paramref name="id"/>, read from the teacher output <paramref name="source"/>.</summary>
    public static CachedTensorSpec For(TeacherTensorId id, string source) => id.Kind switch
    {
        CachedTensorKind.Logits => Logits(source),
        CachedTensorKind.AttentionProbabilities => Attention(id.Index, source),
        CachedTensorKind.HiddenState => Hidden(id.Index, source),
        _ => new CachedTensorSpec(id.Name, CachedTensorKind.Fixed, source, id.Index),
    };

    /// <summary>Cache name of the attention probabilities of a layer.</summary>
    public static string AttentionName(int layer) => TeacherTensorId.Attention(layer).Name;

    /// <summary>Cache name of a hidden state.</summary>
    public static string HiddenName(int index) => TeacherTensorId.Hidden(index).Name;
}

using System.Globalization;

namespace Distill.Cache;

/// <summary>
/// Which teacher tensor a cache holds or a loss term reads: the logits, one layer's attention probabilities, one
/// hidden state or one CNN stage's feature map. Its <see cref="Name"/> (<c>logits</c>, <c>attention.5</c>,
/// <c>hidden.6</c>, <c>feature_maps.2</c>) is how a cache's manifest names the tensor; this type is the one owner of
/// that spelling, so no caller builds or parses those strings itself.
/// </summary>
/// <param name="Kind">What the tensor is, which also decides how a row is cut from a padded batch.</param>
/// <param name="Index">The attention layer (from 0), the hidden-state index (0 = embeddings, i = output of layer i − 1)
/// or the feature-map stage; 0 for the logits.</param>
public readonly record struct TeacherTensorId(CachedTensorKind Kind, int Index) : IComparable<TeacherTensorId>
{
    private const string AttentionPrefix = "attention.";
    private const string HiddenPrefix = "hidden.";
    private const string FeatureMapPrefix = "feature_maps.";

    /// <summary>The teacher's logits.</summary>
    public static TeacherTensorId Logits => new(CachedTensorKind.Logits, 0);

    /// <summary>The attention probabilities of teacher layer <paramref name="layer"/> (from 0).</summary>
    public static TeacherTensorId Attention(int layer) => new(CachedTensorKind.AttentionProbabilities, layer);

    /// <summary>Hidden state <paramref name="index"/> (0 = embeddings, i = output of layer i − 1).</summary>
    public static TeacherTensorId Hidden(int index) => new(CachedTensorKind.HiddenState, index);

    /// <summary>The feature map at the end of CNN stage <paramref name="stage"/> (from 0).</summary>
    public static TeacherTensorId FeatureMap(int stage) => new(CachedTensorKind.Fixed, stage);

    /// <summary>The name in a cache's manifest.</summary>
    public string Name => Kind switch
    {
        CachedTensorKind.Logits => CachedTensorSpec.LogitsName,
        CachedTensorKind.AttentionProbabilities => AttentionPrefix + Index.ToString(CultureInfo.InvariantCulture),
        CachedTensorKind.HiddenState => HiddenPrefix + Index.ToString(CultureInfo.InvariantCulture),
        _ => FeatureMapPrefix + Index.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>The id a cache name stands for; false for a name no loss term reads (a tensor of the user's own).</summary>
    public static bool TryParse(string name, out TeacherTensorId id)
    {
        ArgumentNullException.ThrowIfNull(name);
        id = default;
        if (name == CachedTensorSpec.LogitsName)
        {
            id = Logits;
            return true;
        }

        foreach (var (prefix, kind) in new[]
                 {
                     (AttentionPrefix, CachedTensorKind.AttentionProbabilities), (HiddenPrefix, CachedTensorKind.HiddenState),
                     (FeatureMapPrefix, CachedTensorKind.Fixed),
                 })
        {
            if (name.StartsWith(prefix, StringComparison.Ordinal)
                && int.TryParse(name.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                id = new TeacherTensorId(kind, index);
                return true;
            }
        }

        return false;
    }

    /// <summary>Orders the logits first, then attention layers, hidden states and feature maps, each by index.</summary>
    public int CompareTo(TeacherTensorId other) => Kind != other.Kind ? Kind.CompareTo(other.Kind) : Index.CompareTo(other.Index);

    /// <inheritdoc/>
    public override string ToString() => Name;
}

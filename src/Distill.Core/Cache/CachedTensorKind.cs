namespace Distill.Cache;

/// <summary>How a teacher output is laid out per row, which decides how it is cut from a padded batch.</summary>
public enum CachedTensorKind
{
    /// <summary>Class logits, [classes] per row.</summary>
    Logits,

    /// <summary>Attention probabilities of one layer, [heads, L, L] per row at the row's true length L.</summary>
    AttentionProbabilities,

    /// <summary>A hidden state (embedding output or a layer's output), [L, hidden] per row.</summary>
    HiddenState,

    /// <summary>Any per-row tensor of fixed shape (a CNN feature map, say), stored whole.</summary>
    Fixed,
}

using static TorchSharp.torch;

namespace Distill.Students;

/// <summary>Intermediate tensors a caller can ask a student to return beside its logits.</summary>
[Flags]
public enum Intermediates
{
    /// <summary>Logits only.</summary>
    None = 0,

    /// <summary>Transformer attention scores per layer, [batch, heads, sequence, sequence], before softmax, no mask added.</summary>
    AttentionScores = 1,

    /// <summary>Transformer attention probabilities per layer, [batch, heads, sequence, sequence].</summary>
    AttentionProbabilities = 2,

    /// <summary>Transformer hidden states: the embedding output, then every layer's output, [batch, sequence, hidden].</summary>
    HiddenStates = 4,

    /// <summary>Transformer value vectors per layer, [batch, heads, sequence, head size] (MiniLM's value relation).</summary>
    Values = 8,

    /// <summary>Image CNN feature maps, one per stage, [batch, channels, height, width] (attention transfer).</summary>
    FeatureMaps = 16,

    /// <summary>Everything the student has.</summary>
    All = AttentionScores | AttentionProbabilities | HiddenStates | Values | FeatureMaps,
}

/// <summary>
/// One batch for a student. Text students read <see cref="InputIds"/> and <see cref="AttentionMask"/> (and the
/// transformer <see cref="TokenTypeIds"/>); the MLP and image students read <see cref="Features"/>.
/// </summary>
public sealed record StudentInput
{
    /// <summary>Token ids, [batch, sequence], int64.</summary>
    public Tensor? InputIds { get; init; }

    /// <summary>1 for tokens, 0 for padding, [batch, sequence], int64. Null: every position is a token.</summary>
    public Tensor? AttentionMask { get; init; }

    /// <summary>Segment ids for sentence pairs, [batch, sequence], int64. Null: all 0.</summary>
    public Tensor? TokenTypeIds { get; init; }

    /// <summary>Float features: [batch, features] for the MLP, [batch, channels, height, width] for the image CNN.</summary>
    public Tensor? Features { get; init; }

    /// <summary>Which intermediate tensors to return beside the logits.</summary>
    public Intermediates Capture { get; init; }

    /// <summary>A text batch.</summary>
    public static StudentInput Text(Tensor inputIds, Tensor? attentionMask = null, Tensor? tokenTypeIds = null, Intermediates capture = Intermediates.None) =>
        new() { InputIds = inputIds, AttentionMask = attentionMask, TokenTypeIds = tokenTypeIds, Capture = capture };

    /// <summary>A batch of float features.</summary>
    public static StudentInput Float(Tensor features, Intermediates capture = Intermediates.None) =>
        new() { Features = features, Capture = capture };
}

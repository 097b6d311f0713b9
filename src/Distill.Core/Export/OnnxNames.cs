namespace Distill.Export;

/// <summary>
/// Names of the inputs and outputs of the ONNX models Distill writes. Teachers exported by Distill carry their taps
/// as outputs under these names.
/// </summary>
public static class OnnxNames
{
    /// <summary>Token ids, int64 [batch, sequence].</summary>
    public const string InputIds = "input_ids";

    /// <summary>1 for tokens, 0 for padding, int64 [batch, sequence].</summary>
    public const string AttentionMask = "attention_mask";

    /// <summary>Segment ids, int64 [batch, sequence] (transformers only).</summary>
    public const string TokenTypeIds = "token_type_ids";

    /// <summary>Float features of an MLP student, [batch, features].</summary>
    public const string Features = "features";

    /// <summary>Images of an image CNN student, float [batch, channels, height, width].</summary>
    public const string PixelValues = "pixel_values";

    /// <summary>Class logits, float [batch, labels].</summary>
    public const string Logits = "logits";

    /// <summary>Attention probabilities of layer <paramref name="layer"/> (from 0), [batch, heads, sequence, sequence].</summary>
    public static string AttentionProbabilities(int layer) => $"attention_probabilities.{layer}";

    /// <summary>Attention scores (before softmax, no mask) of layer <paramref name="layer"/>, [batch, heads, sequence, sequence].</summary>
    public static string AttentionScores(int layer) => $"attention_scores.{layer}";

    /// <summary>Hidden state <paramref name="index"/>: 0 is the embedding output, i the output of layer i − 1, [batch, sequence, hidden].</summary>
    public static string HiddenStates(int index) => $"hidden_states.{index}";

    /// <summary>Value vectors of layer <paramref name="layer"/>, [batch, heads, sequence, head size].</summary>
    public static string Values(int layer) => $"values.{layer}";

    /// <summary>Feature map of stage <paramref name="stage"/> of an image CNN, [batch, channels, height, width].</summary>
    public static string FeatureMaps(int stage) => $"feature_maps.{stage}";
}

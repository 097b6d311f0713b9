using System.Globalization;

namespace Distill.Students.Internal;

/// <summary>
/// The one mapping from the weight names found in BERT files (Hugging Face checkpoints, ONNX initializers) to
/// <see cref="TransformerStudent"/>'s state-dict keys, which are BertForSequenceClassification's. Every importer goes
/// through <see cref="ToStudentKey"/>, so a spelling accepted by one is accepted by all.
/// </summary>
internal static class BertWeightNames
{
    /// <summary>What the keys of the encoder's layer i start with: <c>bert.encoder.layer.i.</c>.</summary>
    public const string LayerPrefix = "bert.encoder.layer.";

    // Buffers Hugging Face's BertEmbeddings registers and some files carry. They are not weights: the student
    // computes positions itself, and segment ids come with the input.
    private static readonly string[] KnownBuffers = ["bert.embeddings.position_ids", "bert.embeddings.token_type_ids"];

    // BertModel's top-level modules; a checkpoint of BertModel (not ...ForSequenceClassification) names them bare.
    private static readonly string[] BareRoots = ["embeddings.", "encoder.", "pooler."];

    /// <summary>
    /// The student key a file's key stands for, or null when the key is a known non-weight buffer to ignore. Accepts
    /// keys with and without the <c>bert.</c> prefix and the TF-style <c>LayerNorm.gamma</c>/<c>LayerNorm.beta</c>.
    /// A key that matches nothing is returned as it is (and is then unexpected).
    /// </summary>
    public static string? ToStudentKey(string fileKey)
    {
        var key = BareRoots.Any(root => fileKey.StartsWith(root, StringComparison.Ordinal)) ? "bert." + fileKey : fileKey;
        if (KnownBuffers.Contains(key, StringComparer.Ordinal))
        {
            return null;
        }

        if (key.EndsWith(".LayerNorm.gamma", StringComparison.Ordinal))
        {
            return key[..^"gamma".Length] + "weight";
        }

        if (key.EndsWith(".LayerNorm.beta", StringComparison.Ordinal))
        {
            return key[..^"beta".Length] + "bias";
        }

        return key;
    }

    /// <summary>The student key of encoder layer <paramref name="layer"/>'s parameter <paramref name="rest"/> (such as <c>output.dense.weight</c>).</summary>
    public static string LayerKey(int layer, string rest) => LayerPrefix + layer.ToString(CultureInfo.InvariantCulture) + "." + rest;

    /// <summary>Splits a student key of an encoder layer into its index and the rest; false for other keys.</summary>
    public static bool TryParseLayerKey(string studentKey, out int layer, out string rest)
    {
        layer = -1;
        rest = string.Empty;
        if (!studentKey.StartsWith(LayerPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        var tail = studentKey.AsSpan(LayerPrefix.Length);
        var dot = tail.IndexOf('.');
        if (dot <= 0 || !int.TryParse(tail[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out layer))
        {
            layer = -1;
            return false;
        }

        rest = tail[(dot + 1)..].ToString();
        return true;
    }
}

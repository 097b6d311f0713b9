using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Distill.Students.Internal;

namespace Distill.Students.Checkpoints.Internal;

/// <summary>
/// Reads a Hugging Face BertConfig (<c>config.json</c>) into <see cref="TransformerStudentOptions"/>. Keys it lacks take
/// BertConfig's defaults, as <c>from_pretrained</c> does; settings the student cannot reproduce (another model type,
/// activation or position embedding) are errors rather than silently different models.
/// </summary>
internal static class HuggingFaceConfig
{
    public static (TransformerStudentOptions Options, IReadOnlyList<string>? Labels) Read(string path)
    {
        if (!File.Exists(path))
        {
            throw CheckpointErrors.ConfigNotFound(path);
        }

        JsonObject root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw CheckpointErrors.ConfigNotAnObject(path);
        }
        catch (JsonException e)
        {
            throw StudentErrors.NotJson(path, e);
        }

        Require(root, path, "model_type", "bert", "Distill imports BERT-layout checkpoints; convert the model or pass a BERT checkpoint");
        Require(root, path, "hidden_act", "gelu", "the transformer student computes BERT's exact (erf) GELU, so its outputs would differ");
        Require(root, path, "position_embedding_type", "absolute", "the transformer student has absolute position embeddings only");

        var labels = ReadLabels(root, path);
        int? numLabels = root.ContainsKey("num_labels") ? Int(root, path, "num_labels", 2) : null;
        if (labels is not null && numLabels is not null && numLabels != labels.Count)
        {
            throw CheckpointErrors.LabelCountsDisagree(path, numLabels.Value, labels.Count);
        }

        var options = new TransformerStudentOptions
        {
            VocabSize = Int(root, path, "vocab_size", 30522),
            Hidden = Int(root, path, "hidden_size", 768),
            Layers = Int(root, path, "num_hidden_layers", 12),
            Heads = Int(root, path, "num_attention_heads", 12),
            Intermediate = Int(root, path, "intermediate_size", 3072),
            MaxPositions = Int(root, path, "max_position_embeddings", 512),
            TypeVocabSize = Int(root, path, "type_vocab_size", 2),
            LayerNormEps = Double(root, path, "layer_norm_eps", 1e-12),
            HiddenDropout = Double(root, path, "hidden_dropout_prob", 0.1),
            AttentionDropout = Double(root, path, "attention_probs_dropout_prob", 0.1),
            NumLabels = labels?.Count ?? numLabels ?? 2,
        };

        var errors = options.Validate().ToList();
        if (errors.Count > 0)
        {
            throw CheckpointErrors.ConfigUnfit(path, errors);
        }

        return (options, labels);
    }

    // id2label maps "0", "1", ... to names; the logit order is the numeric order of the keys.
    private static List<string>? ReadLabels(JsonObject root, string path)
    {
        if (root["id2label"] is not JsonObject map)
        {
            return null;
        }

        var labels = new SortedDictionary<int, string>();
        foreach (var (key, value) in map)
        {
            if (!int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                || value is not JsonValue name || !name.TryGetValue<string>(out var text))
            {
                throw CheckpointErrors.BadId2LabelEntry(path, key, value);
            }

            labels[index] = text;
        }

        if (labels.Count > 0 && (labels.Keys.First() != 0 || labels.Keys.Last() != labels.Count - 1))
        {
            throw CheckpointErrors.Id2LabelNotNumbered(path, labels.Keys);
        }

        return labels.Count == 0 ? null : [.. labels.Values];
    }

    private static void Require(JsonObject root, string path, string key, string supported, string why)
    {
        var node = root[key];
        if (node is null)
        {
            return;
        }

        if (node is not JsonValue value || !value.TryGetValue<string>(out var text) || text != supported)
        {
            throw CheckpointErrors.UnsupportedConfigValue(path, key, node, supported, why);
        }
    }

    private static int Int(JsonObject root, string path, string key, int fallback)
    {
        var node = root[key];
        if (node is null)
        {
            return fallback;
        }

        if (node is JsonValue value && value.TryGetValue<double>(out var number) && number == Math.Floor(number) && number is >= int.MinValue and <= int.MaxValue)
        {
            return (int)number;
        }

        throw CheckpointErrors.NotAWholeNumber(path, key, node);
    }

    private static double Double(JsonObject root, string path, string key, double fallback)
    {
        var node = root[key];
        if (node is null)
        {
            return fallback;
        }

        if (node is JsonValue value && value.TryGetValue<double>(out var number))
        {
            return number;
        }

        throw CheckpointErrors.NotANumber(path, key, node);
    }
}

using System.Globalization;
using System.Text.Json.Nodes;
using Distill.Students;

namespace Distill.Core.Tests.Students.Checkpoints;

/// <summary>Files shaped like a Hugging Face BERT checkpoint, made from a student's weights under other spellings.</summary>
internal static class HuggingFaceFiles
{
    /// <summary>BertForSequenceClassification's names: the student's own.</summary>
    public static string? SequenceClassification(string key) => key;

    /// <summary>BertModel's names with TF-style LayerNorm gamma/beta, as old conversions wrote them; no classifier.</summary>
    public static string? BareWithGammaBeta(string key)
    {
        if (key.StartsWith("classifier.", StringComparison.Ordinal))
        {
            return null;
        }

        var bare = key["bert.".Length..];
        return bare.EndsWith("LayerNorm.weight", StringComparison.Ordinal) ? bare[..^"weight".Length] + "gamma"
            : bare.EndsWith("LayerNorm.bias", StringComparison.Ordinal) ? bare[..^"bias".Length] + "beta"
            : bare;
    }

    /// <summary>The model's float weights renamed by <paramref name="rename"/> (null drops a key), as safetensors entries.</summary>
    public static List<SafetensorsEntry> Entries(TransformerStudent model, Func<string, string?> rename) =>
        model.state_dict()
            .Select(p => (Name: rename(p.Key), p.Value))
            .Where(p => p.Name is not null)
            .Select(p => SafetensorsEntry.F32(p.Name!, p.Value.shape, Tensors.Values(p.Value).Select(v => (float)v).ToArray()))
            .ToList();

    /// <summary>Hugging Face's non-weight buffer of position ids, [1, max positions], int64.</summary>
    public static SafetensorsEntry PositionIds(int maxPositions, string prefix = "bert.") =>
        SafetensorsEntry.I64(prefix + "embeddings.position_ids", [1, maxPositions], Enumerable.Range(0, maxPositions).Select(i => (long)i).ToArray());

    /// <summary>A BertConfig config.json for the given settings, with id2label when labels are given.</summary>
    public static void WriteConfig(string path, TransformerStudentOptions o, IReadOnlyList<string>? labels = null)
    {
        var config = new JsonObject
        {
            ["architectures"] = new JsonArray("BertForSequenceClassification"),
            ["model_type"] = "bert",
            ["hidden_act"] = "gelu",
            ["position_embedding_type"] = "absolute",
            ["vocab_size"] = o.VocabSize,
            ["hidden_size"] = o.Hidden,
            ["num_hidden_layers"] = o.Layers,
            ["num_attention_heads"] = o.Heads,
            ["intermediate_size"] = o.Intermediate,
            ["max_position_embeddings"] = o.MaxPositions,
            ["type_vocab_size"] = o.TypeVocabSize,
            ["layer_norm_eps"] = o.LayerNormEps,
            ["hidden_dropout_prob"] = o.HiddenDropout,
            ["attention_probs_dropout_prob"] = o.AttentionDropout,
            ["torch_dtype"] = "float32",
        };
        if (labels is not null)
        {
            var map = new JsonObject();
            for (var i = 0; i < labels.Count; i++)
            {
                map[i.ToString(CultureInfo.InvariantCulture)] = labels[i];
            }

            config["id2label"] = map;
        }

        File.WriteAllText(path, config.ToJsonString());
    }
}

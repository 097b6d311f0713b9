using Distill.Students.Internal;
using Distill.Students.Checkpoints.Internal;
using static TorchSharp.torch;

namespace Distill.Students.Checkpoints;

/// <summary>
/// Imports Hugging Face BERT checkpoints into <see cref="TransformerStudent"/>: weights from <c>model.safetensors</c> or
/// a PyTorch <c>pytorch_model.bin</c>, settings from <c>config.json</c>. Accepts BertForSequenceClassification names
/// (<c>bert.…</c>, <c>classifier.…</c>), BertModel names (no <c>bert.</c> prefix, no classifier) and TF-style
/// <c>LayerNorm.gamma</c>/<c>LayerNorm.beta</c>; skips known buffers such as <c>bert.embeddings.position_ids</c>.
/// </summary>
public static class HuggingFaceBert
{
    /// <summary>The settings' file name in a Hugging Face checkpoint folder.</summary>
    public const string ConfigFileName = "config.json";

    /// <summary>The safetensors weights' file name, looked for first.</summary>
    public const string SafetensorsFileName = "model.safetensors";

    /// <summary>The PyTorch weights' file name, looked for when there is no safetensors file.</summary>
    public const string PyTorchWeightsFileName = "pytorch_model.bin";

    /// <summary>
    /// Reads a BertConfig <c>config.json</c>: vocab_size, hidden_size, num_hidden_layers, num_attention_heads,
    /// intermediate_size, max_position_embeddings, type_vocab_size, layer_norm_eps, hidden_dropout_prob,
    /// attention_probs_dropout_prob, and the class count from id2label (or num_labels). Missing keys take BertConfig's
    /// defaults.
    /// </summary>
    /// <exception cref="DistillException">The file is missing or malformed, or describes a model the student cannot reproduce.</exception>
    public static TransformerStudentOptions ReadConfig(string configPath) => HuggingFaceConfig.Read(configPath).Options;

    /// <summary>
    /// Loads the weights of a Hugging Face BERT file into <paramref name="model"/>. Only the classifier and pooler may be
    /// missing from the file (a BertModel checkpoint has no classifier): they keep their current values and are listed
    /// as missing. Tensors with no place in the model (another head) are listed as unexpected. Nothing is changed when
    /// the load fails.
    /// </summary>
    /// <exception cref="DistillException">The file is unreadable, a shape differs, or encoder or embedding weights are missing.</exception>
    public static WeightImportReport LoadWeights(TransformerStudent model, string weightsPath)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(weightsPath);
        using var scope = NewDisposeScope();
        var tensors = StateDictFiles.Read(weightsPath);
        var copy = StateDictCopy.Plan(
            model, tensors, weightsPath, BertWeightNames.ToStudentKey,
            "build the student with the checkpoint's settings (HuggingFaceBert.ReadConfig on its config.json)");
        var report = copy.Report;
        if (report.Loaded.Count == 0)
        {
            throw CheckpointErrors.NoBertWeights(weightsPath, tensors.Keys);
        }

        var required = report.Missing.Where(key => !IsHead(key)).ToList();
        if (required.Count > 0)
        {
            throw CheckpointErrors.MissingBertWeights(weightsPath, required);
        }

        copy.Apply();
        return report;
    }

    /// <summary>
    /// Builds a transformer from a Hugging Face BERT checkpoint. <paramref name="path"/> is the checkpoint folder
    /// (holding model.safetensors or pytorch_model.bin) or the weights file itself. Without <paramref name="options"/>,
    /// the settings (and label names) come from the config.json beside the weights.
    /// </summary>
    /// <exception cref="DistillException">Files are missing or unreadable, or the weights do not fit the settings.</exception>
    public static ImportedTransformer Import(string path, TransformerStudentOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var weights = ResolveWeights(path);
        IReadOnlyList<string>? labels = null;
        if (options is null)
        {
            var config = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(weights))!, ConfigFileName);
            if (!File.Exists(config))
            {
                throw CheckpointErrors.NoConfigBeside(weights);
            }

            (options, labels) = HuggingFaceConfig.Read(config);
        }

        var model = (TransformerStudent)options.CreateModel();
        try
        {
            var report = LoadWeights(model, weights);
            model.eval();
            return new ImportedTransformer { Model = model, Report = report, Labels = labels };
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static bool IsHead(string key) =>
        key.StartsWith("classifier.", StringComparison.Ordinal) || key.StartsWith("bert.pooler.", StringComparison.Ordinal);

    private static string ResolveWeights(string path)
    {
        if (File.Exists(path))
        {
            return path;
        }

        if (!Directory.Exists(path))
        {
            throw CheckpointErrors.HuggingFaceCheckpointNotFound(path);
        }

        foreach (var name in new[] { SafetensorsFileName, PyTorchWeightsFileName })
        {
            var candidate = Path.Combine(path, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        var sharded = File.Exists(Path.Combine(path, SafetensorsFileName + ".index.json")) || File.Exists(Path.Combine(path, PyTorchWeightsFileName + ".index.json"));
        throw CheckpointErrors.NoWeightsFile(path, sharded);
    }
}

using System.Globalization;
using Distill.Export;
using Distill.Students.Checkpoints.Internal;
using Google.Protobuf;
using Onnx;
using static TorchSharp.torch;

namespace Distill.Students.Checkpoints;

/// <summary>
/// Rebuilds a <see cref="TransformerStudent"/> from the initializers of a BERT-layout ONNX model, such as a teacher
/// Distill exported: initializers named by the state-dict keys (any spelling <see cref="HuggingFaceBert"/> accepts),
/// weights in PyTorch's [out, in] layout. The settings come from the model's <c>distill.architecture</c> metadata when
/// present; otherwise from the initializer shapes, with the number of heads given by the caller. This is how a teacher
/// becomes a TorchSharp module.
/// </summary>
/// <remarks>
/// Graphs whose weights are anonymous (<c>onnx::MatMul_123</c>, as <c>torch.onnx</c> names folded or transposed
/// weights) cannot be mapped back to layers: import such a teacher from its checkpoint instead.
/// </remarks>
public static class OnnxTransformerWeights
{
    /// <summary>
    /// Reads <paramref name="onnxPath"/> and builds the transformer its initializers describe, in evaluation mode, on
    /// the CPU. <paramref name="heads"/> is the number of attention heads, which no weight shape reveals: required
    /// unless the model has <c>distill.architecture</c> metadata (and then, if given, it must agree).
    /// LayerNorm's epsilon comes from the metadata, else from a LayerNormalization node, else BERT's 1e-12.
    /// </summary>
    /// <exception cref="DistillException">The file is unreadable, a weight is missing or anonymous, or a shape disagrees.</exception>
    public static ImportedTransformer Import(string onnxPath, int? heads = null)
    {
        ArgumentNullException.ThrowIfNull(onnxPath);
        if (!File.Exists(onnxPath))
        {
            throw Invalid($"{onnxPath}: file not found; pass the teacher's .onnx file");
        }

        ModelProto model;
        try
        {
            using var stream = File.OpenRead(onnxPath);
            model = ModelProto.Parser.ParseFrom(stream);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw Invalid($"{onnxPath}: not a readable ONNX model ({e.Message}); pass the teacher's .onnx file");
        }

        return Import(model, onnxPath, heads);
    }

    /// <summary>Builds the transformer from a parsed model; <paramref name="source"/> names it in messages and locates external data.</summary>
    internal static ImportedTransformer Import(ModelProto model, string source, int? heads)
    {
        if (model.Graph is null)
        {
            throw Invalid($"{source}: has no graph; pass the teacher's .onnx file");
        }

        var tensors = OnnxInitializers.ReadFloats(model.Graph, source);
        try
        {
            var options = Settings(model, tensors, source, heads);
            var student = new TransformerStudent(options);
            try
            {
                var copy = StateDictCopy.Plan(
                    student, tensors, source, BertWeightNames.ToStudentKey,
                    $"the settings ({Describe(options)}) do not match the weights: fix the {OnnxMetadataKeys.Architecture} metadata or the heads argument");
                if (copy.Report.Missing.Count > 0)
                {
                    throw CannotRebuild(source, copy.Report.Missing, copy.Report.Unexpected);
                }

                var labels = Labels(model, source, options.NumLabels);
                copy.Apply();
                student.eval();
                return new ImportedTransformer { Model = student, Report = copy.Report, Labels = labels };
            }
            catch
            {
                student.Dispose();
                throw;
            }
        }
        finally
        {
            foreach (var value in tensors.Values)
            {
                value.Dispose();
            }
        }
    }

    /// <summary>The class names of the <c>distill.labels</c> metadata (a JSON array), or null when there is none.</summary>
    private static IReadOnlyList<string>? Labels(ModelProto model, string source, int numLabels)
    {
        var metadata = model.MetadataProps.FirstOrDefault(p => p.Key == OnnxMetadataKeys.Labels);
        if (metadata is null)
        {
            return null;
        }

        string[]? labels;
        try
        {
            labels = System.Text.Json.JsonSerializer.Deserialize<string[]>(metadata.Value);
        }
        catch (System.Text.Json.JsonException)
        {
            labels = null;
        }

        if (labels is null || labels.Length != numLabels)
        {
            throw Invalid($"{source}: metadata {OnnxMetadataKeys.Labels} must be a JSON array of {numLabels} names, one per logit (was {metadata.Value}); fix or remove it");
        }

        return labels;
    }

    private static TransformerStudentOptions Settings(ModelProto model, Dictionary<string, Tensor> tensors, string source, int? heads)
    {
        var metadata = model.MetadataProps.FirstOrDefault(p => p.Key == OnnxMetadataKeys.Architecture);
        if (metadata is not null)
        {
            var described = StudentOptionsJson.Deserialize(metadata.Value, $"{source}: metadata {OnnxMetadataKeys.Architecture}");
            if (described is not TransformerStudentOptions transformer)
            {
                throw Invalid($"{source}: metadata {OnnxMetadataKeys.Architecture} describes a {described.ArchitectureName} student, not a transformer; import only BERT-layout teachers this way");
            }

            if (heads is not null && heads != transformer.Heads)
            {
                throw Invalid($"{source}: heads {heads} was passed but metadata {OnnxMetadataKeys.Architecture} says heads {transformer.Heads}; pass {transformer.Heads} or none");
            }

            return transformer;
        }

        var byKey = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, value) in tensors)
        {
            if (BertWeightNames.ToStudentKey(name) is { } key)
            {
                byKey.TryAdd(key, value);
            }
        }

        // The shapes that carry a setting; without them there is nothing to infer from.
        string[] telling =
        [
            "bert.embeddings.word_embeddings.weight", "bert.embeddings.position_embeddings.weight", "bert.embeddings.token_type_embeddings.weight",
            BertWeightNames.LayerKey(0, "intermediate.dense.weight"), "classifier.weight",
        ];
        var absent = telling.Where(key => !byKey.ContainsKey(key)).ToList();
        if (absent.Count > 0)
        {
            var unmapped = tensors.Keys.Where(name => BertWeightNames.ToStudentKey(name) is { } key && !key.StartsWith("bert.", StringComparison.Ordinal) && !key.StartsWith("classifier.", StringComparison.Ordinal));
            throw CannotRebuild(source, absent, unmapped.ToList());
        }

        var layers = byKey.Keys.Select(key => BertWeightNames.TryParseLayerKey(key, out var layer, out _) ? layer : -1).Max() + 1;
        var words = byKey["bert.embeddings.word_embeddings.weight"].shape;
        var hidden = (int)words[1];
        if (heads is null)
        {
            throw Invalid($"{source}: has no {OnnxMetadataKeys.Architecture} metadata, and the number of attention heads cannot be read from weights; pass heads (hidden is {hidden}; BERT-base has 12 heads of 64)");
        }

        if (heads < 1 || hidden % heads != 0)
        {
            throw Invalid($"{source}: heads {heads} does not divide the hidden size {hidden} of its weights; pass the teacher's number of attention heads");
        }

        var options = new TransformerStudentOptions
        {
            VocabSize = (int)words[0],
            Hidden = hidden,
            MaxPositions = (int)byKey["bert.embeddings.position_embeddings.weight"].shape[0],
            TypeVocabSize = (int)byKey["bert.embeddings.token_type_embeddings.weight"].shape[0],
            Layers = layers,
            Heads = heads.Value,
            Intermediate = (int)byKey[BertWeightNames.LayerKey(0, "intermediate.dense.weight")].shape[0],
            NumLabels = (int)byKey["classifier.weight"].shape[0],
            LayerNormEps = LayerNormEpsilon(model.Graph) ?? 1e-12,
        };
        var errors = options.Validate().ToList();
        if (errors.Count > 0)
        {
            throw Invalid($"{source}: its weights describe an invalid transformer: {string.Join("; ", errors)}");
        }

        return options;
    }

    // LayerNormalization (opset 17) carries epsilon as an attribute, 1e-5 when absent. Older exports spell LayerNorm out
    // in elementary ops, with epsilon as an anonymous constant: then there is nothing reliable to read.
    private static double? LayerNormEpsilon(GraphProto graph)
    {
        var node = graph.Node.FirstOrDefault(n => n.OpType == "LayerNormalization");
        if (node is null)
        {
            return null;
        }

        var epsilon = node.Attribute.FirstOrDefault(a => a.Name == "epsilon");

        // The attribute is a float32: go through its shortest decimal form, so that 1e-5 reads as 1e-5, not 9.99999974737875E-06.
        return epsilon is null ? 1e-5 : double.Parse(epsilon.F.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }

    private static DistillException CannotRebuild(string source, IReadOnlyCollection<string> missing, IReadOnlyCollection<string> unmapped)
    {
        var anonymous = unmapped.Count > 0
            ? $"; its other weights have names such as {KeyLists.Sample(unmapped, 3)}, not Hugging Face BERT names"
            : string.Empty;
        return Invalid(
            $"{source}: cannot rebuild a BERT-layout transformer from its initializers: it lacks {KeyLists.Sample(missing)}{anonymous}; " +
            "load the teacher from a checkpoint instead (model.safetensors with its config.json, or a Distill checkpoint folder)");
    }

    private static string Describe(TransformerStudentOptions o) =>
        $"layers {o.Layers}, hidden {o.Hidden}, heads {o.Heads}, intermediate {o.Intermediate}, vocab_size {o.VocabSize}, num_labels {o.NumLabels}";

    private static DistillException Invalid(string message) => new(DistillErrorKind.InvalidInput, message);
}

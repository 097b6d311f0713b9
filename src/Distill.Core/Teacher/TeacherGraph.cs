using Distill.Teacher.Internal;
using Google.Protobuf;
using Onnx;

namespace Distill.Teacher;

/// <summary>
/// Reads a teacher's ONNX graph and edits copies of it. <see cref="Inspect(ModelProto, string?)"/> finds, by graph
/// structure, the tensors the distillation losses need (each layer's attention probabilities and hidden states, the
/// embedding output, the logits); <see cref="WithOutputs(ModelProto, IEnumerable{TeacherTap})"/> makes them graph
/// outputs so that ONNX Runtime returns them. The model passed in, and its file, are never changed.
/// </summary>
/// <remarks>
/// The search targets BERT-family encoders (post-LayerNorm: BERT, RoBERTa, DistilBERT, ELECTRA, MiniLM and Distill's
/// own transformer), written by Distill, by <c>torch.onnx.export</c> at any opset (LayerNorm fused or decomposed), or
/// optimised by ONNX Runtime (SkipLayerNormalization). Attention fused into one op (ONNX Runtime's Attention,
/// MultiHeadAttention) has no Softmax to tap: export the teacher without that optimisation.
/// </remarks>
public static class TeacherGraph
{
    /// <summary>Reads an ONNX model file.</summary>
    /// <exception cref="DistillException">The file does not exist or is not an ONNX model.</exception>
    public static ModelProto Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
        {
            throw TeacherErrors.ModelFileNotFound(path);
        }

        try
        {
            using var stream = File.OpenRead(path);
            var model = ModelProto.Parser.ParseFrom(stream);
            return model.Graph is null
                ? throw TeacherErrors.NoGraph(path)
                : model;
        }
        catch (InvalidProtocolBufferException e)
        {
            throw TeacherErrors.NotOnnx(path, e);
        }
    }

    /// <summary>Reads the model at <paramref name="path"/> and inspects it; messages name the file.</summary>
    public static TeacherInspection Inspect(string path) => Inspect(Load(path), path);

    /// <summary>
    /// Finds the inputs, outputs, logits and tap candidates of <paramref name="model"/>. <paramref name="source"/> names
    /// the model in messages and in the report (default: the graph's name).
    /// </summary>
    public static TeacherInspection Inspect(ModelProto model, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return TapFinder.Inspect(model, source ?? SourceOf(model));
    }

    /// <summary>
    /// Returns a copy of <paramref name="model"/> in which each tap is a float32 graph output named
    /// <see cref="TeacherTap.OutputName"/>: the tensor itself where it already has the right layout; hidden-state rows
    /// reshaped to [batch, sequence, hidden] with the token ids' shape; non-float tensors cast to float32. Taps that
    /// are outputs already are left as they are. <paramref name="model"/> is not modified.
    /// </summary>
    /// <exception cref="DistillException">A tap names a tensor this model does not compute.</exception>
    public static ModelProto WithOutputs(ModelProto model, IEnumerable<TeacherTap> taps)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(taps);
        var editor = new GraphEditor(model, SourceOf(model));
        foreach (var tap in taps)
        {
            editor.Add(tap);
        }

        return editor.Result;
    }

    /// <summary>
    /// Returns a copy of <paramref name="model"/> in which each named internal tensor is a graph output. A name that
    /// is a tap's tensor (see <see cref="Inspect(ModelProto, string?)"/>) is added as that tap, under its
    /// <see cref="TeacherTap.OutputName"/>, reshaped and cast as it says; any other tensor comes out under its own
    /// name with the element type the graph computes (float32 where it cannot be worked out).
    /// </summary>
    /// <exception cref="DistillException">A name is not computed by any node of the model.</exception>
    public static ModelProto WithOutputs(ModelProto model, IEnumerable<string> tensorNames)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tensorNames);
        var taps = new Dictionary<string, TeacherTap>(StringComparer.Ordinal);
        foreach (var tap in Inspect(model).Taps)
        {
            taps.TryAdd(tap.TensorName, tap);
        }

        var editor = new GraphEditor(model, SourceOf(model));
        foreach (var name in tensorNames)
        {
            if (taps.TryGetValue(name, out var tap))
            {
                editor.Add(tap);
            }
            else
            {
                editor.AddRaw(name);
            }
        }

        return editor.Result;
    }

    private static string SourceOf(ModelProto model) =>
        string.IsNullOrEmpty(model.Graph?.Name) ? "teacher model" : $"teacher model '{model.Graph.Name}'";

    /// <summary>
    /// The number of rows of the smallest embedding table the token ids index (a Gather, directly or through a Cast):
    /// ids below it are valid everywhere they are used. Null when no such table is an initializer.
    /// </summary>
    public static int? TokenEmbeddingRows(ModelProto model, string tokenIds)
    {
        var index = new OnnxGraphIndex(model.Graph);
        var indices = new HashSet<string>(StringComparer.Ordinal) { tokenIds };
        indices.UnionWith(index.Consumers(tokenIds).Select(index.Node).Where(n => n.OpType == "Cast").Select(n => n.Output[0]));
        var rows = indices
            .SelectMany(i => index.Consumers(i).Select(index.Node).Where(n => n.OpType == "Gather" && n.Input.Count == 2 && n.Input[1] == i))
            .Select(gather => index.Initializer(gather.Input[0]))
            .Where(table => table is { Dims.Count: >= 1 } && table.Dims[0] > 0)
            .Select(table => table!.Dims[0])
            .ToList();
        return rows.Count == 0 ? null : (int)Math.Min(int.MaxValue, rows.Min());
    }
}

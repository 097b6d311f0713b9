using System.Globalization;
using System.Text;
using Distill.Teacher.Internal;

namespace Distill.Teacher;

/// <summary>
/// What <see cref="TeacherGraph.Inspect(Onnx.ModelProto, string?)"/> found in a teacher's ONNX graph: its inputs and
/// outputs as declared, the logits output, and the tap candidates of each transformer layer, found by graph structure.
/// <see cref="ToString"/> prints it as the <c>distill inspect</c> report; <see cref="Taps"/> is the same as rows.
/// </summary>
public sealed class TeacherInspection
{
    internal TeacherInspection(string source, IReadOnlyList<TeacherTensorInfo> inputs, IReadOnlyList<TeacherTensorInfo> outputs,
        string? logits, string? tokenIdsInput, TeacherTap? embeddings, IReadOnlyList<TeacherLayer> layers, IReadOnlyList<TeacherFeatureMap>? featureMaps = null)
    {
        FeatureMaps = featureMaps ?? [];
        Source = source;
        Inputs = inputs;
        Outputs = outputs;
        Logits = logits;
        TokenIdsInput = tokenIdsInput;
        Embeddings = embeddings;
        Layers = layers;
        AttentionProbabilities = layers.Select(layer => layer.AttentionProbabilities).ToList();
        HiddenStates = new[] { embeddings }.Concat(layers.Select(layer => layer.Output)).OfType<TeacherTap>().ToList();
        Taps = new[] { embeddings }
            .Concat(layers.SelectMany(layer => new[] { layer.AttentionProbabilities, layer.Output }))
            .OfType<TeacherTap>()
            .ToList();
    }

    /// <summary>The model's file, or the name given for an in-memory model; error messages start with it.</summary>
    public string Source { get; }

    /// <summary>The inputs to feed, in the model's order (initializers that older models list as inputs left out).</summary>
    public IReadOnlyList<TeacherTensorInfo> Inputs { get; }

    /// <summary>The model's outputs, in its order.</summary>
    public IReadOnlyList<TeacherTensorInfo> Outputs { get; }

    /// <summary>
    /// The logits output: the output named <c>logits</c>, else the single float output of rank 2, else the only
    /// output; null when none of these is found.
    /// </summary>
    public string? Logits { get; }

    /// <summary>
    /// The integer input that indexes the largest embedding table (the token ids), whose [batch, sequence] shape
    /// reshapes hidden-state rows; null when the model has none.
    /// </summary>
    public string? TokenIdsInput { get; }

    /// <summary>The embedding output, hidden state 0; null when not found.</summary>
    public TeacherTap? Embeddings { get; }

    /// <summary>The transformer layers in topological order; empty for a model with no attention.</summary>
    public IReadOnlyList<TeacherLayer> Layers { get; }

    /// <summary>Attention probabilities, one per layer; the tap's <see cref="TeacherTap.Index"/> is the layer.</summary>
    public IReadOnlyList<TeacherTap> AttentionProbabilities { get; }

    /// <summary>The hidden states found, by index: the embedding output at 0, then each layer's output.</summary>
    public IReadOnlyList<TeacherTap> HiddenStates { get; }

    /// <summary>Every tap found, in graph order: hidden state 0, then per layer its attention and its output.</summary>
    public IReadOnlyList<TeacherTap> Taps { get; }

    /// <summary>
    /// For a CNN: the feature map at the end of each stage (before each strided Conv, MaxPool or AveragePool, and the
    /// last 4-D tensor before flattening or global pooling), in the graph's order; empty for other graphs.
    /// </summary>
    public IReadOnlyList<TeacherFeatureMap> FeatureMaps { get; }

    /// <summary>The multi-line report <c>distill inspect</c> prints.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.AppendLine(Source);
        Section(text, "inputs", Inputs);
        Section(text, "outputs", Outputs);
        text.AppendLine(CultureInfo.InvariantCulture, $"logits: {Logits ?? "not found (no output named logits, and no single output of rank 2)"}");
        if (Layers.Count == 0 && FeatureMaps.Count > 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"taps: {FeatureMaps.Count} feature map{(FeatureMaps.Count == 1 ? "" : "s")} (the end of each CNN stage)");
            var labelWidth = FeatureMaps.Max(m => m.Label.Length);
            var nameWidth = FeatureMaps.Max(m => m.TensorName.Length);
            var shapeWidth = FeatureMaps.Max(m => m.DescribeShape().Length);
            foreach (var map in FeatureMaps)
            {
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"  {map.Label.PadRight(labelWidth)}  {map.TensorName.PadRight(nameWidth)}  {map.DescribeShape().PadRight(shapeWidth)}  before {map.EndsAt}");
            }

            return text.ToString().TrimEnd();
        }

        if (Layers.Count == 0)
        {
            text.Append("taps: none (no attention Softmax of Q·Kᵀ that feeds a MatMul with V, and no 4-D feature maps)");
            return text.ToString();
        }

        var hidden = HiddenStates.Count == 0 ? "no hidden states" : "hidden states " + TapIndexes.Describe(HiddenStates.Select(t => t.Index));
        text.AppendLine(CultureInfo.InvariantCulture, $"taps: {Layers.Count} attention layer{(Layers.Count == 1 ? "" : "s")}, {hidden}");
        var width = Taps.Max(t => t.Label.Length);
        var tensorWidth = Taps.Max(t => t.TensorName.Length);
        foreach (var tap in Taps)
        {
            var notes = new List<string> { tap.Pattern };
            if (tap.IsOutput)
            {
                notes.Add($"already output {tap.OutputName}");
            }
            else if (tap.NeedsReshape || tap.CastToFloat)
            {
                notes.Add($"{(tap.NeedsReshape ? "reshaped to [batch, sequence, hidden]" : "")}{(tap.NeedsReshape && tap.CastToFloat ? ", " : "")}{(tap.CastToFloat ? "cast to float" : "")} as {tap.OutputName}");
            }

            text.AppendLine(CultureInfo.InvariantCulture, $"  {tap.Label.PadRight(width)}  {tap.TensorName.PadRight(tensorWidth)}  {string.Join("; ", notes)}");
        }

        return text.ToString().TrimEnd();
    }

    private static void Section(StringBuilder text, string title, IReadOnlyList<TeacherTensorInfo> tensors)
    {
        text.AppendLine(CultureInfo.InvariantCulture, $"{title}:");
        var width = tensors.Count == 0 ? 0 : tensors.Max(t => t.Name.Length);
        foreach (var tensor in tensors)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {tensor.Name.PadRight(width)}  {tensor.Describe()}");
        }
    }
}

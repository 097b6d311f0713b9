namespace Distill.Teacher;

/// <summary>
/// One internal tensor of a teacher that a distillation loss can read: where the graph computes it, and the graph
/// output it comes out as once <see cref="TeacherGraph.WithOutputs(Onnx.ModelProto, IEnumerable{TeacherTap})"/> has
/// edited the model.
/// </summary>
public sealed record TeacherTap
{
    /// <summary>Attention probabilities or a hidden state.</summary>
    public required TeacherTapKind Kind { get; init; }

    /// <summary>The layer (attention probabilities, from 0) or the hidden-state index (0 = embedding output).</summary>
    public required int Index { get; init; }

    /// <summary>The tensor inside the graph, e.g. <c>/bert/encoder/layer.0/attention/self/Softmax_output_0</c>.</summary>
    public required string TensorName { get; init; }

    /// <summary>Name of the node that computes the tensor (may be empty: node names are optional in ONNX).</summary>
    public required string NodeName { get; init; }

    /// <summary>How the node was recognised: <c>Softmax</c>, <c>LayerNormalization</c>, <c>LayerNorm (decomposed)</c>, ...</summary>
    public required string Pattern { get; init; }

    /// <summary>The graph output to read after editing; the tensor's own name unless a Reshape or Cast had to be added.</summary>
    public required string OutputName { get; init; }

    /// <summary>True when the model already has the tensor as an output (as Distill's exports with extra outputs do): no edit needed.</summary>
    public bool IsOutput { get; init; }

    /// <summary>
    /// True when the edit reshapes this hidden state to [batch, sequence, hidden] with the shape of the token-id
    /// input: the graph computes it as [batch·sequence, hidden] rows (as Distill's own export does), or its rank could
    /// not be worked out (the Reshape is then a no-op on a tensor that already has that shape).
    /// </summary>
    public bool NeedsReshape { get; init; }

    /// <summary>True when the tensor is not float32 (a float16 teacher, say); the edit casts it to float32.</summary>
    public bool CastToFloat { get; init; }

    /// <summary>Width of a hidden state (the LayerNorm's scale length) where the weights show it.</summary>
    public long? Width { get; init; }

    /// <summary>The losses' name for the tap, e.g. <c>attention_probabilities[2]</c> or <c>hidden_states[0]</c>.</summary>
    public string Label => Kind == TeacherTapKind.AttentionProbabilities ? $"attention_probabilities[{Index}]" : $"hidden_states[{Index}]";

    /// <summary>E.g. <c>hidden_states[1] = /bert/encoder/layer.0/output/LayerNorm/Add_1_output_0 (LayerNorm (decomposed))</c>.</summary>
    public override string ToString() => $"{Label} = {TensorName} ({Pattern})";
}

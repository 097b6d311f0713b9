using Distill.Students;
using static TorchSharp.torch;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Distill.Export.Internal;

/// <summary>
/// The ONNX graph of a <see cref="BiLstmStudent"/>: one bidirectional ONNX LSTM per layer, fed each row's true length
/// (sequence_lens), which is what the student's packed sequences compute.
/// </summary>
internal static class BiLstmGraph
{
    public static void Build(OnnxGraphBuilder g, BiLstmStudent model)
    {
        var o = model.Settings;
        var state = model.state_dict();
        var w = new StudentWeights(g, state);
        var ids = g.Input(OnnxNames.InputIds, DataType.Int64, "batch", "sequence");
        var mask = g.Input(OnnxNames.AttentionMask, DataType.Int64, "batch", "sequence");

        // Lengths as the student counts them: tokens per row, at least 1.
        var lengths = g.Node("Max", [g.Node("ReduceSum", [mask, g.Int64s([1])], Attr.Int("keepdims", 0)), g.Int64s([1], scalar: true)]);
        var sequenceLengths = g.Cast(lengths, DataType.Int32);

        var x = g.Transpose(g.Gather(w["embedding.weight"], ids), 1, 0, 2); // [sequence, batch, embedding]
        string[] lstm = [];
        for (var layer = 0; layer < o.Layers; layer++)
        {
            var (weights, recurrent, bias) = LayerWeights(g, state, layer);
            lstm = g.Nodes("LSTM", [x, weights, recurrent, bias, sequenceLengths], 3,
                Attr.Int("hidden_size", o.HiddenSize), Attr.String("direction", "bidirectional"));
            // Y is [sequence, directions, batch, hidden]; the next layer (and pooling) wants [sequence, batch, 2·hidden].
            x = g.Reshape(g.Transpose(lstm[0], 0, 2, 1, 3), 0, 0, 2 * o.HiddenSize);
        }

        string pooled;
        if (o.Pooling == SequencePooling.Last)
        {
            pooled = g.Reshape(g.Transpose(lstm[1], 1, 0, 2), 0, 2 * o.HiddenSize); // [batch, forward ‖ backward]
        }
        else
        {
            var states = g.Transpose(x, 1, 0, 2); // [batch, sequence, 2·hidden]
            var positions = g.Unsqueeze(g.Range(g.DimensionOf(ids, 1)), 0);
            var tokens = g.Unsqueeze(g.Node("Less", [positions, g.Unsqueeze(lengths, 1)]), 2);
            pooled = o.Pooling == SequencePooling.Max
                ? g.Node("ReduceMax", [g.Where(tokens, states, g.Scalar(float.NegativeInfinity))], Attr.Ints("axes", 1), Attr.Int("keepdims", 0))
                : g.Div(
                    g.Node("ReduceSum", [g.Where(tokens, states, g.Scalar(0f)), g.Int64s([1])], Attr.Int("keepdims", 0)),
                    g.Unsqueeze(g.Cast(lengths, DataType.Float), 1));
        }

        var hidden = g.Relu(g.Gemm(pooled, w["mlp.weight"], w["mlp.bias"]));
        g.Output(OnnxNames.Logits, g.Gemm(hidden, w["classifier.weight"], w["classifier.bias"]), DataType.Float, "batch", o.NumLabels);
    }

    /// <summary>
    /// ONNX's W [2, 4h, in], R [2, 4h, h] and B [2, 8h] for one layer, forward direction first. PyTorch orders the gates
    /// input, forget, cell, output; ONNX orders them input, output, forget, cell.
    /// </summary>
    private static (string W, string R, string B) LayerWeights(OnnxGraphBuilder g, IReadOnlyDictionary<string, Tensor> state, int layer)
    {
        using var scope = NewDisposeScope();
        static Tensor Reorder(Tensor t)
        {
            var gates = t.chunk(4, 0);
            return cat([gates[0], gates[3], gates[1], gates[2]], 0);
        }

        Tensor Both(Func<string, Tensor> direction) => stack([direction(""), direction("_reverse")]);
        var w = Both(d => Reorder(state[$"lstm.weight_ih_l{layer}{d}"]));
        var r = Both(d => Reorder(state[$"lstm.weight_hh_l{layer}{d}"]));
        var b = Both(d => cat([Reorder(state[$"lstm.bias_ih_l{layer}{d}"]), Reorder(state[$"lstm.bias_hh_l{layer}{d}"])], 0));
        return (g.Weight($"lstm.l{layer}.onnx_W", w), g.Weight($"lstm.l{layer}.onnx_R", r), g.Weight($"lstm.l{layer}.onnx_B", b));
    }
}

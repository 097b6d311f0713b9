using Distill.Students;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Distill.Export.Internal;

/// <summary>The ONNX graph of a <see cref="TransformerStudent"/>, node for node the forward pass of its modules.</summary>
internal static class TransformerGraph
{
    public static void Build(OnnxGraphBuilder g, TransformerStudent model, Intermediates extras)
    {
        var o = model.Settings;
        var w = new StudentWeights(g, model.state_dict());
        var ids = g.Input(OnnxNames.InputIds, DataType.Int64, "batch", "sequence");
        var mask = g.Input(OnnxNames.AttentionMask, DataType.Int64, "batch", "sequence");
        var types = g.Input(OnnxNames.TokenTypeIds, DataType.Int64, "batch", "sequence");

        // Embeddings: word + position + segment, then LayerNorm.
        var positions = g.Range(g.DimensionOf(ids, 1));
        var summed = g.Add(
            g.Add(g.Gather(w["bert.embeddings.word_embeddings.weight"], ids), g.Gather(w["bert.embeddings.position_embeddings.weight"], positions)),
            g.Gather(w["bert.embeddings.token_type_embeddings.weight"], types));
        var hidden = g.LayerNorm(summed, w["bert.embeddings.LayerNorm.weight"], w["bert.embeddings.LayerNorm.bias"], o.LayerNormEps);
        OutputIf(g, extras, Intermediates.HiddenStates, OnnxNames.HiddenStates(0), hidden, "batch", "sequence", o.Hidden);

        // (1 − mask)·MaskValue, shaped [batch, 1, 1, keys] to broadcast over heads and queries.
        var additiveMask = g.Unsqueeze(
            g.Mul(g.Sub(g.Scalar(1f), g.Cast(mask, DataType.Float)), g.Scalar(TransformerStudent.MaskValue)), 1, 2);
        var scale = g.Scalar(MathF.Sqrt(o.HeadSize));

        // The layers work on [batch·sequence, hidden] rows, so that every projection is one Gemm with its bias fused in,
        // and Q, K and V are one Gemm over their weights concatenated (ONNX Runtime folds the Concat of initializers
        // at load). Small students gain most: their matrices are too small to hide per-op overheads.
        var batchAndSequence = g.Node("Shape", [ids]);
        string Shaped(params long[] tail) => g.Concat(0, batchAndSequence, g.Int64s(tail));
        var toHeads = Shaped(o.Heads, o.HeadSize);
        var toHidden = Shaped(o.Hidden);
        var rows = g.Reshape(hidden, -1, o.Hidden);
        for (var i = 0; i < o.Layers; i++)
        {
            var p = $"bert.encoder.layer.{i}.";
            var qkvWeight = g.Concat(0, w[p + "attention.self.query.weight"], w[p + "attention.self.key.weight"], w[p + "attention.self.value.weight"]);
            var qkvBias = g.Concat(0, w[p + "attention.self.query.bias"], w[p + "attention.self.key.bias"], w[p + "attention.self.value.bias"]);
            var qkv = g.Nodes("Split", [g.Gemm(rows, qkvWeight, qkvBias), g.Int64s([o.Hidden, o.Hidden, o.Hidden])], 3, Attr.Int("axis", 1));
            string Heads(string x) => g.Transpose(g.Node("Reshape", [x, toHeads]), 0, 2, 1, 3); // [b, h, s, d]
            var (q, k, v) = (Heads(qkv[0]), Heads(qkv[1]), Heads(qkv[2]));
            var scores = g.Div(g.MatMul(q, g.Transpose(k, 0, 1, 3, 2)), scale);
            var probabilities = g.Softmax(g.Add(scores, additiveMask));
            var context = g.Reshape(g.Transpose(g.MatMul(probabilities, v), 0, 2, 1, 3), -1, o.Hidden);
            var attended = g.LayerNorm(
                g.Add(g.Gemm(context, w[p + "attention.output.dense.weight"], w[p + "attention.output.dense.bias"]), rows),
                w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"], o.LayerNormEps);
            var projected = g.Gemm(attended, w[p + "intermediate.dense.weight"], w[p + "intermediate.dense.bias"]);
            var inner = o.Activation == TransformerActivation.GeluTanh ? g.GeluTanh(projected) : g.Gelu(projected);
            rows = g.LayerNorm(
                g.Add(g.Gemm(inner, w[p + "output.dense.weight"], w[p + "output.dense.bias"]), attended),
                w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], o.LayerNormEps);

            OutputIf(g, extras, Intermediates.AttentionScores, OnnxNames.AttentionScores(i), scores, "batch", o.Heads, "sequence", "sequence");
            OutputIf(g, extras, Intermediates.AttentionProbabilities, OnnxNames.AttentionProbabilities(i), probabilities, "batch", o.Heads, "sequence", "sequence");
            OutputIf(g, extras, Intermediates.Values, OnnxNames.Values(i), v, "batch", o.Heads, "sequence", o.HeadSize);
            if (extras.HasFlag(Intermediates.HiddenStates))
            {
                g.Output(OnnxNames.HiddenStates(i + 1), g.Node("Reshape", [rows, toHidden]), DataType.Float, "batch", "sequence", o.Hidden);
            }
        }

        hidden = g.Node("Reshape", [rows, toHidden]);

        // Pooler over the first token, or the mean over the kept tokens; then the classifier.
        string pooled;
        if (o.Pooling == TransformerPooling.Pooler)
        {
            var first = g.Gather(hidden, g.Int64s([0], scalar: true), axis: 1);
            pooled = g.Tanh(g.Gemm(first, w["bert.pooler.dense.weight"], w["bert.pooler.dense.bias"]));
        }
        else
        {
            var weights = g.Unsqueeze(g.Cast(mask, DataType.Float), 2);
            var tokenSum = g.Node("ReduceSum", [g.Mul(hidden, weights), g.Int64s([1])], Attr.Int("keepdims", 0));
            var tokenCount = g.Node("ReduceSum", [weights, g.Int64s([1])], Attr.Int("keepdims", 0));
            pooled = g.Div(tokenSum, g.Node("Max", [tokenCount, g.Scalar(1e-9f)]));
        }

        var logits = g.Gemm(pooled, w["classifier.weight"], w["classifier.bias"]);
        g.Output(OnnxNames.Logits, logits, DataType.Float, "batch", o.NumLabels);
    }

    private static void OutputIf(OnnxGraphBuilder g, Intermediates asked, Intermediates kind, string name, string value, params object[] dims)
    {
        if (asked.HasFlag(kind))
        {
            g.Output(name, value, DataType.Float, dims);
        }
    }
}

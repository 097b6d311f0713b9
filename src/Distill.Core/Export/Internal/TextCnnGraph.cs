using Distill.Students;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Distill.Export.Internal;

/// <summary>The ONNX graph of a <see cref="TextCnnStudent"/>, with the same padding rules as the module.</summary>
internal static class TextCnnGraph
{
    public static void Build(OnnxGraphBuilder g, TextCnnStudent model)
    {
        var o = model.Settings;
        var w = new StudentWeights(g, model.state_dict());
        var ids = g.Input(OnnxNames.InputIds, DataType.Int64, "batch", "sequence");
        var mask = g.Input(OnnxNames.AttentionMask, DataType.Int64, "batch", "sequence");

        var tokens = g.Unsqueeze(g.Cast(mask, DataType.Float), 2);
        var x = g.Transpose(g.Mul(g.Gather(w["embedding.weight"], ids), tokens), 0, 2, 1); // [batch, embedding, sequence]
        var lengths = g.Node("ReduceSum", [mask, g.Int64s([1])], Attr.Int("keepdims", 1));  // [batch, 1]
        var pooled = new List<string>();
        for (var i = 0; i < o.FilterWidths.Count; i++)
        {
            var width = o.FilterWidths[i];
            var features = g.Relu(g.Node("Conv", [x, w[$"convs.{i}.weight"], w[$"convs.{i}.bias"]],
                Attr.Ints("kernel_shape", width), Attr.Ints("pads", width - 1, width - 1)));
            var positions = g.Unsqueeze(g.Range(g.DimensionOf(features, 2)), 0);
            var touchesToken = g.Unsqueeze(g.Node("Less", [positions, g.Add(lengths, g.Int64s([width - 1], scalar: true))]), 1);
            pooled.Add(g.Node("ReduceMax", [g.Where(touchesToken, features, g.Scalar(float.NegativeInfinity))],
                Attr.Ints("axes", 2), Attr.Int("keepdims", 0)));
        }

        var logits = g.Gemm(g.Concat(1, [.. pooled]), w["classifier.weight"], w["classifier.bias"]);
        g.Output(OnnxNames.Logits, logits, DataType.Float, "batch", o.NumLabels);
    }
}

using Distill.Students;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Distill.Export.Internal;

/// <summary>The ONNX graph of an <see cref="MlpStudent"/>.</summary>
internal static class MlpGraph
{
    public static void Build(OnnxGraphBuilder g, MlpStudent model)
    {
        var o = model.Settings;
        var w = new StudentWeights(g, model.state_dict());
        var x = g.Input(OnnxNames.Features, DataType.Float, "batch", o.InputSize);
        for (var i = 0; i < o.HiddenSizes.Count; i++)
        {
            var linear = g.Gemm(x, w[$"hidden.{i}.weight"], w[$"hidden.{i}.bias"]);
            x = o.Activation == MlpActivation.Gelu ? g.Gelu(linear) : g.Relu(linear);
        }

        g.Output(OnnxNames.Logits, g.Gemm(x, w["classifier.weight"], w["classifier.bias"]), DataType.Float, "batch", o.NumLabels);
    }
}

using Distill.Students;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Distill.Export.Internal;

/// <summary>The ONNX graph of an <see cref="ImageCnnStudent"/> in inference mode (BatchNorm with running statistics).</summary>
internal static class ImageCnnGraph
{
    /// <summary>TorchSharp's BatchNorm2d default, which the student uses.</summary>
    private const float BatchNormEpsilon = 1e-5f;

    public static void Build(OnnxGraphBuilder g, ImageCnnStudent model, Intermediates extras)
    {
        var o = model.Settings;
        var state = model.state_dict();
        var w = new StudentWeights(g, state);
        var x = g.Input(OnnxNames.PixelValues, DataType.Float, "batch", o.InputChannels, "height", "width");

        string Conv(string input, string weight, int kernel, int stride) => g.Node("Conv", [input, w[weight]],
            Attr.Ints("kernel_shape", kernel, kernel), Attr.Ints("strides", stride, stride),
            Attr.Ints("pads", kernel / 2, kernel / 2, kernel / 2, kernel / 2));
        string BatchNorm(string input, string prefix) => g.Node("BatchNormalization",
            [input, w[prefix + ".weight"], w[prefix + ".bias"], w[prefix + ".running_mean"], w[prefix + ".running_var"]],
            Attr.Float("epsilon", BatchNormEpsilon));

        x = g.Relu(BatchNorm(Conv(x, "stem_conv.weight", 3, 1), "stem_bn"));
        for (var s = 0; s < o.StageChannels.Count; s++)
        {
            for (var b = 0; b < o.BlocksPerStage; b++)
            {
                var p = $"stages.{s}.{b}.";
                var stride = s > 0 && b == 0 ? 2 : 1;
                var y = g.Relu(BatchNorm(Conv(x, p + "conv1.weight", 3, stride), p + "bn1"));
                y = BatchNorm(Conv(y, p + "conv2.weight", 3, 1), p + "bn2");
                var identity = state.ContainsKey(p + "shortcut_conv.weight")
                    ? BatchNorm(Conv(x, p + "shortcut_conv.weight", 1, stride), p + "shortcut_bn")
                    : x;
                x = g.Relu(g.Add(y, identity));
            }

            if (extras.HasFlag(Intermediates.FeatureMaps))
            {
                g.Output(OnnxNames.FeatureMaps(s), x, DataType.Float, "batch", o.StageChannels[s], $"height_{s}", $"width_{s}");
            }
        }

        var pooled = g.Node("Flatten", [g.Node("GlobalAveragePool", [x])], Attr.Int("axis", 1));
        g.Output(OnnxNames.Logits, g.Gemm(pooled, w["classifier.weight"], w["classifier.bias"]), DataType.Float, "batch", o.NumLabels);
    }
}

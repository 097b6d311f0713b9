using Onnx;

namespace Distill.Teacher.Internal;

/// <summary>A LayerNorm found in a graph, in whichever form it was written.</summary>
/// <param name="Node">Index of the node that writes the normalised output.</param>
/// <param name="Output">The normalised tensor.</param>
/// <param name="ResidualOperands">The tensors summed into the LayerNorm's input: the two operands of the Add before
/// it, or SkipLayerNormalization's input and skip. Empty when the input is not a sum.</param>
/// <param name="Pattern">How it was written, for the inspection report.</param>
/// <param name="Width">Length of the scale vector where it is an initializer.</param>
internal sealed record LayerNormMatch(int Node, string Output, IReadOnlyList<string> ResidualOperands, string Pattern, long? Width);

/// <summary>
/// Finds LayerNorms: the LayerNormalization op (opset 17), ONNX Runtime's SkipLayerNormalization (LayerNorm of
/// input + skip + bias, the residual Add fused in), and the decomposed form older exports write:
/// ReduceMean, Sub, Pow, ReduceMean, Add ε, Sqrt, Div, then Mul by the scale and Add of the bias.
/// </summary>
internal static class LayerNormMatcher
{
    public const string Fused = "LayerNormalization";
    public const string Skip = "SkipLayerNormalization";
    public const string Decomposed = "LayerNorm (decomposed)";

    public static List<LayerNormMatch> FindAll(OnnxGraphIndex index)
    {
        var found = new List<LayerNormMatch>();
        foreach (var i in index.Order)
        {
            var node = index.Node(i);
            switch (node.OpType)
            {
                case Fused:
                    found.Add(new LayerNormMatch(i, node.Output[0], SumOperands(index, node.Input[0]), Fused, ScaleWidth(index, node.Input.ElementAtOrDefault(1))));
                    break;
                case Skip or "SkipSimplifiedLayerNormalization" when node.Input.Count >= 2:
                    found.Add(new LayerNormMatch(i, node.Output[0], [node.Input[0], node.Input[1]], Skip, ScaleWidth(index, node.Input.ElementAtOrDefault(2))));
                    break;
                case "Div" when MatchDecomposed(index, i) is { } match:
                    found.Add(match);
                    break;
            }
        }

        return found;
    }

    // The Div of the decomposed form: Div(Sub(x, ReduceMean(x)), Sqrt(Add(ReduceMean(Pow(that Sub, 2)), ε))).
    private static LayerNormMatch? MatchDecomposed(OnnxGraphIndex index, int div)
    {
        var node = index.Node(div);
        var centered = node.Input[0];
        if (index.Producer(centered) is not { OpType: "Sub" } sub
            || index.Producer(sub.Input[1]) is not { OpType: "ReduceMean" } mean
            || mean.Input[0] != sub.Input[0]
            || index.Producer(node.Input[1]) is not { OpType: "Sqrt" } sqrt
            || index.Producer(sqrt.Input[0]) is not { OpType: "Add" } epsilon)
        {
            return null;
        }

        var variance = epsilon.Input.Select(index.Producer).FirstOrDefault(p => p is { OpType: "ReduceMean" });
        var square = variance is null ? null : index.Producer(variance.Input[0]);
        var squares = square switch
        {
            { OpType: "Pow" } => square.Input[0] == centered,
            { OpType: "Mul" } => square.Input[0] == centered && square.Input[1] == centered,
            _ => false,
        };
        if (!squares)
        {
            return null;
        }

        // The affine part, when there is one: Mul by the scale, then Add of the bias (both weights, not activations).
        var last = div;
        long? width = null;
        if (Single(index, index.Node(last).Output[0], "Mul") is { } scale && OtherOperand(index, scale, index.Node(last).Output[0]) is { } gamma && !index.IsDynamic(gamma))
        {
            last = scale;
            width = ScaleWidth(index, gamma);
            if (Single(index, index.Node(last).Output[0], "Add") is { } shift && OtherOperand(index, shift, index.Node(last).Output[0]) is { } beta && !index.IsDynamic(beta))
            {
                last = shift;
            }
        }

        return new LayerNormMatch(last, index.Node(last).Output[0], SumOperands(index, sub.Input[0]), Decomposed, width);
    }

    private static int? Single(OnnxGraphIndex index, string tensor, string op)
    {
        var consumers = index.Consumers(tensor);
        return consumers.Count == 1 && index.Node(consumers[0]).OpType == op ? consumers[0] : null;
    }

    private static string? OtherOperand(OnnxGraphIndex index, int node, string operand)
    {
        var inputs = index.Node(node).Input;
        return inputs.Count == 2 ? (inputs[0] == operand ? inputs[1] : inputs[0]) : null;
    }

    private static IReadOnlyList<string> SumOperands(OnnxGraphIndex index, string input) =>
        index.Producer(input) is { OpType: "Add" } add && add.Input.Count == 2 ? [add.Input[0], add.Input[1]] : [];

    private static long? ScaleWidth(OnnxGraphIndex index, string? scale) =>
        scale is not null && index.Initializer(scale) is { Dims.Count: > 0 } weight ? weight.Dims[^1] : null;
}

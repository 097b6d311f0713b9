namespace Distill.Teacher.Internal;

/// <summary>An attention Softmax found in a graph.</summary>
/// <param name="Node">Index of the Softmax node.</param>
/// <param name="Probabilities">Its output, the attention probabilities.</param>
internal sealed record AttentionMatch(int Node, string Probabilities);

/// <summary>
/// Finds attention Softmaxes by what surrounds them: the Softmax input comes from a MatMul of two activations whose
/// second operand is transposed (Q·Kᵀ), possibly through a scale (Div or Mul) and an added or filled-in mask (Add,
/// Where); its output feeds a MatMul with a third activation (V). A Softmax over classifier logits or anything else
/// lacks one side or the other.
/// </summary>
internal static class AttentionMatcher
{
    // Ops that may sit between Q·Kᵀ and the Softmax: the 1/√d scale, the additive mask, a masked fill, casts.
    private static readonly HashSet<string> ScoreSteps = new(StringComparer.Ordinal) { "Add", "Sub", "Div", "Mul", "Where", "Cast", "Identity", "Clip" };

    // Ops that may sit between the Softmax and the MatMul with V: dropout (kept by some exports), a head mask, casts.
    private static readonly HashSet<string> ProbabilitySteps = new(StringComparer.Ordinal) { "Dropout", "Mul", "Where", "Cast", "Identity" };

    // Ops that may scale or cast K after its transpose.
    private static readonly HashSet<string> KeySteps = new(StringComparer.Ordinal) { "Div", "Mul", "Cast", "Identity" };

    private const int MaxSteps = 4;

    public static List<AttentionMatch> FindAll(OnnxGraphIndex index, TensorFacts facts) =>
        index.Order
            .Where(i => index.Node(i).OpType == "Softmax" && AlongLastAxis(index, facts, i))
            .Where(i => ComesFromQueryKey(index, index.Node(i).Input[0]) && FeedsValues(index, index.Node(i).Output[0]))
            .Select(i => new AttentionMatch(i, index.Node(i).Output[0]))
            .ToList();

    private static bool AlongLastAxis(OnnxGraphIndex index, TensorFacts facts, int softmax)
    {
        var node = index.Node(softmax);
        var axis = TensorFacts.Attribute(node, "axis")?.I;
        var rank = facts.Rank(node.Input[0]);
        return axis is null or -1 || rank is null || axis == rank - 1;
    }

    private static bool ComesFromQueryKey(OnnxGraphIndex index, string scores)
    {
        var frontier = new List<string> { scores };
        for (var step = 0; step <= MaxSteps && frontier.Count > 0; step++)
        {
            var next = new List<string>();
            foreach (var tensor in frontier)
            {
                switch (index.Producer(tensor))
                {
                    case { OpType: "MatMul" } matMul when index.IsDynamic(matMul.Input[0]) && index.IsDynamic(matMul.Input[1]) && IsTransposedKey(index, matMul.Input[1]):
                        return true;
                    case { } node when ScoreSteps.Contains(node.OpType):
                        // Only activations can lead back to Q·Kᵀ; Where's condition is a mask, not scores.
                        next.AddRange(node.Input.Skip(node.OpType == "Where" ? 1 : 0).Where(index.IsDynamic));
                        break;
                }
            }

            frontier = next;
        }

        return false;
    }

    // Kᵀ: a Transpose that moves some other axis last ([0, 2, 3, 1] from [batch, sequence, heads, head size], or
    // [0, 1, 3, 2] from [batch, heads, sequence, head size]); no perm attribute means all axes reversed.
    private static bool IsTransposedKey(OnnxGraphIndex index, string key)
    {
        for (var step = 0; step <= MaxSteps; step++)
        {
            switch (index.Producer(key))
            {
                case { OpType: "Transpose" } transpose:
                    var perm = TensorFacts.Attribute(transpose, "perm")?.Ints;
                    return perm is null || perm.Count == 0 || perm[^1] != perm.Count - 1;
                case { } node when KeySteps.Contains(node.OpType):
                    key = node.Input[0];
                    break;
                default:
                    return false;
            }
        }

        return false;
    }

    private static bool FeedsValues(OnnxGraphIndex index, string probabilities)
    {
        var frontier = new List<string> { probabilities };
        for (var step = 0; step <= MaxSteps && frontier.Count > 0; step++)
        {
            var next = new List<string>();
            foreach (var tensor in frontier)
            {
                foreach (var consumer in index.Consumers(tensor).Select(index.Node))
                {
                    if (consumer.OpType == "MatMul" && consumer.Input[0] == tensor && index.IsDynamic(consumer.Input[1]))
                    {
                        return true;
                    }

                    if (ProbabilitySteps.Contains(consumer.OpType))
                    {
                        next.Add(consumer.Output[0]);
                    }
                }
            }

            frontier = next;
        }

        return false;
    }
}

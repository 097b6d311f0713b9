using Distill.Teacher;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Distill.Teacher.Internal;

/// <summary>
/// Finds a teacher's taps by graph structure. The rules:
/// <list type="number">
/// <item>Attention layers are the attention Softmaxes (<see cref="AttentionMatcher"/>), in topological order.</item>
/// <item>The residual path is made of the LayerNorms whose input is a sum with another LayerNorm's output as one
/// operand (reshapes, casts and identities in between allowed): BERT's post-LN layers are LN(x + f(x)) twice. A
/// LayerNorm over a plain activation (an MLM head's, say) is not on it.</item>
/// <item>Layer i's output is the last residual-path LayerNorm, in topological order, that depends on layer i's
/// Softmax and not on layer i + 1's.</item>
/// <item>Hidden state 0 is the operand of the first LayerNorm-ed sum after layer 0's Softmax that does not depend on
/// that Softmax: the input of layer 0, i.e. the embedding output.</item>
/// <item>A tap that reaches a graph output through Identity (and, for hidden states, a Reshape to rank 3) is
/// already an output and needs no edit.</item>
/// </list>
/// Names play no part, except that an input named like token ids wins a tie for the token-id input.
/// </summary>
internal static class TapFinder
{
    public static TeacherInspection Inspect(ModelProto model, string source)
    {
        var graph = model.Graph ?? throw TeacherErrors.NoGraph(source);
        var index = new OnnxGraphIndex(graph);
        var facts = new TensorFacts(index);
        var inputs = index.Inputs.Select(TeacherTensorInfo.From).ToList();
        var outputs = graph.Output.Select(TeacherTensorInfo.From).ToList();
        var tokenIds = TokenIdsInput(index);
        var names = new OutputNames(index);

        // A Softmax over [batch·heads, sequence, sequence] (some encoder-decoder exports) is attention too, but not in
        // the [batch, heads, sequence, sequence] layout the losses read.
        var attention = AttentionMatcher.FindAll(index, facts).Where(a => facts.Rank(a.Probabilities) is null or 4).ToList();
        var norms = LayerNormMatcher.FindAll(index);
        var byOutput = norms.GroupBy(n => n.Output).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var residual = norms.Where(n => n.ResidualOperands.Any(operand => byOutput.ContainsKey(index.Origin(operand)))).ToList();
        var after = attention.Select(a => index.Descendants(a.Node)).ToList();

        var layers = new List<TeacherLayer>();
        for (var i = 0; i < attention.Count; i++)
        {
            var softmax = index.Node(attention[i].Node);
            var probabilities = Tap(index, facts, names, TeacherTapKind.AttentionProbabilities, i, attention[i].Probabilities, softmax, "Softmax", null, tokenIds)!;
            var output = residual
                .Where(n => after[i].Contains(n.Node) && (i + 1 == attention.Count || !after[i + 1].Contains(n.Node)))
                .MaxBy(n => index.Position(n.Node));
            var hidden = output is null ? null : Tap(index, facts, names, TeacherTapKind.HiddenStates, i + 1, output.Output, index.Node(output.Node), output.Pattern, output.Width, tokenIds);
            layers.Add(new TeacherLayer(i, probabilities, hidden));
        }

        // Any LayerNorm over a sum will do here, not only residual-path ones: in ALBERT, layer 0 adds its attention to
        // the projected embeddings, which no LayerNorm computes.
        var sums = norms.Where(n => n.ResidualOperands.Count > 0).ToList();
        var embeddings = attention.Count == 0 ? null : Embeddings(index, facts, names, sums, after[0], byOutput, tokenIds);
        // A graph with attention layers is a transformer; its 4-D tensors, if any, are not CNN stages.
        var featureMaps = attention.Count == 0 ? FeatureMapFinder.FindAll(index) : [];
        return new TeacherInspection(source, inputs, outputs, Logits(graph, facts, layers, embeddings), tokenIds, embeddings, layers, featureMaps);
    }

    private static TeacherTap? Embeddings(OnnxGraphIndex index, TensorFacts facts, OutputNames names, List<LayerNormMatch> sums,
        HashSet<int> afterFirstSoftmax, Dictionary<string, LayerNormMatch> byOutput, string? tokenIds)
    {
        var first = sums.Where(n => afterFirstSoftmax.Contains(n.Node)).MinBy(n => index.Position(n.Node));
        var input = first?.ResidualOperands
            .Select(operand => index.Origin(operand))
            .FirstOrDefault(t => index.IsDynamic(t) && index.ProducerIndex(t) is { } p && !afterFirstSoftmax.Contains(p));
        if (input is null)
        {
            return null;
        }

        var producer = index.Producer(input)!;
        var norm = byOutput.GetValueOrDefault(input);
        return Tap(index, facts, names, TeacherTapKind.HiddenStates, 0, input, producer, norm?.Pattern ?? producer.OpType, norm?.Width, tokenIds);
    }

    private static TeacherTap? Tap(OnnxGraphIndex index, TensorFacts facts, OutputNames names, TeacherTapKind kind, int number,
        string tensor, NodeProto node, string pattern, long? width, string? tokenIds)
    {
        var rank = facts.Rank(tensor);
        var hidden = kind == TeacherTapKind.HiddenStates;
        if (hidden ? rank is not (null or 2 or 3) : rank is not (null or 4))
        {
            // Not the [batch, sequence, hidden] or [batch, heads, sequence, sequence] a loss could read.
            return null;
        }

        var type = facts.ElementType(tensor);
        var cast = type is { } t && t != DataType.Float;
        // Rows always need the Reshape (the edit says so when there are no token ids to take the shape from); an
        // unknown rank gets it too where it can, as a no-op on a tensor already [batch, sequence, hidden].
        var reshape = hidden && (rank == 2 || (rank is null && tokenIds is not null));
        var existing = ExistingOutput(index, facts, tensor, hidden);
        var label = kind == TeacherTapKind.AttentionProbabilities ? "attention_probabilities" : "hidden_states";
        return new TeacherTap
        {
            Kind = kind,
            Index = number,
            TensorName = tensor,
            NodeName = node.Name,
            Pattern = pattern,
            Width = width,
            IsOutput = existing is not null,
            NeedsReshape = existing is null && reshape,
            CastToFloat = existing is null && cast,
            OutputName = existing ?? (reshape || cast ? names.Claim($"distill.{label}.{number}") : tensor),
        };
    }

    // Follows Identity (and Reshape to rank 3, for hidden states) forward to a graph output of type float.
    private static string? ExistingOutput(OnnxGraphIndex index, TensorFacts facts, string tensor, bool hidden)
    {
        var frontier = new List<string> { tensor };
        for (var step = 0; step < 4 && frontier.Count > 0; step++)
        {
            foreach (var name in frontier.Where(index.Outputs.Contains))
            {
                if (facts.ElementType(name) is null or DataType.Float && (!hidden || facts.Rank(name) is null or 3))
                {
                    return name;
                }
            }

            frontier = frontier
                .SelectMany(index.Consumers)
                .Select(index.Node)
                .Where(n => n.OpType == "Identity" || (hidden && n.OpType == "Reshape" && facts.Rank(n.Output[0]) == 3))
                .Select(n => n.Output[0])
                .ToList();
        }

        return null;
    }

    /// <summary>The tensor behind reshapes, casts and identities.</summary>
    // The token ids are the integer input that indexes the largest embedding table (token type ids index a small one).
    internal static string? TokenIdsInput(OnnxGraphIndex index)
    {
        long Rows(string input)
        {
            var indices = new HashSet<string>(StringComparer.Ordinal) { input };
            indices.UnionWith(index.Consumers(input).Select(index.Node).Where(n => n.OpType == "Cast").Select(n => n.Output[0]));
            return indices
                .SelectMany(i => index.Consumers(i).Select(index.Node).Where(n => n.OpType == "Gather" && n.Input.Count == 2 && n.Input[1] == i))
                .Select(gather => index.Initializer(gather.Input[0]))
                .Where(table => table is { Dims.Count: 2 })
                .Select(table => table!.Dims[0])
                .DefaultIfEmpty(0)
                .Max();
        }

        var integers = index.Inputs
            .Where(input => input.Type?.TensorType is { } t && TeacherInputNames.IsInteger((DataType)t.ElemType))
            .ToList();
        var best = integers
            .Select(input => (input.Name, Rows: Rows(input.Name)))
            .Where(c => c.Rows > 0)
            .OrderByDescending(c => c.Rows)
            .ThenByDescending(c => TeacherInputNames.Match(c.Name, DataType.Int64) == TeacherInputKind.InputIds)
            .FirstOrDefault();
        return best.Name ?? integers.FirstOrDefault(input => TeacherInputNames.Match(input.Name, DataType.Int64) == TeacherInputKind.InputIds)?.Name;
    }

    private static string? Logits(GraphProto graph, TensorFacts facts, List<TeacherLayer> layers, TeacherTap? embeddings)
    {
        var taps = layers.SelectMany(l => new[] { l.AttentionProbabilities, l.Output }).Append(embeddings).OfType<TeacherTap>().Select(t => t.OutputName).ToHashSet();
        var outputs = graph.Output.Select(o => o.Name).Where(name => !taps.Contains(name)).ToList();
        var named = outputs.FirstOrDefault(name => name.Equals("logits", StringComparison.OrdinalIgnoreCase));
        if (named is not null)
        {
            return named;
        }

        var rank2 = outputs.Where(name => facts.Rank(name) == 2 && facts.ElementType(name) is null or DataType.Float or DataType.Float16 or DataType.Double).ToList();
        return rank2.Count == 1 ? rank2[0] : outputs.Count == 1 ? outputs[0] : null;
    }

    /// <summary>Names for the outputs an edit adds, kept clear of every name the graph already uses.</summary>
    private sealed class OutputNames(OnnxGraphIndex index)
    {
        private readonly HashSet<string> _claimed = new(StringComparer.Ordinal);

        public string Claim(string wanted)
        {
            var name = wanted;
            for (var i = 2; index.IsNameTaken(name) || !_claimed.Add(name); i++)
            {
                name = $"{wanted}_{i}";
            }

            return name;
        }
    }
}

using Distill.Teacher;
using System.Globalization;
using Distill.Students;
using Onnx;

namespace Distill.Teacher.Internal;

/// <summary>
/// Maps a BERT-family encoder graph onto <see cref="TransformerStudent"/> by its structure, the way ONNX Runtime's
/// transformer optimizer finds attention (fusion_attention.py, fusion_layernorm.py): it anchors on the LayerNorms, walks
/// the residual path from the embeddings' LayerNorm, and for each residual sum walks up from the sub-layer's output
/// projection: through Reshape and Transpose to Softmax·V, and from the Softmax to Q·Kᵀ (an attention block), or through
/// an activation to the first feed-forward projection (a feed-forward block). Weights are found by their use, never by
/// their names, so anonymous initializers (<c>onnx::MatMul_788</c>) import as well as named ones.
/// </summary>
/// <remarks>
/// Handled: MatMul with [in, out] weights (transposed or not, torch.onnx style), Gemm (transB or not), Q, K and V as
/// one concatenated projection split in three, biases added separately or fused, LayerNormalization, ONNX Runtime's
/// SkipLayerNormalization or the decomposed form, GELU as Erf, Tanh, Gelu, FastGelu or BiasGelu, a 1/√d scale on the
/// scores or on Q and K (another scale is folded into the query weights), an optional segment embedding, pooler and
/// classifier, or a classifier over the masked mean of the tokens (mean pooling). Everything else is refused by naming the first node that does not fit, and every import is checked
/// end to end against ONNX Runtime afterwards, so a pattern read wrongly cannot pass unnoticed.
/// </remarks>
internal sealed class BertGraphMatcher
{
    // Ops that may stand between the attention probabilities and their MatMul with V (dropout kept by some exports).
    private static readonly HashSet<string> ProbabilitySteps = new(StringComparer.Ordinal) { "Dropout", "Cast", "Identity" };

    private readonly OnnxGraphIndex _index;
    private readonly OnnxConstants _constants;
    private readonly string _source;
    private readonly HashSet<string> _dependsOnTokens = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _style = new(StringComparer.Ordinal);
    private List<LayerNormMatch> _norms = [];

    private BertGraphMatcher(ModelProto model, string source)
    {
        _index = new OnnxGraphIndex(model.Graph);
        _constants = new OnnxConstants(_index, source);
        _source = source;
    }

    /// <summary>
    /// Reads the encoder in <paramref name="model"/>. <paramref name="heads"/> is used only when the graph's reshapes do
    /// not show the head count; <paramref name="numLabels"/> sizes the classifier when the graph has none.
    /// </summary>
    /// <exception cref="DistillException">The graph is not a BERT-family encoder; the message names the node.</exception>
    public static BertGraphMatch Match(ModelProto model, string source, int? heads, int numLabels)
    {
        var matcher = new BertGraphMatcher(model, source);
        try
        {
            return matcher.Run(heads, numLabels);
        }
        catch (GraphMismatch mismatch)
        {
            throw TeacherErrors.NotBertLayout(source, mismatch.Node, mismatch.Message);
        }
    }

    private BertGraphMatch Run(int? heads, int numLabels)
    {
        var tokenIds = TapFinder.TokenIdsInput(_index) ?? throw new GraphMismatch(null, "no integer input indexes an embedding table, so there are no token ids");
        MarkDependents(tokenIds);
        var norms = LayerNormMatcher.FindAll(_index);
        _norms = norms;
        if (norms.Count == 0)
        {
            throw new GraphMismatch(TokenLookup(tokenIds), "the graph has no LayerNorm, in any form");
        }

        var weights = new Dictionary<string, MatchedWeight>(StringComparer.Ordinal);

        // The embeddings: the first LayerNorm over a sum that gathers rows of a table by the token ids.
        var (embeddingNorm, embeddings) = Embeddings(norms, tokenIds);
        var embeddingLayerNorm = LayerNormParts(embeddingNorm);
        var hidden = (int)embeddings.Words.Dims[1];
        weights["bert.embeddings.word_embeddings.weight"] = Weight(embeddings.Words);
        weights["bert.embeddings.position_embeddings.weight"] = Weight(embeddings.Positions);
        weights["bert.embeddings.token_type_embeddings.weight"] = embeddings.Types is { } types
            ? Weight(types)
            : new MatchedWeight([1, hidden], new float[hidden]); // no segments: one all-zero segment row adds nothing
        AddLayerNorm(weights, "bert.embeddings.LayerNorm.", embeddingLayerNorm, hidden);

        // The residual path: each following LayerNorm that sums a sub-layer with the current hidden state.
        var hiddenStates = new List<string> { embeddingNorm.Output };
        var current = embeddingNorm;
        var layer = 0;
        int? headCount = null;
        int? intermediate = null;
        TransformerActivation? activation = null;
        foreach (var norm in norms.Where(n => _index.Position(n.Node) > _index.Position(current.Node)).ToList())
        {
            if (_index.Position(norm.Node) <= _index.Position(current.Node) || ResidualOf(norm, current.Output) is not { } sublayer)
            {
                continue;
            }

            var prefix = $"bert.encoder.layer.{layer}.";
            var parts = LayerNormParts(norm);
            var projection = Linear(sublayer.Output, sublayer.Bias) ?? throw new GraphMismatch(
                _index.Producer(sublayer.Output), $"layer {layer}'s residual sum adds something that is not a linear projection with a constant weight");
            if (hiddenStates.Count == layer + 1)
            {
                // First half of a layer: self-attention.
                var attention = Attention(projection, current.Output, layer);
                headCount ??= attention.Heads;
                if (attention.Heads is { } h && h != headCount)
                {
                    throw new GraphMismatch(_index.Producer(projection.Input), $"layer {layer} has {h} attention heads and an earlier layer {headCount}");
                }

                weights[prefix + "attention.self.query.weight"] = attention.Query.WeightTensor;
                weights[prefix + "attention.self.query.bias"] = attention.Query.BiasTensor;
                weights[prefix + "attention.self.key.weight"] = attention.Key.WeightTensor;
                weights[prefix + "attention.self.key.bias"] = attention.Key.BiasTensor;
                weights[prefix + "attention.self.value.weight"] = attention.Value.WeightTensor;
                weights[prefix + "attention.self.value.bias"] = attention.Value.BiasTensor;
                weights[prefix + "attention.output.dense.weight"] = projection.WeightTensor;
                weights[prefix + "attention.output.dense.bias"] = projection.BiasTensor;
                AddLayerNorm(weights, prefix + "attention.output.LayerNorm.", parts, hidden);
                hiddenStates.Add(norm.Output); // the middle of the layer; replaced below
            }
            else
            {
                // Second half: the feed-forward block.
                var (inner, act) = FeedForward(projection, current.Output, layer);
                intermediate ??= inner.Out;
                activation ??= act;
                if (inner.Out != intermediate || act != activation)
                {
                    throw new GraphMismatch(_index.Producer(projection.Input), $"layer {layer}'s feed-forward block differs from layer 0's (intermediate {inner.Out} vs {intermediate}, {act} vs {activation})");
                }

                weights[prefix + "intermediate.dense.weight"] = inner.WeightTensor;
                weights[prefix + "intermediate.dense.bias"] = inner.BiasTensor;
                weights[prefix + "output.dense.weight"] = projection.WeightTensor;
                weights[prefix + "output.dense.bias"] = projection.BiasTensor;
                AddLayerNorm(weights, prefix + "output.LayerNorm.", parts, hidden);
                hiddenStates[^1] = norm.Output;
                layer++;
            }

            current = norm;
        }

        if (layer == 0 || hiddenStates.Count != layer + 1)
        {
            var stuck = _index.Consumers(current.Output).Select(_index.Node).FirstOrDefault();
            throw new GraphMismatch(stuck ?? _index.Node(current.Node), layer == 0
                ? "no encoder layer follows the embeddings' LayerNorm (a residual sum of self-attention, then of a feed-forward block)"
                : $"layer {layer} has self-attention but no feed-forward block after it");
        }

        var resolvedHeads = headCount ?? heads ?? throw new GraphMismatch(
            null, $"the attention reshapes do not show the number of heads (hidden is {hidden}); pass heads");
        if (resolvedHeads < 1 || hidden % resolvedHeads != 0)
        {
            throw new GraphMismatch(null, $"{resolvedHeads} heads do not divide the hidden size {hidden}");
        }

        // The head: BERT's pooler (dense and tanh over the first token), then a classifier, when the graph has them.
        var (pooling, hasPooler, logitsTensor, labels) = Head(current.Output, hidden, weights);
        var options = new TransformerStudentOptions
        {
            VocabSize = (int)embeddings.Words.Dims[0],
            Hidden = hidden,
            MaxPositions = (int)embeddings.Positions.Dims[0],
            TypeVocabSize = embeddings.Types is { } t ? (int)t.Dims[0] : 1,
            Layers = layer,
            Heads = resolvedHeads,
            Intermediate = intermediate!.Value,
            Activation = activation!.Value,
            NumLabels = labels ?? numLabels,
            LayerNormEps = embeddingLayerNorm.Epsilon,
            Pooling = pooling,
        };
        return new BertGraphMatch
        {
            Options = options,
            Weights = weights,
            HiddenStates = hiddenStates,
            TokenIdsInput = tokenIds,
            AttentionMaskInput = MaskInput(tokenIds),
            TokenTypeIdsInput = embeddings.TypeInput,
            HasPooler = hasPooler,
            HasClassifier = logitsTensor is not null,
            LogitsTensor = logitsTensor,
            Style = string.Join(", ", _style),
        };
    }

    // ---- embeddings ----------------------------------------------------------------------------------------------

    private sealed record EmbeddingTables(ConstantTensor Words, ConstantTensor Positions, ConstantTensor? Types, string? TypeInput);

    private (LayerNormMatch Norm, EmbeddingTables Tables) Embeddings(List<LayerNormMatch> norms, string tokenIds)
    {
        foreach (var norm in norms)
        {
            var gathers = SumLeaves(NormInput(norm))
                .Select(_index.Producer)
                .Where(p => p is { OpType: "Gather" } && p.Input.Count == 2 && _constants.Floats(p.Input[0]) is { Dims.Length: 2 })
                .Cast<NodeProto>()
                .ToList();
            var words = gathers.FirstOrDefault(g => Origin(g.Input[1]) == tokenIds);
            if (words is null)
            {
                continue;
            }

            // Segments are gathered by an input named so, or by an input indexing a small table (positions, when a graph
            // takes them as an input, index hundreds of rows).
            var inputs = _index.Inputs.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
            var types = gathers
                .Where(g => g != words && inputs.Contains(Origin(g.Input[1])))
                .OrderByDescending(g => TeacherInputNames.Match(Origin(g.Input[1]), Onnx.TensorProto.Types.DataType.Int64) == TeacherInputKind.TokenTypeIds)
                .FirstOrDefault(g => TeacherInputNames.Match(Origin(g.Input[1]), Onnx.TensorProto.Types.DataType.Int64) == TeacherInputKind.TokenTypeIds
                    || _constants.Floats(g.Input[0])!.Dims[0] < 64);
            var positions = gathers.Where(g => g != words && g != types).ToList();
            if (positions.Count != 1)
            {
                throw new GraphMismatch(words, positions.Count == 0
                    ? "the embeddings' sum has no position embedding (a table gathered by positions)"
                    : $"the embeddings' sum gathers {gathers.Count} tables; a BERT encoder has word, position and at most one segment table");
            }

            var tables = new EmbeddingTables(
                _constants.Floats(words.Input[0])!,
                _constants.Floats(positions[0].Input[0])!,
                types is null ? null : _constants.Floats(types.Input[0]),
                types is null ? null : Origin(types.Input[1]));
            if (tables.Positions.Dims[1] != tables.Words.Dims[1] || (tables.Types is { } t && t.Dims[1] != tables.Words.Dims[1]))
            {
                throw new GraphMismatch(positions[0], "the embedding tables differ in width");
            }

            return (norm, tables);
        }

        throw new GraphMismatch(TokenLookup(tokenIds), $"no LayerNorm normalises a sum of embeddings gathered by {tokenIds}");
    }

    // The node that looks the token ids up in the word table, where an encoder starts; torch writes a Shape of the ids
    // (for the position ids) before it, which would say nothing about where the graph stops fitting.
    private NodeProto? TokenLookup(string tokenIds)
    {
        var readers = _index.Consumers(tokenIds).Select(_index.Node).ToList();
        return readers.FirstOrDefault(n => n.OpType == "Gather" && _constants.Floats(n.Input[0]) is not null) ?? readers.FirstOrDefault();
    }

    private string MaskInput(string tokenIds)
    {
        var mask = _index.Inputs
            .Where(i => i.Name != tokenIds)
            .FirstOrDefault(i => TeacherInputNames.Match(i.Name, Onnx.TensorProto.Types.DataType.Int64) == TeacherInputKind.AttentionMask);
        return mask?.Name ?? throw new GraphMismatch(null, $"the graph has no attention mask input (inputs: {string.Join(", ", _index.Inputs.Select(i => i.Name))})");
    }

    // The operands of a tree of Adds, e.g. ((words + types) + positions).
    private List<string> SumLeaves(string tensor)
    {
        var leaves = new List<string>();
        var stack = new Stack<string>();
        stack.Push(tensor);
        while (stack.Count > 0 && leaves.Count < 16)
        {
            var t = stack.Pop();
            if (_index.Producer(t) is { OpType: "Add" } add && add.Input.Count == 2)
            {
                stack.Push(add.Input[1]);
                stack.Push(add.Input[0]);
            }
            else
            {
                leaves.Add(t);
            }
        }

        return leaves;
    }

    // ---- LayerNorm ---------------------------------------------------------------------------------------------

    private sealed record LayerNormWeights(float[]? Gamma, float[]? Beta, double Epsilon);

    /// <summary>The sum a residual LayerNorm normalises: its sub-layer operand, and a bias SkipLayerNormalization adds.</summary>
    private sealed record Sublayer(string Output, float[]? Bias);

    private string NormInput(LayerNormMatch norm)
    {
        var node = _index.Node(norm.Node);
        if (norm.Pattern != LayerNormMatcher.Decomposed)
        {
            return node.Input[0];
        }

        // Decomposed: the last node is Add(β), Mul(γ) or the Div; the Div's centred input is Sub(x, mean).
        var div = node;
        while (div.OpType != "Div")
        {
            div = _index.Producer(div.Input.First(_index.IsDynamic))!;
        }

        return _index.Producer(div.Input[0])!.Input[0];
    }

    private Sublayer? ResidualOf(LayerNormMatch norm, string residual)
    {
        var origin = Origin(residual);
        var node = _index.Node(norm.Node);
        if (norm.Pattern == LayerNormMatcher.Skip)
        {
            // SkipLayerNormalization(input, skip, gamma, beta, bias): either of the first two may be the residual.
            var bias = node.Input.Count > 4 && node.Input[4].Length > 0 ? _constants.Floats(node.Input[4])?.Floats : null;
            return Origin(node.Input[1]) == origin ? new Sublayer(node.Input[0], bias)
                : Origin(node.Input[0]) == origin ? new Sublayer(node.Input[1], bias)
                : null;
        }

        var operands = norm.ResidualOperands;
        return operands.Count != 2 ? null
            : Origin(operands[1]) == origin ? new Sublayer(operands[0], null)
            : Origin(operands[0]) == origin ? new Sublayer(operands[1], null)
            : null;
    }

    private LayerNormWeights LayerNormParts(LayerNormMatch norm)
    {
        var node = _index.Node(norm.Node);
        switch (norm.Pattern)
        {
            case LayerNormMatcher.Fused:
                _style.Add("LayerNormalization");
                return new LayerNormWeights(
                    _constants.Floats(node.Input[1])?.Floats,
                    node.Input.Count > 2 && node.Input[2].Length > 0 ? _constants.Floats(node.Input[2])?.Floats : null,
                    Epsilon(node, 1e-5));
            case LayerNormMatcher.Skip:
                _style.Add("SkipLayerNormalization");
                return new LayerNormWeights(
                    _constants.Floats(node.Input[2])?.Floats,
                    node.Input.Count > 3 && node.Input[3].Length > 0 ? _constants.Floats(node.Input[3])?.Floats : null,
                    Epsilon(node, 1e-12));
        }

        _style.Add("LayerNorm (decomposed)");
        float[]? gamma = null, beta = null;
        var last = node;
        if (last.OpType == "Add")
        {
            beta = last.Input.Select(_constants.Floats).FirstOrDefault(c => c is not null)?.Floats;
            last = _index.Producer(last.Input.First(_index.IsDynamic))!;
        }

        if (last.OpType == "Mul")
        {
            gamma = last.Input.Select(_constants.Floats).FirstOrDefault(c => c is not null)?.Floats;
            last = _index.Producer(last.Input.First(_index.IsDynamic))!;
        }

        // last is the Div; its divisor is Sqrt(Add(variance, ε)).
        var sqrt = _index.Producer(last.Input[1])!;
        var add = _index.Producer(sqrt.Input[0])!;
        var epsilon = add.Input.Select(_constants.Scalar).FirstOrDefault(e => e is not null)
            ?? throw new GraphMismatch(add, "the LayerNorm's epsilon is not a constant");
        return new LayerNormWeights(gamma, beta, ShortestFloat(epsilon));
    }

    // Attributes and constants are float32: read them through their shortest decimal form, so 1e-12 stays 1e-12.
    private static double ShortestFloat(double value) => double.Parse(((float)value).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static double Epsilon(NodeProto node, double fallback) =>
        TensorFacts.Attribute(node, "epsilon") is { } e ? ShortestFloat(e.F) : fallback;

    private static void AddLayerNorm(Dictionary<string, MatchedWeight> weights, string prefix, LayerNormWeights parts, int hidden)
    {
        weights[prefix + "weight"] = new MatchedWeight([hidden], parts.Gamma ?? Enumerable.Repeat(1f, hidden).ToArray());
        weights[prefix + "bias"] = new MatchedWeight([hidden], parts.Beta ?? new float[hidden]);
    }

    // ---- linear projections -----------------------------------------------------------------------------------

    /// <summary>A linear map y = x·Wᵀ + b, with W in PyTorch's [out, in] layout.</summary>
    private sealed record LinearMatch(int Out, int In, float[] Weight, float[] Bias, string Input, NodeProto Node)
    {
        public MatchedWeight WeightTensor => new([Out, In], Weight);

        public MatchedWeight BiasTensor => new([Out], Bias);

        public LinearMatch Scaled(double factor) => this with
        {
            Weight = Weight.Select(w => (float)(w * factor)).ToArray(),
            Bias = Bias.Select(b => (float)(b * factor)).ToArray(),
        };
    }

    /// <summary>
    /// The linear map that computes <paramref name="tensor"/>: MatMul by a constant, Gemm, either followed by the Add of
    /// a constant bias, a Split of such a map's output (fused Q, K, V), or a reshape of one. Null when it is none.
    /// </summary>
    private LinearMatch? Linear(string tensor, float[]? extraBias = null)
    {
        var match = LinearCore(tensor, 0);
        if (match is null || extraBias is null)
        {
            return match;
        }

        return extraBias.Length == match.Out ? match with { Bias = match.Bias.Zip(extraBias, (a, b) => a + b).ToArray() } : null;
    }

    private LinearMatch? LinearCore(string tensor, int depth)
    {
        if (depth > 6 || _index.Producer(tensor) is not { } node)
        {
            return null;
        }

        switch (node.OpType)
        {
            case "Add" when node.Input.Count == 2:
            {
                var constant = node.Input.Select(_constants.Floats).FirstOrDefault(c => c is not null);
                var other = node.Input.FirstOrDefault(_index.IsDynamic);
                if (constant is null || other is null || LinearCore(other, depth + 1) is not { } inner || constant.Count != inner.Out)
                {
                    return null;
                }

                return inner with { Bias = inner.Bias.Zip(constant.Floats!, (a, b) => a + b).ToArray() };
            }

            case "MatMul" when _constants.Floats(node.Input[1]) is { Dims.Length: 2 } weight && _index.IsDynamic(node.Input[0]):
            {
                // MatMul(x, W) with W [in, out]: PyTorch's weight is its transpose.
                _style.Add(_index.Producer(node.Input[1]) is { OpType: "Transpose" } ? "MatMul (weights transposed in the graph)" : "MatMul");
                var (inSize, outSize) = ((int)weight.Dims[0], (int)weight.Dims[1]);
                return new LinearMatch(outSize, inSize, OnnxConstants.Transpose(weight.Floats!, inSize, outSize), new float[outSize], node.Input[0], node);
            }

            case "Gemm" when _constants.Floats(node.Input[1]) is { Dims.Length: 2 } weight && _index.IsDynamic(node.Input[0]):
            {
                if ((TensorFacts.Attribute(node, "transA")?.I ?? 0) != 0)
                {
                    return null;
                }

                _style.Add("Gemm");
                var transB = (TensorFacts.Attribute(node, "transB")?.I ?? 0) != 0;
                var alpha = TensorFacts.Attribute(node, "alpha") is { } a ? a.F : 1f;
                var beta = TensorFacts.Attribute(node, "beta") is { } b ? b.F : 1f;
                var (outSize, inSize) = transB ? ((int)weight.Dims[0], (int)weight.Dims[1]) : ((int)weight.Dims[1], (int)weight.Dims[0]);
                var w = transB ? weight.Floats! : OnnxConstants.Transpose(weight.Floats!, inSize, outSize);
                var bias = node.Input.Count > 2 && node.Input[2].Length > 0 ? _constants.Floats(node.Input[2]) : null;
                if (bias is not null && bias.Count != outSize)
                {
                    return null;
                }

                return new LinearMatch(
                    outSize, inSize, w.Select(v => v * alpha).ToArray(),
                    bias is null ? new float[outSize] : bias.Floats!.Select(v => v * beta).ToArray(), node.Input[0], node);
            }

            case "Split":
            {
                if (LinearCore(node.Input[0], depth + 1) is not { } whole)
                {
                    return null;
                }

                var output = node.Output.IndexOf(tensor);
                var sizes = node.Input.Count > 1 && node.Input[1].Length > 0 ? _constants.Value(node.Input[1])?.Integers
                    : TensorFacts.Attribute(node, "split")?.Ints is { Count: > 0 } attribute ? attribute.ToArray()
                    : Enumerable.Repeat((long)(whole.Out / node.Output.Count), node.Output.Count).ToArray();
                if (sizes is null || sizes.Sum() != whole.Out || output < 0)
                {
                    return null;
                }

                // Only a split of the last axis splits the projection's outputs.
                var axis = TensorFacts.Attribute(node, "axis")?.I ?? 0;
                if (axis == 0)
                {
                    return null;
                }

                _style.Add("Q, K, V as one projection");
                var first = (int)sizes.Take(output).Sum();
                var count = (int)sizes[output];
                return new LinearMatch(
                    count, whole.In, whole.Weight.AsSpan(first * whole.In, count * whole.In).ToArray(), whole.Bias.AsSpan(first, count).ToArray(), whole.Input, node);
            }

            case "Reshape" or "Identity" or "Cast":
                return LinearCore(node.Input[0], depth + 1);

            default:
                return null;
        }
    }

    // ---- self-attention -----------------------------------------------------------------------------------------

    private sealed record AttentionWeights(LinearMatch Query, LinearMatch Key, LinearMatch Value, int? Heads);

    private AttentionWeights Attention(LinearMatch output, string layerInput, int layer)
    {
        // Output projection ← Reshape ← Transpose ← MatMul(probabilities, V).
        var context = _index.Origin(output.Input, throughTransposes: true);
        if (_index.Producer(context) is not { OpType: "MatMul" } weighted)
        {
            throw new GraphMismatch(_index.Producer(context) ?? output.Node, $"layer {layer}'s first residual sum is not self-attention: the output projection's input is not probabilities·V");
        }

        var probabilities = weighted.Input[0];
        while (_index.Producer(probabilities) is { } step && ProbabilitySteps.Contains(step.OpType))
        {
            probabilities = step.Input[0];
        }

        if (_index.Producer(probabilities) is not { OpType: "Softmax" } softmax)
        {
            throw new GraphMismatch(weighted, $"layer {layer}: the attention's MatMul with V does not take a Softmax");
        }

        _style.Add("Softmax attention");
        var (valueInput, valueHeads, valueScale) = HeadsOf(weighted.Input[1]);
        var value = Linear(valueInput) ?? throw new GraphMismatch(_index.Producer(valueInput) ?? weighted, $"layer {layer}: V is not a linear projection of the layer's input");

        // Softmax ← (mask, scale) ← MatMul(Q, Kᵀ), keeping the scales met on the way.
        var scale = 1.0;
        var scores = softmax.Input[0];
        NodeProto? product = null;
        for (var step = 0; step < 8 && product is null; step++)
        {
            var node = _index.Producer(scores) ?? throw new GraphMismatch(softmax, $"layer {layer}: the Softmax's scores do not come from Q·Kᵀ");
            switch (node.OpType)
            {
                case "MatMul" when _index.IsDynamic(node.Input[0]) && _index.IsDynamic(node.Input[1]):
                    product = node;
                    break;
                case "Div" or "Mul" when ConstantScale(node) is { } scaled:
                    scale *= scaled.Factor;
                    scores = scaled.Input;
                    break;
                case "Add" or "Sub" or "Where" or "Cast" or "Identity":
                    // The mask is added (or filled in); follow the operand computed from the tokens.
                    scores = node.Input.Skip(node.OpType == "Where" ? 1 : 0).FirstOrDefault(_dependsOnTokens.Contains)
                        ?? throw new GraphMismatch(node, $"layer {layer}: no operand of the scores' {node.OpType} depends on the tokens");
                    break;
                default:
                    throw new GraphMismatch(node, $"layer {layer}: unexpected step between Q·Kᵀ and the Softmax");
            }
        }

        if (product is null)
        {
            throw new GraphMismatch(softmax, $"layer {layer}: the Softmax's scores do not come from Q·Kᵀ");
        }

        var (queryInput, queryHeads, queryScale) = HeadsOf(product.Input[0]);
        var (keyInput, keyHeads, keyScale) = HeadsOf(product.Input[1]);
        var query = Linear(queryInput) ?? throw new GraphMismatch(_index.Producer(queryInput) ?? product, $"layer {layer}: Q is not a linear projection of the layer's input");
        var key = Linear(keyInput) ?? throw new GraphMismatch(_index.Producer(keyInput) ?? product, $"layer {layer}: K is not a linear projection of the layer's input");
        var origin = Origin(layerInput);
        foreach (var (name, projection) in new[] { ("Q", query), ("K", key), ("V", value) })
        {
            if (Origin(projection.Input) == origin)
            {
                continue;
            }

            // A LayerNorm of the layer's input in between: x + attention(LN(x)), a pre-LayerNorm layer.
            var normalised = _norms.FirstOrDefault(n => n.Output == Origin(projection.Input));
            throw new GraphMismatch(projection.Node, normalised is not null && Origin(NormInput(normalised)) == origin
                ? $"layer {layer} normalises its input before self-attention (a pre-LayerNorm layer), but the transformer student is post-LayerNorm"
                : $"layer {layer}: {name} is not computed from the layer's input");
        }

        var heads = queryHeads ?? keyHeads ?? valueHeads;
        if (valueScale != 1.0)
        {
            value = value.Scaled(valueScale);
        }

        // The student divides Q·Kᵀ by √(head size); any other scale (on the scores, on Q or on K) goes into Q's weights.
        scale *= queryScale * keyScale;
        if (heads is { } h && query.Out % h == 0)
        {
            var expected = 1.0 / Math.Sqrt(query.Out / h);
            if (Math.Abs((scale / expected) - 1) > 1e-6)
            {
                _style.Add("attention scale folded into Q");
                query = query.Scaled(scale / expected);
            }
        }

        return new AttentionWeights(query, key, value, heads);
    }

    /// <summary>
    /// Walks up from a per-head tensor (Q, Kᵀ or V as [batch, heads, sequence, size]) through its Transpose and
    /// Reshape to the projection's output; returns it, the head count the Reshape shows, and any constant scale met.
    /// </summary>
    private (string Projection, int? Heads, double Scale) HeadsOf(string tensor)
    {
        int? heads = null;
        var scale = 1.0;
        for (var step = 0; step < 10; step++)
        {
            var node = _index.Producer(tensor);
            switch (node?.OpType)
            {
                case "Transpose" or "Identity" or "Cast":
                    tensor = node.Input[0];
                    break;
                case "Reshape":
                    heads ??= HeadCount(node);
                    tensor = node.Input[0];
                    break;
                case "Div" or "Mul" when ConstantScale(node) is { } scaled:
                    scale *= scaled.Factor;
                    tensor = scaled.Input;
                    break;
                default:
                    return (tensor, heads, scale);
            }
        }

        return (tensor, heads, scale);
    }

    /// <summary>For a Div by a constant or a Mul by one: the factor it applies and its other input; else null.</summary>
    private (double Factor, string Input)? ConstantScale(NodeProto node) => node.OpType switch
    {
        "Div" when _constants.Scalar(node.Input[1]) is { } divisor => (1 / divisor, node.Input[0]),
        "Mul" when node.Input.Select(_constants.Scalar).FirstOrDefault(f => f is not null) is { } factor => (factor, node.Input.First(_index.IsDynamic)),
        _ => null,
    };

    /// <summary>The heads of a [.., .., heads, head size] Reshape: the second-to-last element of its constant tail.</summary>
    private int? HeadCount(NodeProto reshape)
    {
        var tail = ShapeTail(reshape.Input[1]);
        return tail is [.., var heads, var size] && heads > 0 && size > 0 ? (int)heads : null;
    }

    // The constant elements at the end of a shape vector: all of a constant one, the constant last parts of a Concat.
    private List<long>? ShapeTail(string shape)
    {
        if (_constants.Value(shape)?.Integers is { } all)
        {
            return [.. all];
        }

        if (_index.Producer(shape) is not { OpType: "Concat" } concat)
        {
            return null;
        }

        var tail = new List<long>();
        for (var i = concat.Input.Count - 1; i >= 0; i--)
        {
            if (_constants.Value(concat.Input[i])?.Integers is not { } part)
            {
                break;
            }

            tail.InsertRange(0, part);
        }

        return tail;
    }

    // ---- feed-forward -------------------------------------------------------------------------------------------

    private (LinearMatch Inner, TransformerActivation Activation) FeedForward(LinearMatch output, string layerInput, int layer)
    {
        // Output projection ← activation ← first projection of the layer's (attended) input.
        var origin = Origin(layerInput);
        var region = new List<NodeProto>();
        var frontier = new Queue<string>();
        frontier.Enqueue(output.Input);
        LinearMatch? inner = null;
        float[]? extraBias = null;
        while (frontier.Count > 0 && region.Count <= 16)
        {
            var tensor = frontier.Dequeue();
            if (Linear(tensor) is { } candidate && Origin(candidate.Input) == origin)
            {
                if (inner is not null && inner.Node != candidate.Node)
                {
                    throw new GraphMismatch(candidate.Node, $"layer {layer}: the activation reads two projections of the layer's input");
                }

                inner = candidate;
                continue;
            }

            var node = _index.Producer(tensor) ?? throw new GraphMismatch(output.Node, $"layer {layer}: the feed-forward output projection does not read an activation of a projection");
            if (region.Contains(node))
            {
                continue;
            }

            region.Add(node);
            if (node.OpType is "BiasGelu" or "FastGelu" && node.Input.Count > 1 && node.Input[1].Length > 0)
            {
                extraBias = _constants.Floats(node.Input[1])?.Floats;
                frontier.Enqueue(node.Input[0]);
                continue;
            }

            foreach (var input in node.Input.Where(i => i.Length > 0 && _index.IsDynamic(i)))
            {
                frontier.Enqueue(input);
            }
        }

        if (inner is null)
        {
            throw new GraphMismatch(region.LastOrDefault() ?? output.Node, $"layer {layer}: no projection of the layer's input feeds the feed-forward activation");
        }

        if (extraBias is not null)
        {
            inner = inner.Out == extraBias.Length ? inner with { Bias = inner.Bias.Zip(extraBias, (a, b) => a + b).ToArray() } : throw new GraphMismatch(region[0], $"layer {layer}: the activation's bias does not match the projection");
        }

        var ops = region.Select(n => n.OpType).ToHashSet(StringComparer.Ordinal);
        var activation = ops switch
        {
            _ when ops.Contains("Erf") => Exact("GELU (Erf)"),
            _ when ops.Contains("FastGelu") => Tanh("GELU (FastGelu)"),
            _ when region.FirstOrDefault(n => n.OpType == "Gelu") is { } gelu => TensorFacts.Attribute(gelu, "approximate")?.S.ToStringUtf8() == "tanh" ? Tanh("GELU (Gelu, tanh)") : Exact("GELU (Gelu)"),
            _ when ops.Contains("BiasGelu") => Exact("GELU (BiasGelu)"),
            _ when ops.Contains("Tanh") => Tanh("GELU (Tanh)"),
            _ => throw new GraphMismatch(region.FirstOrDefault() ?? output.Node, $"layer {layer}: the feed-forward activation ({string.Join(", ", ops.Order())}) is not GELU, which the transformer student uses"),
        };
        return (inner, activation);

        TransformerActivation Exact(string style)
        {
            _style.Add(style);
            return TransformerActivation.Gelu;
        }

        TransformerActivation Tanh(string style)
        {
            _style.Add(style);
            return TransformerActivation.GeluTanh;
        }
    }

    // ---- pooler and classifier ----------------------------------------------------------------------------------

    private (TransformerPooling Pooling, bool Pooler, string? Logits, int? Labels) Head(string lastHidden, int hidden, Dictionary<string, MatchedWeight> weights)
    {
        // BERT's pooler: tanh(dense(hidden[:, 0])), the first token taken by a Gather (or Slice) on the sequence axis.
        var first = FirstTokenOf(lastHidden);
        var pooled = first is null ? null : ForwardLinear(first, hidden);
        var tanh = pooled is null ? null : Downstream(pooled.Value.Output).FirstOrDefault(n => n.OpType == "Tanh");
        if (pooled is { } pooler && tanh is not null && pooler.Linear.Out == hidden)
        {
            weights["bert.pooler.dense.weight"] = pooler.Linear.WeightTensor;
            weights["bert.pooler.dense.bias"] = pooler.Linear.BiasTensor;
            if (ForwardLinear(tanh.Output[0], hidden) is not { } classifier)
            {
                return (TransformerPooling.Pooler, true, null, null);
            }

            weights["classifier.weight"] = classifier.Linear.WeightTensor;
            weights["classifier.bias"] = classifier.Linear.BiasTensor;
            return (TransformerPooling.Pooler, true, classifier.Output, classifier.Linear.Out);
        }

        // No pooler: a classifier over the mean of the tokens the mask keeps (sentence-transformers' pooling, Distill's
        // mean pooling). Without a classifier there is nothing to tell the two apart: the BERT layout, with a new pooler.
        if (MaskedMeanOf(lastHidden) is { } mean && ForwardLinear(mean, hidden) is { } meanClassifier)
        {
            _style.Add("mean pooling");
            weights["classifier.weight"] = meanClassifier.Linear.WeightTensor;
            weights["classifier.bias"] = meanClassifier.Linear.BiasTensor;
            return (TransformerPooling.Mean, false, meanClassifier.Output, meanClassifier.Linear.Out);
        }

        return (TransformerPooling.Pooler, false, null, null);
    }

    /// <summary>
    /// sum(hidden·mask, sequence axis) / count: the hidden states times a tensor computed from the mask alone, summed over
    /// axis 1, then divided. The divisor is not read: the parity check compares the logits this feeds.
    /// </summary>
    private string? MaskedMeanOf(string lastHidden)
    {
        foreach (var mul in Downstream(lastHidden).Where(n => n.OpType == "Mul" && n.Input.Count == 2))
        {
            var weights = mul.Input.FirstOrDefault(i => _index.IsDynamic(i) && !_dependsOnTokens.Contains(i));
            var sum = Downstream(mul.Output[0]).FirstOrDefault(n => n.OpType == "ReduceSum");
            if (weights is null || sum is null)
            {
                continue;
            }

            var axes = sum.Input.Count > 1 && sum.Input[1].Length > 0 ? _constants.Value(sum.Input[1])?.Integers
                : TensorFacts.Attribute(sum, "axes")?.Ints is { Count: > 0 } attribute ? attribute.ToArray() : null;
            if (axes is not [1] || Downstream(sum.Output[0]).FirstOrDefault(n => n.OpType == "Div" && Origin(n.Input[0]) == sum.Output[0]) is not { } div)
            {
                continue;
            }

            return div.Output[0];
        }

        return null;
    }

    /// <summary>The linear map applied to <paramref name="input"/> (through dropout or reshapes), with its bias Add when
    /// that follows, and the tensor it writes.</summary>
    private (LinearMatch Linear, string Output)? ForwardLinear(string input, int inSize)
    {
        foreach (var node in Downstream(input).Where(n => n.OpType is "MatMul" or "Gemm"))
        {
            var output = node.Output[0];
            var consumers = _index.Consumers(output);
            if (consumers.Count == 1 && _index.Node(consumers[0]) is { OpType: "Add" } add && add.Input.Any(i => _constants.Floats(i) is not null))
            {
                output = add.Output[0];
            }

            if (Linear(output) is { } linear && linear.In == inSize)
            {
                return (linear, output);
            }
        }

        return null;
    }

    private string? FirstTokenOf(string lastHidden)
    {
        foreach (var node in Downstream(lastHidden))
        {
            if (node.OpType == "Gather" && (TensorFacts.Attribute(node, "axis")?.I ?? 0) == 1 && _constants.Scalar(node.Input[1]) == 0)
            {
                return node.Output[0];
            }

            if (node.OpType == "Slice" && node.Input.Count >= 4
                && _constants.Value(node.Input[1])?.Integers is [0] && _constants.Value(node.Input[2])?.Integers is [1]
                && _constants.Value(node.Input[3])?.Integers is [1])
            {
                return StripLayoutDown(node.Output[0]);
            }
        }

        return null;
    }

    // The consumers of a tensor and of its layout-only copies (a Reshape of rows back to [batch, sequence, hidden]).
    private IEnumerable<NodeProto> Downstream(string tensor)
    {
        foreach (var node in _index.Consumers(tensor).Select(_index.Node))
        {
            if (OnnxGraphIndex.LayoutOps.Contains(node.OpType) || node.OpType == "Dropout")
            {
                foreach (var further in Downstream(node.Output[0]))
                {
                    yield return further;
                }
            }
            else
            {
                yield return node;
            }
        }
    }

    private string StripLayoutDown(string tensor)
    {
        for (var step = 0; step < 4; step++)
        {
            var consumers = _index.Consumers(tensor);
            if (consumers.Count != 1 || _index.Node(consumers[0]).OpType is not ("Squeeze" or "Reshape" or "Flatten"))
            {
                break;
            }

            tensor = _index.Node(consumers[0]).Output[0];
        }

        return tensor;
    }

    // ---- helpers --------------------------------------------------------------------------------------------------

    private string Origin(string tensor) => _index.Origin(tensor);

    private void MarkDependents(string input)
    {
        _dependsOnTokens.Add(input);
        foreach (var node in _index.Order.Select(_index.Node))
        {
            if (node.Input.Any(_dependsOnTokens.Contains))
            {
                _dependsOnTokens.UnionWith(node.Output.Where(o => o.Length > 0));
            }
        }
    }

    private static MatchedWeight Weight(ConstantTensor value) => new(value.Dims, value.Floats!);

    /// <summary>Where the walk stopped and what it expected there.</summary>
    private sealed class GraphMismatch(NodeProto? node, string message) : Exception(message)
    {
        public NodeProto? Node { get; } = node;
    }
}

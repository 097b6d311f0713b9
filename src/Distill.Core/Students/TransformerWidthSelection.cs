using Distill.Students.Internal;
using static TorchSharp.torch;

namespace Distill.Students;

/// <summary>
/// Initialises a narrower (and shallower) transformer from a wider one by weight selection (Xu et al. 2024,
/// "Initializing Models with Larger Ones", arXiv 2311.18823): every weight of the small model is the sub-matrix of the
/// large model's matching weight at evenly spaced indices, the same indices wherever the same dimension recurs (the
/// residual stream's hidden units, each layer's heads and feed-forward units), so that the small model computes a
/// thinned-out version of the large one rather than starting from noise. A student that is too narrow to take a
/// teacher's layers whole still starts from what the teacher learned.
/// </summary>
/// <remarks>
/// Hidden units, heads and feed-forward units are chosen evenly spaced (index ⌊i·n/k⌋), as the paper's uniform
/// selection does; within each chosen head, so are its dimensions when the student's heads are smaller. LayerNorm then
/// normalises over the chosen units only, which changes its statistics a little: training recovers from that.
/// </remarks>
public static class TransformerWidthSelection
{
    /// <summary>How the feed-forward units a narrower student keeps are chosen.</summary>
    public enum UnitChoice
    {
        /// <summary>Evenly spaced, ⌊i·n/k⌋, as the paper's uniform selection.</summary>
        Evenly,

        /// <summary>
        /// In each layer, the units with the largest ‖input weights‖·‖output weights‖, kept in their order: magnitude
        /// pruning's choice. A trained layer's units differ in importance, so dropping the weakest costs least.
        /// </summary>
        Magnitude,
    }

    /// <summary>
    /// A new transformer with <paramref name="target"/>'s settings whose weights are selected from
    /// <paramref name="source"/>: embeddings, student layer k from source layer <c>layers[k]</c>, the pooler when both
    /// have one, and the classifier when <paramref name="copyClassifier"/> is set and the class counts agree (otherwise
    /// it keeps its fresh initialisation). On the CPU, in training mode; the source is not changed.
    /// </summary>
    /// <exception cref="DistillException">The target is wider than the source anywhere, its vocabulary or positions
    /// differ, or a layer index is out of range or repeated.</exception>
    public static TransformerStudent CreateStudent(
        TransformerStudent source, TransformerStudentOptions target, IReadOnlyList<int> layers, bool copyClassifier = false, UnitChoice feedForward = UnitChoice.Evenly)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        ThrowIfUnfit(source.Settings, target, layers);
        var student = (TransformerStudent)target.CreateModel();
        try
        {
            CopyInto(source, student, layers, copyClassifier, feedForward);
            return student;
        }
        catch
        {
            student.Dispose();
            throw;
        }
    }

    /// <summary>
    /// <see cref="CreateStudent"/>'s selection, written into an existing <paramref name="target"/> (a student built and
    /// seeded by its caller): every weight the source has, except the keys in <paramref name="except"/> and the
    /// classifier unless <paramref name="copyClassifier"/> is set and the class counts agree. The rest keep their values.
    /// </summary>
    /// <exception cref="DistillException">The target does not fit in the source; see <see cref="CreateStudent"/>.</exception>
    public static void CopyInto(
        TransformerStudent source, TransformerStudent target, IReadOnlyList<int> layers, bool copyClassifier = false, UnitChoice feedForward = UnitChoice.Evenly,
        IReadOnlyCollection<string>? except = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        var s = source.Settings;
        var t = target.Settings;
        ThrowIfUnfit(s, t, layers);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var hidden = Indexes(Evenly(s.Hidden, t.Hidden));
        var headsChosen = Evenly(s.Heads, t.Heads);
        var withinHead = Evenly(s.HeadSize, t.HeadSize);
        var attention = Indexes(headsChosen.SelectMany(h => withinHead.Select(d => (h * s.HeadSize) + d)).ToArray());
        var from = source.state_dict();

        // Per layer, one choice of feed-forward units serves both of its matrices.
        var evenlyInner = Indexes(Evenly(s.Intermediate, t.Intermediate));
        var inner = layers.Select(l => feedForward == UnitChoice.Magnitude ? Indexes(Strongest(from, l, t.Intermediate)) : evenlyInner).ToArray();
        foreach (var (key, value) in target.state_dict())
        {
            var sourceKey = key;
            var rest = key;
            var units = evenlyInner;
            if (BertWeightNames.TryParseLayerKey(key, out var layer, out var tail))
            {
                sourceKey = BertWeightNames.LayerKey(layers[layer], tail);
                rest = tail;
                units = inner[layer];
            }

            if (except?.Contains(key) == true || !from.TryGetValue(sourceKey, out var weight)
                || (key.StartsWith("classifier.", StringComparison.Ordinal) && (!copyClassifier || t.NumLabels != s.NumLabels)))
            {
                continue;
            }

            var (rows, columns) = rest switch
            {
                _ when key.StartsWith("bert.embeddings.", StringComparison.Ordinal) => key.EndsWith("LayerNorm.weight", StringComparison.Ordinal) || key.EndsWith("LayerNorm.bias", StringComparison.Ordinal) ? (hidden, null) : (null, hidden),
                "attention.self.query.weight" or "attention.self.key.weight" or "attention.self.value.weight" => (attention, hidden),
                "attention.self.query.bias" or "attention.self.key.bias" or "attention.self.value.bias" => (attention, null),
                "attention.output.dense.weight" => (hidden, attention),
                "intermediate.dense.weight" => (units, hidden),
                "intermediate.dense.bias" => (units, null),
                "output.dense.weight" => (hidden, units),
                "bert.pooler.dense.weight" => (hidden, hidden),
                "classifier.weight" => (null, hidden),
                "classifier.bias" => ((Tensor?)null, (Tensor?)null),
                _ => (hidden, null), // biases and LayerNorms of the residual stream
            };
            var selected = rows is null ? weight : weight.index_select(0, rows);
            selected = columns is null ? selected : selected.index_select(1, columns);
            value.copy_(selected);
        }
    }

    private static void ThrowIfUnfit(TransformerStudentOptions source, TransformerStudentOptions target, IReadOnlyList<int> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        var problems = Problems(source, target, layers).ToList();
        if (problems.Count > 0)
        {
            throw StudentErrors.WidthSelectionUnfit(target, source, problems);
        }
    }

    /// <summary><paramref name="count"/> of <paramref name="total"/> indices, evenly spaced: ⌊i·total/count⌋.</summary>
    public static int[] Evenly(int total, int count) =>
        Enumerable.Range(0, count).Select(i => (int)((long)i * total / count)).ToArray();

    /// <summary>The <paramref name="count"/> feed-forward units of a source layer with the largest ‖w_in‖·‖w_out‖, in order.</summary>
    private static int[] Strongest(Dictionary<string, Tensor> source, int layer, int count)
    {
        var input = source[BertWeightNames.LayerKey(layer, "intermediate.dense.weight")].contiguous().data<float>().ToArray();   // [I, H]
        var output = source[BertWeightNames.LayerKey(layer, "output.dense.weight")].contiguous().data<float>().ToArray();       // [H, I]
        var units = source[BertWeightNames.LayerKey(layer, "intermediate.dense.bias")].shape[0];
        var hidden = input.Length / units;
        var score = new double[units];
        for (var j = 0; j < units; j++)
        {
            double inSquares = 0, outSquares = 0;
            for (var h = 0; h < hidden; h++)
            {
                inSquares += (double)input[(j * hidden) + h] * input[(j * hidden) + h];
                outSquares += (double)output[(h * units) + j] * output[(h * units) + j];
            }

            score[j] = Math.Sqrt(inSquares * outSquares);
        }

        return Enumerable.Range(0, (int)units).OrderByDescending(j => score[j]).ThenBy(j => j).Take(count).Order().ToArray();
    }

    private static Tensor Indexes(int[] indices) => tensor(indices.Select(i => (long)i).ToArray());

    private static IEnumerable<string> Problems(TransformerStudentOptions s, TransformerStudentOptions t, IReadOnlyList<int> layers)
    {
        if (t.Hidden > s.Hidden)
        {
            yield return $"hidden {t.Hidden} is wider than {s.Hidden}";
        }

        if (t.Heads > s.Heads)
        {
            yield return $"heads {t.Heads} are more than {s.Heads}";
        }

        if (t.Heads > 0 && t.HeadSize > s.HeadSize)
        {
            yield return $"a head of {t.HeadSize} (hidden / heads) is wider than the source's {s.HeadSize}";
        }

        if (t.Intermediate > s.Intermediate)
        {
            yield return $"intermediate {t.Intermediate} is wider than {s.Intermediate}";
        }

        if (t.VocabSize != s.VocabSize || t.MaxPositions != s.MaxPositions || t.TypeVocabSize != s.TypeVocabSize)
        {
            yield return "the vocabulary, positions and segment counts must be the source's";
        }

        if (layers.Count != t.Layers)
        {
            yield return $"{layers.Count} source layers are listed for {t.Layers} student layers";
        }

        foreach (var layer in layers.Where(l => l < 0 || l >= s.Layers))
        {
            yield return $"layer {layer} is out of range (0 to {s.Layers - 1})";
        }

        foreach (var repeated in layers.GroupBy(l => l).Where(g => g.Count() > 1))
        {
            yield return $"layer {repeated.Key} is listed {repeated.Count()} times";
        }
    }
}

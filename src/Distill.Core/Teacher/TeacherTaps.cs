using Distill.Teacher.Internal;

namespace Distill.Teacher;

/// <summary>Picks the taps a run needs from an inspection, by layer and hidden-state index.</summary>
public static class TeacherTaps
{
    /// <summary>
    /// The attention probabilities of <paramref name="attentionLayers"/> (layers from 0) and the hidden states
    /// <paramref name="hiddenStates"/> (0 = embedding output, i = output of layer i − 1), attention first, each list
    /// in the order given, duplicates dropped. Pass the result to
    /// <see cref="TeacherGraph.WithOutputs(Onnx.ModelProto, IEnumerable{TeacherTap})"/>.
    /// </summary>
    /// <exception cref="DistillException">An index does not exist in this teacher; the message lists those that do.</exception>
    public static IReadOnlyList<TeacherTap> Select(TeacherInspection inspection, IEnumerable<int>? attentionLayers = null, IEnumerable<int>? hiddenStates = null)
    {
        ArgumentNullException.ThrowIfNull(inspection);
        var attention = (attentionLayers ?? []).Distinct().ToList();
        var hidden = (hiddenStates ?? []).Distinct().ToList();
        var attentionByLayer = inspection.AttentionProbabilities.ToDictionary(t => t.Index);
        var hiddenByIndex = inspection.HiddenStates.ToDictionary(t => t.Index);
        var missingAttention = attention.Where(i => !attentionByLayer.ContainsKey(i)).ToList();
        var missingHidden = hidden.Where(i => !hiddenByIndex.ContainsKey(i)).ToList();
        if (missingAttention.Count > 0 || missingHidden.Count > 0)
        {
            throw new DistillException(DistillErrorKind.InvalidInput, Missing(inspection, missingAttention, missingHidden));
        }

        return attention.Select(i => attentionByLayer[i]).Concat(hidden.Select(i => hiddenByIndex[i])).ToList();
    }

    // "teacher.onnx: attention layer 4 and hidden state 6 do not exist; the teacher has attention layers 0–3 and
    // hidden states 0–4 (0 = embedding output, i = output of layer i − 1); choose among those"
    private static string Missing(TeacherInspection inspection, List<int> attention, List<int> hidden)
    {
        var asked = new List<string>();
        if (attention.Count > 0)
        {
            asked.Add($"attention layer{(attention.Count > 1 ? "s" : "")} {TapIndexes.Describe(attention)}");
        }

        if (hidden.Count > 0)
        {
            asked.Add($"hidden state{(hidden.Count > 1 ? "s" : "")} {TapIndexes.Describe(hidden)}");
        }

        var verb = attention.Count + hidden.Count > 1 ? "do" : "does";
        if (inspection.Layers.Count == 0)
        {
            return $"{inspection.Source}: {string.Join(" and ", asked)} {verb} not exist; the teacher has no attention layers "
                + "(no attention Softmax of Q·Kᵀ that feeds a MatMul with V: not a transformer, or its attention is fused into one op); "
                + "use a transformer teacher or drop the attention and hidden-state losses";
        }

        var layers = inspection.AttentionProbabilities.Select(t => t.Index).ToList();
        var states = inspection.HiddenStates.Select(t => t.Index).ToList();
        var has = new List<string> { $"attention layer{(layers.Count > 1 ? "s" : "")} {TapIndexes.Describe(layers)}" };
        has.Add(states.Count == 0
            ? "no hidden states (no LayerNorm on the residual path after the attention)"
            : $"hidden state{(states.Count > 1 ? "s" : "")} {TapIndexes.Describe(states)} (0 = embedding output, i = output of layer i − 1)");
        return $"{inspection.Source}: {string.Join(" and ", asked)} {verb} not exist; the teacher has {string.Join(" and ", has)}; choose among those";
    }
}

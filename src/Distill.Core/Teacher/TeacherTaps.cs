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
            throw TeacherErrors.NoSuchTaps(inspection, missingAttention, missingHidden);
        }

        return attention.Select(i => attentionByLayer[i]).Concat(hidden.Select(i => hiddenByIndex[i])).ToList();
    }
}

using static TorchSharp.torch;

namespace Distill.Losses.Internal;

/// <summary>Applies a per-layer loss over the pairs of a layer map and sums the results.</summary>
internal static class Layerwise
{
    /// <param name="offset">1 for hidden-state lists, whose index 0 is the embedding output.</param>
    public static Tensor Sum(
        IReadOnlyList<Tensor> student,
        IReadOnlyList<Tensor?> teacher,
        LayerMap map,
        int offset,
        bool includeEmbeddings,
        string term,
        string teacherProperty,
        Func<Tensor, Tensor, Tensor> perLayer)
    {
        var studentLayers = student.Count - offset;
        var teacherLayers = teacher.Count - offset;
        var pairs = map.Pairs(studentLayers, teacherLayers).Select(p => (p.Student + offset, p.Teacher + offset)).ToList();
        if (offset > 0 && includeEmbeddings)
        {
            pairs.Insert(0, (0, 0));
        }

        using var scope = NewDisposeScope();
        Tensor? total = null;
        foreach (var (s, t) in pairs)
        {
            var value = perLayer(student[s], LayerMap.Present(teacher, t, term, teacherProperty));
            total = total is null ? value : total.Plus(value);
        }

        return total!.MoveToOuterDisposeScope();
    }
}

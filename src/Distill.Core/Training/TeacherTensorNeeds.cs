using Distill.Cache;
using Distill.Losses;
using Distill.Students;
using Distill.Training.Internal;

namespace Distill.Training;

/// <summary>
/// Which teacher tensors the loss terms of a stage read, so that a teacher cache can be planned to hold them
/// (<see cref="TeacherCachePlanner"/>) before any training starts.
/// </summary>
public static class TeacherTensorNeeds
{
    /// <summary>
    /// The teacher tensors that <paramref name="loss"/> reads for a student of <paramref name="student"/> against a
    /// teacher of <paramref name="teacherLayers"/> layers, or CNN stages for a CNN teacher (null when unknown;
    /// layer-mapping terms then fail). A term that reads feature maps gets all the teacher's maps.
    /// </summary>
    /// <exception cref="DistillException">A term needs something the student or the teacher does not have.</exception>
    public static IReadOnlySet<TeacherTensorId> Of(string stage, WeightedLossSum loss, StudentOptions student, int? teacherLayers, string teacherSource)
    {
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(student);
        var names = LossNeeds.Analyse(stage, loss, student, new LossNeeds.Available(null, teacherLayers, false, teacherSource)).Teacher;
        // Every name a built-in term asks for is an id's; a planning run (no cache yet) offers nothing else.
        var ids = names.Select(name => TeacherTensorId.TryParse(name, out var id) ? id
            : throw new InvalidOperationException($"stage '{stage}' reads the teacher tensor '{name}', which no TeacherTensorId names")).ToHashSet();
        // Attention transfer pairs student stages with the teacher's by the number of maps the cache holds, so a cache
        // that feeds it holds every one of the teacher's maps, not only the paired ones.
        if (ids.Any(id => id.Kind == CachedTensorKind.Fixed) && teacherLayers is > 0)
        {
            ids.UnionWith(Enumerable.Range(0, teacherLayers.Value).Select(TeacherTensorId.FeatureMap));
        }

        return ids;
    }
}

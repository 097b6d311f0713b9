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
    /// teacher of <paramref name="teacherLayers"/> layers (null when unknown; layer-mapping terms then fail).
    /// </summary>
    /// <exception cref="DistillException">A term needs something the student or the teacher does not have.</exception>
    public static IReadOnlySet<TeacherTensorId> Of(string stage, WeightedLossSum loss, StudentOptions student, int? teacherLayers, string teacherSource)
    {
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(student);
        var names = LossNeeds.Analyse(stage, loss, student, new LossNeeds.Available(null, teacherLayers, false, teacherSource)).Teacher;
        // Every name a built-in term asks for is an id's; a planning run (no cache yet) offers nothing else.
        return names.Select(name => TeacherTensorId.TryParse(name, out var id) ? id
            : throw new InvalidOperationException($"stage '{stage}' reads the teacher tensor '{name}', which no TeacherTensorId names")).ToHashSet();
    }
}

using Distill.Losses;
using Distill.Students;
using Distill.Training.Internal;

namespace Distill.Training;

/// <summary>
/// Which teacher tensors the loss terms of a stage read (cache names: <c>logits</c>, <c>attention.N</c>,
/// <c>hidden.N</c>), so that a teacher cache can be planned to hold them before any training starts.
/// </summary>
public static class TeacherTensorNeeds
{
    /// <summary>
    /// The teacher tensors that <paramref name="loss"/> reads for a student of <paramref name="student"/> against a
    /// teacher of <paramref name="teacherLayers"/> layers (null when unknown; layer-mapping terms then fail).
    /// </summary>
    /// <exception cref="DistillException">A term needs something the student or the teacher does not have.</exception>
    public static IReadOnlySet<string> Of(string stage, WeightedLossSum loss, StudentOptions student, int? teacherLayers, string teacherSource)
    {
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(student);
        return LossNeeds.Analyse(stage, loss, student, new LossNeeds.Available(null, teacherLayers, false, teacherSource)).Teacher;
    }
}

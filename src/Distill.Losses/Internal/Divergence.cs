using static TorchSharp.torch;

namespace Distill.Losses.Internal;

/// <summary>The KL divergences and masks the terms share, written once.</summary>
internal static class Divergence
{
    /// <summary>
    /// Finite stand-in for minus infinity when masking logits: a true -inf would make 0·(-inf) = NaN in the KL terms
    /// (and in their gradients) at masked positions, where a finite value gives an exact 0 probability instead.
    /// </summary>
    public const double MaskedLogit = -1e9;

    /// <summary>Half and bfloat16 inputs (an fp16 cache, say) are computed in float32; float32 and float64 stay.</summary>
    public static Tensor AtLeastFloat32(Tensor tensor) =>
        tensor.dtype is ScalarType.Float16 or ScalarType.BFloat16 ? tensor.to(ScalarType.Float32) : tensor;

    /// <summary>
    /// Per-row <c>T²·KL(softmax(t/T) ‖ softmax(s/T))</c>, summed over the last dimension. With
    /// <paramref name="teacherProbabilities"/> the teacher tensor holds probabilities p, tempered as
    /// <c>softmax(log p / T)</c>; zero probabilities contribute 0 (x·log x = 0 at x = 0).
    /// </summary>
    public static Tensor TemperedKl(Tensor student, Tensor teacher, double temperature, bool teacherProbabilities)
    {
        var logStudent = nn.functional.log_softmax(AtLeastFloat32(student).DividedBy(temperature), -1);
        var teacherInput = AtLeastFloat32(teacher).to(logStudent.dtype).detach();
        var teacherLogits = teacherProbabilities ? teacherInput.log() : teacherInput;
        var teacherProbs = nn.functional.softmax(teacherLogits.DividedBy(temperature), -1);
        return KlRows(teacherProbs, logStudent).Times(temperature * temperature);
    }

    /// <summary>Per-row <c>Σ p·(log p − log q)</c> over the last dimension, with 0·log 0 = 0.</summary>
    public static Tensor KlRows(Tensor teacherProbs, Tensor logStudent) =>
        (xlogy(teacherProbs, teacherProbs) - teacherProbs * logStudent).sum(-1);

    /// <summary>
    /// KL between row distributions of [batch, heads, queries, keys] tensors, masked as attention is: padded keys
    /// are left out of each distribution, padded queries out of the mean. Returns the mean over heads and valid
    /// queries of <c>KL(teacher ‖ student)</c> summed over keys.
    /// </summary>
    /// <param name="studentLogits">Student relation logits (before softmax), [batch, heads, queries, keys].</param>
    /// <param name="teacher">Teacher logits, or probabilities when <paramref name="teacherIsProbabilities"/>.</param>
    /// <param name="tokenMask">Boolean [batch, sequence] or null (every position is a token).</param>
    public static Tensor MaskedRowKl(Tensor studentLogits, Tensor teacher, bool teacherIsProbabilities, Tensor? tokenMask)
    {
        var heads = studentLogits.shape[1];
        if (tokenMask is null)
        {
            var logStudentAll = nn.functional.log_softmax(studentLogits, -1);
            var teacherProbsAll = teacherIsProbabilities ? teacher : nn.functional.softmax(teacher, -1);
            return KlRows(teacherProbsAll, logStudentAll).mean();
        }

        var keys = tokenMask.unsqueeze(1).unsqueeze(2); // [batch, 1, 1, keys]
        var logStudent = nn.functional.log_softmax(studentLogits.Filled(keys.logical_not(), MaskedLogit), -1);
        Tensor teacherProbs = teacherIsProbabilities
            ? teacher
            : nn.functional.softmax(teacher.Filled(keys.logical_not(), MaskedLogit), -1);

        // KL is linear in the teacher's weights, so the sum over valid (query, key) entries of p·(log p − log q) is
        // Σ w·log w − Σ w·log q with w = p on those entries and 0 elsewhere. w is made once, without gradient; the
        // student's side is then one dot product, which keeps this term cheap next to the model's own step (it runs
        // on every layer of every batch). At a left-out entry w = 0 and log q is finite (masked to -1e9, not -inf),
        // so the entry adds exactly 0, as the where() it replaces did.
        Tensor weights;
        using (no_grad())
        {
            var valid = keys.logical_and(tokenMask.unsqueeze(1).unsqueeze(3)); // [batch, 1, queries, keys]
            weights = (teacherProbs.detach() * valid.to(teacherProbs.dtype)).contiguous();
        }

        var entropy = xlogy(weights, weights).sum();
        var cross = weights.flatten().dot(logStudent.contiguous().flatten());
        // clamp: a batch without a single token gives 0, not 0/0.
        var queries = tokenMask.to(weights.dtype).sum().Times(heads).AtLeast(1);
        return (entropy - cross) / queries;
    }

    /// <summary>
    /// Makes teacher heads match student heads by averaging each group of consecutive teacher heads
    /// (teacher heads must be a multiple of student heads). Returns the tensor unchanged when the counts agree.
    /// </summary>
    public static Tensor GroupTeacherHeads(Tensor teacher, long studentHeads, string term, string teacherName)
    {
        var teacherHeads = teacher.shape[1];
        if (teacherHeads == studentHeads)
        {
            return teacher;
        }

        if (teacherHeads % studentHeads != 0)
        {
            throw new ArgumentException(
                $"{teacherName}: {term} groups teacher heads onto student heads, so the teacher's head count must be a " +
                $"multiple of the student's; got {teacherHeads} teacher heads for {studentHeads} student heads. " +
                "Give the student a head count that divides the teacher's, or use value_relation, whose relation heads " +
                "work with any head counts.", teacherName);
        }

        var shape = teacher.shape;
        var grouped = teacher.reshape([shape[0], studentHeads, teacherHeads / studentHeads, .. shape[2..]]);
        return grouped.mean([2]);
    }
}

namespace Distill.Teacher;

/// <summary>What an internal tensor of a teacher holds, as the distillation losses read it.</summary>
public enum TeacherTapKind
{
    /// <summary>Attention probabilities of one layer (the Softmax output), [batch, heads, sequence, sequence]; indexed by layer from 0.</summary>
    AttentionProbabilities,

    /// <summary>A hidden state, [batch, sequence, hidden]: index 0 is the embedding output, index i the output of layer i − 1.</summary>
    HiddenStates,
}
